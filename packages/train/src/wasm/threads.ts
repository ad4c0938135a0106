import { existsSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { compilePthreadWorker, THREADED_MAIN_SCRIPT } from './worker-source';

/** The pthread worker script on disk (worker_threads refuses the Blob URL tfjs makes). */
export const PTHREAD_WORKER_SCRIPT = join(__dirname, 'pthread-worker.js');

/** tfjs-backend-wasm's threaded build pre-creates 8 workers and caps its thread pool there. */
export const MAX_WASM_THREADS = 8;

/** A wasm module that uses a shared memory and an atomic load: valid only where wasm threads are (from wasm-feature-detect, as tfjs checks). */
const THREADED_WASM_PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 4, 1, 96, 0, 0, 3, 2, 1, 0, 5, 4, 1, 3, 1, 1, 10, 11, 1, 9, 0, 65, 0, 254, 16, 2, 0,
  26, 11,
]);

/** Why this process cannot run the threaded wasm build, or undefined if it can. */
export function wasmThreadsUnavailable(workerScript = PTHREAD_WORKER_SCRIPT): string | undefined {
  if (typeof SharedArrayBuffer === 'undefined') return 'SharedArrayBuffer is not available';
  if (!WebAssembly.validate(THREADED_WASM_PROBE)) return 'this JavaScript engine does not support wasm threads';
  for (const script of [workerScript, THREADED_MAIN_SCRIPT]) if (!existsSync(script)) return `${script} is missing`;
  try {
    compilePthreadWorker();
  } catch (err) {
    return `the pthread worker code of @tensorflow/tfjs-backend-wasm does not compile: ${(err as Error).message}`;
  }
  return undefined;
}

interface Restorable {
  restore(): void;
}

function replaceProperty<T extends object, K extends keyof T>(target: T, key: K, value: T[K]): Restorable {
  const had = Object.hasOwn(target, key);
  const previous = target[key];
  target[key] = value;
  return {
    restore: () => {
      if (had) target[key] = previous;
      else delete target[key];
    },
  };
}

/**
 * Runs `init`, which must create tfjs's wasm backend, so that it loads the threaded SIMD build
 * with `threads` threads in Node. Three things stand in the way, and each is handled only for
 * the duration of `init`:
 * 1. tfjs hands emscripten the pthread worker script as a Blob URL, which worker_threads refuses:
 *    URL.createObjectURL answers that Blob with the script's file on disk instead.
 * 2. The flag WASM_HAS_MULTITHREAD_SUPPORT is false in Node: it is set (tfjs reads it only at init).
 * 3. The C++ side sizes its pool as min(threads, emscripten_num_logical_cores() / 2), counting
 *    hyperthreads twice; in Node that count is os.cpus().length, so os.cpus reports 2 x threads.
 * emscripten also sets a global Worker for itself; it is removed again. All pthreads are
 * created during init (the pool is fixed), so nothing needs the patches afterwards; see
 * settlePthreads for the workers themselves.
 */
export async function withThreadedWasm<T>(
  threads: number,
  init: () => Promise<T>,
  workerScript = PTHREAD_WORKER_SCRIPT,
): Promise<T> {
  const originalCreateObjectURL = URL.createObjectURL.bind(URL);
  const originalCpus = os.cpus.bind(os);
  const patches = [
    replaceProperty(URL, 'createObjectURL', (obj: Blob) =>
      obj instanceof Blob && obj.type === 'application/javascript' ? workerScript : originalCreateObjectURL(obj),
    ),
    replaceProperty(os, 'cpus', () => {
      const cpus = originalCpus();
      return Array.from({ length: 2 * threads }, (_, i) => cpus[i % cpus.length]!);
    }),
    replaceProperty(globalThis as { Worker?: unknown }, 'Worker', (globalThis as { Worker?: unknown }).Worker),
  ];
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', true);
  try {
    const result = await init();
    settlePthreads();
    return result;
  } finally {
    for (const patch of patches.reverse()) patch.restore();
  }
}

interface PthreadWorkers {
  runningWorkers: { unref(): void }[];
  unusedWorkers: { terminate(): void }[];
}

/**
 * emscripten keeps its running pthreads referenced, so a process would never exit; the pool's
 * threads only wait for work, so they are unreferenced. The workers it pre-created beyond the
 * pool are never used and hold about 7 MiB each: they are ended.
 */
function settlePthreads(): void {
  const module = (tf.findBackend('wasm') as { wasm?: { PThread?: PthreadWorkers } } | undefined)?.wasm;
  if (!module?.PThread) return;
  for (const worker of module.PThread.runningWorkers) worker.unref();
  for (const worker of module.PThread.unusedWorkers.splice(0)) worker.terminate();
}
