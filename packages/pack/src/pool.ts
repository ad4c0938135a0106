import { type ChildProcess, fork } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import type { DecodeResult } from '@shardline/images';
import Piscina from 'piscina';
import {
  type DecodeTask,
  type EncodeResult,
  type EncodeTask,
  type WorkerFunction,
  workerFunctions,
} from './worker-functions';

export type PoolKind = 'threads' | 'processes';

/**
 * Child processes by default: on 2,000 sample JPEGs (`shardline bench pack`, median of 5)
 * 2 processes packed 1.76x faster than 1, while 2 piscina threads managed only 1.25x,
 * because libvips serialises on process-wide locks. Threads stay available with --pool threads.
 */
export const DEFAULT_POOL: PoolKind = 'processes';

/** Decodes (and optionally encodes records) on worker threads or processes, or on the calling thread when workers is 0. */
export interface DecodePool {
  readonly workers: number;
  decode(task: DecodeTask): Promise<DecodeResult>;
  encode(task: EncodeTask): Promise<EncodeResult>;
  close(): Promise<void>;
}

type Runner = (name: WorkerFunction, task: DecodeTask | EncodeTask) => Promise<unknown>;

export function defaultWorkerCount(): number {
  return availableParallelism();
}

export function createDecodePool(workers: number, kind: PoolKind = DEFAULT_POOL): DecodePool {
  if (workers === 0) {
    return { workers, ...workerFunctions, close: async () => undefined };
  }
  const { run, close } = kind === 'threads' ? threadRunner(workers) : processRunner(workers);
  return {
    workers,
    decode: (task) => run('decode', task) as Promise<DecodeResult>,
    encode: (task) => run('encode', task) as Promise<EncodeResult>,
    close,
  };
}

function threadRunner(workers: number): { run: Runner; close: () => Promise<void> } {
  const piscina = new Piscina({
    filename: join(__dirname, 'decode-worker.js'),
    minThreads: workers,
    maxThreads: workers,
    idleTimeout: 60_000,
  });
  return { run: (name, task) => piscina.run(task, { name }), close: () => piscina.destroy() };
}

/**
 * One child process per worker, each decoding one image at a time. libvips serialises
 * on process-wide locks (perf shows g_mutex and futex waits), so threads in one process
 * scale worse than processes on small images; `shardline bench pack` measures both.
 */
function processRunner(workers: number): { run: Runner; close: () => Promise<void> } {
  const children = Array.from({ length: workers }, () => new ChildWorker());
  return {
    // The least busy child takes the task.
    run: (name, task) => children.reduce((a, b) => (b.inFlight < a.inFlight ? b : a)).run(name, task),
    close: async () => {
      for (const child of children) child.stop();
    },
  };
}

class ChildWorker {
  private readonly child: ChildProcess;
  private readonly pending = new Map<number, { resolve: (result: unknown) => void; reject: (err: Error) => void }>();
  private nextId = 0;
  private stopping = false;

  constructor() {
    this.child = fork(join(__dirname, 'decode-process.js'), [], {
      serialization: 'advanced',
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.child.on('message', (m: { id: number; result: unknown }) => {
      this.pending.get(m.id)?.resolve(m.result);
      this.pending.delete(m.id);
    });
    this.child.on('exit', (code, signal) => {
      if (this.stopping) return;
      const err = new Error(
        `decode process ${this.child.pid} exited (${signal ?? `code ${code}`}) with ${this.pending.size} task(s) in flight`,
      );
      for (const { reject } of this.pending.values()) reject(err);
      this.pending.clear();
    });
  }

  get inFlight(): number {
    return this.pending.size;
  }

  run(name: WorkerFunction, task: DecodeTask | EncodeTask): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const id = this.nextId++;
      this.pending.set(id, { resolve, reject });
      this.child.send({ id, name, task }, (err) => err && reject(err));
    });
  }

  stop(): void {
    this.stopping = true;
    this.child.kill();
  }
}

/**
 * Maps items through an async function with at most `window` calls in flight,
 * yielding results in input order (so output files are the same whatever the worker count).
 */
export async function* mapOrdered<T, R>(
  items: Iterable<T>,
  window: number,
  fn: (item: T) => Promise<R>,
): AsyncGenerator<R> {
  const inFlight: Promise<R>[] = [];
  const iterator = items[Symbol.iterator]();
  const refill = () => {
    while (inFlight.length < window) {
      const next = iterator.next();
      if (next.done) return;
      const promise = fn(next.value);
      promise.catch(() => undefined); // rejections are rethrown when this result is awaited
      inFlight.push(promise);
    }
  };
  refill();
  while (inFlight.length > 0) {
    const result = await inFlight.shift()!;
    refill();
    yield result;
  }
}
