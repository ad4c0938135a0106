import os from 'node:os';
import { ShardlineError } from '@shardline/errors';
import { integer, type OptionTable, withDefaults } from '@shardline/options';
import * as tf from '@tensorflow/tfjs';
import { startHeapPool } from './wasm/heap-pool';
import { registerWasmGradientKernels } from './wasm/kernels';
import { MAX_WASM_THREADS, wasmThreadsUnavailable, withThreadedWasm } from './wasm/threads';

export type BackendChoice = 'auto' | 'tensorflow' | 'wasm' | 'cpu';

export interface BackendOptions {
  /** Defaults to 'auto': tfjs-node-gpu, then tfjs-node if installed, else wasm, else cpu. */
  choice?: BackendChoice;
  /** Threads of the wasm backend (1 to 8). Defaults to the machine's core count, at most 8. */
  threads?: number;
}

export interface BackendInfo {
  name: 'tensorflow' | 'wasm' | 'cpu';
  /** The npm package of a native backend. */
  package?: string;
  /** Compute threads: the wasm thread pool's size; 0 where the backend manages its own. */
  threads: number;
  /** Why each backend tried before it was not used, and why fewer threads than asked run. */
  notes: string[];
}

/** Optional native backends, in order of preference; each registers the 'tensorflow' backend. */
const NATIVE_PACKAGES = ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'];

export function defaultThreads(): number {
  return Math.min(os.availableParallelism(), MAX_WASM_THREADS);
}

function loadNative(notes: string[]): string | undefined {
  for (const name of NATIVE_PACKAGES) {
    try {
      require(name);
      return name;
    } catch (err) {
      const missing =
        (err as { code?: string }).code === 'MODULE_NOT_FOUND' && String((err as Error).message).includes(`'${name}'`);
      notes.push(
        `${name}: ${missing ? `not installed (npm i ${name})` : `failed to load: ${(err as Error).message.split('\n')[0]}`}`,
      );
    }
  }
  return undefined;
}

let current: BackendInfo | undefined;

export const BACKEND_OPTIONS: OptionTable<BackendOptions> = {
  choice: {
    kind: 'string',
    flag: 'backend',
    choices: ['auto', 'tensorflow', 'wasm', 'cpu'],
    default: 'auto',
    describe:
      'auto: tfjs-node-gpu, then tfjs-node if installed (npm i @tensorflow/tfjs-node-gpu or @tensorflow/tfjs-node), else wasm, else cpu',
  },
  threads: {
    kind: 'number',
    check: integer({ min: 1, max: MAX_WASM_THREADS }),
    defaultFrom: defaultThreads,
    defaultText: `the core count, at most ${MAX_WASM_THREADS}`,
    describe: `Compute threads of the wasm backend (1 to ${MAX_WASM_THREADS})`,
  },
};

/**
 * Picks and initialises a backend: native TensorFlow if installed, else wasm, else cpu.
 * The wasm thread pool is fixed when wasm first starts; a later call reuses it.
 */
export async function initBackend(given: BackendOptions = {}): Promise<BackendInfo> {
  const { choice, threads } = withDefaults(BACKEND_OPTIONS, given) as Required<BackendOptions>;
  if (current && (choice === 'auto' || choice === current.name) && (await tf.setBackend(current.name)))
    return reused(current, threads);
  const notes: string[] = [];
  if (choice === 'auto' || choice === 'tensorflow') {
    const native = loadNative(notes);
    if (native && (await tf.setBackend('tensorflow')))
      return remember({ name: 'tensorflow', package: native, threads: 0, notes });
    if (choice === 'tensorflow')
      throw new ShardlineError(
        'ERR_ENVIRONMENT',
        `--backend tensorflow needs ${NATIVE_PACKAGES.join(' or ')} installed (with its libtensorflow): ${notes.join('; ')}`,
      );
  }
  if (choice === 'auto' || choice === 'wasm') {
    const wasm = await initWasm(threads, notes);
    if (wasm) return remember(wasm);
    if (choice === 'wasm')
      throw new ShardlineError('ERR_ENVIRONMENT', `the wasm backend failed to initialise: ${notes.join('; ')}`);
  }
  await tf.setBackend('cpu');
  return remember({ name: 'cpu', threads: 1, notes });
}

function remember(info: BackendInfo): BackendInfo {
  current = info;
  return info;
}

/** The backend already running; a different thread count cannot take effect, and the notes say so. */
function reused(info: BackendInfo, threads: number): BackendInfo {
  if (info.name !== 'wasm' || info.threads === threads) return info;
  return {
    ...info,
    notes: [
      ...info.notes,
      `wasm already runs ${info.threads} thread(s) in this process; its pool is fixed when it starts, so ${threads} cannot take effect`,
    ],
  };
}

async function initWasm(threads: number, notes: string[]): Promise<BackendInfo | undefined> {
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  registerWasmGradientKernels();
  if (tf.findBackend('wasm'))
    return (await tf.setBackend('wasm')) ? { name: 'wasm', threads: wasm.getThreadsCount(), notes } : undefined;
  const unavailable = threads > 1 ? wasmThreadsUnavailable() : undefined;
  if (unavailable) notes.push(`wasm runs on 1 thread: ${unavailable}`);
  const started =
    threads > 1 && !unavailable
      ? await withThreadedWasm(threads, () => startWasm(wasm, threads))
      : await startWasm(wasm, 1);
  if (!started) {
    notes.push('wasm failed to start');
    return undefined;
  }
  const actual = wasm.getThreadsCount();
  startHeapPool(actual - 1);
  if (actual !== threads && !unavailable) notes.push(`wasm runs on ${actual} thread(s), not the ${threads} asked for`);
  return { name: 'wasm', threads: actual, notes };
}

async function startWasm(wasm: typeof import('@tensorflow/tfjs-backend-wasm'), threads: number): Promise<boolean> {
  wasm.setThreadsCount(threads);
  return tf.setBackend('wasm');
}

/** One line for logs: the backend, its threads, and why the others were not used. */
export function describeBackend(info: BackendInfo): string {
  const name =
    info.name === 'tensorflow'
      ? `tensorflow (${info.package})`
      : info.name === 'wasm'
        ? `wasm (${info.threads} thread${info.threads === 1 ? '' : 's'}, SIMD)`
        : 'cpu';
  return info.notes.length ? `${name}; ${info.notes.join('; ')}` : name;
}
