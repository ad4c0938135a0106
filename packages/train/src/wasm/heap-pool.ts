import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { type HeapKernelName, runHeapKernel } from './heap-kernels';
import type { HeapTask } from './heap-worker';

/** Below this many elements a kernel runs on the main thread alone: handing work over costs tens of microseconds. */
export const MIN_SPLIT_ELEMENTS = 1 << 20;

const WORKER_TIMEOUT_MS = 120_000;

/**
 * Worker threads that share the threaded wasm build's heap (a SharedArrayBuffer) and run parts of
 * the JavaScript kernels, so that those use every core as XNNPACK's do. The main thread runs the
 * first part itself and blocks until the workers' parts are done.
 */
export class HeapPool {
  private readonly workers: { worker: Worker; done: Int32Array; scratch: Float64Array; heap?: SharedArrayBuffer }[];
  tasks = 0;

  constructor(size: number) {
    this.workers = Array.from({ length: size }, () => {
      const worker = new Worker(join(__dirname, 'heap-worker.js'));
      worker.unref();
      return {
        worker,
        done: new Int32Array(new SharedArrayBuffer(4)),
        scratch: new Float64Array(new SharedArrayBuffer(8 * 1024)),
      };
    });
  }

  get parts(): number {
    return this.workers.length + 1;
  }

  /**
   * Runs `kernel` over parts [0, total) split equally; returns each part's float64 results of length
   * `outputs` (for reductions; the caller adds them up).
   */
  run(kernel: HeapKernelName, heap: Float32Array, params: object, total: number, outputs = 0): Float64Array[] {
    const step = Math.ceil(total / this.parts);
    const results = [new Float64Array(outputs)];
    this.workers.forEach((w, i) => {
      if (w.scratch.length < outputs) w.scratch = new Float64Array(new SharedArrayBuffer(8 * outputs));
      const start = Math.min(total, (i + 1) * step);
      const task: HeapTask = {
        kernel,
        params: params as never,
        start,
        end: Math.min(total, start + step),
        done: w.done.buffer as SharedArrayBuffer,
        scratch: w.scratch.buffer as SharedArrayBuffer,
      };
      if (w.heap !== heap.buffer) task.heap = w.heap = heap.buffer as SharedArrayBuffer;
      Atomics.store(w.done, 0, 0);
      w.worker.postMessage(task);
    });
    this.tasks++;
    runHeapKernel(kernel, heap, params, 0, Math.min(total, step), results[0]!);
    for (const w of this.workers) {
      // Bounded, so a worker that died cannot hang training: no part takes anywhere near this long.
      Atomics.wait(w.done, 0, 0, WORKER_TIMEOUT_MS);
      const state = Atomics.load(w.done, 0);
      if (state !== 1)
        throw new Error(
          `heap worker ${state === 0 ? `did not answer within ${WORKER_TIMEOUT_MS / 1000} s` : 'failed'} in ${kernel}`,
        );
      results.push(w.scratch.slice(0, outputs));
    }
    return results;
  }

  close(): void {
    for (const w of this.workers) void w.worker.terminate();
  }
}

let pool: HeapPool | undefined;

/** Starts `size` heap workers (threads - 1); kernels use them for large tensors on a shared heap. */
export function startHeapPool(size: number): void {
  pool?.close();
  pool = size > 0 ? new HeapPool(size) : undefined;
}

/** The pool, when it can take a kernel over `elements` elements of this heap. */
export function heapPoolFor(heap: Float32Array, elements: number): HeapPool | undefined {
  return pool && elements >= MIN_SPLIT_ELEMENTS && heap.buffer instanceof SharedArrayBuffer ? pool : undefined;
}

export function heapPoolTasks(): number {
  return pool?.tasks ?? 0;
}

/** Runs a kernel over parts [0, total): on the pool when the work is large, else here. */
export function runSplit(
  kernel: HeapKernelName,
  heap: Float32Array,
  params: object,
  total: number,
  elements: number,
  outputs = 0,
): Float64Array[] {
  const pool = heapPoolFor(heap, elements);
  if (pool) return pool.run(kernel, heap, params, total, outputs);
  const out = new Float64Array(outputs);
  runHeapKernel(kernel, heap, params, 0, total, out);
  return [out];
}
