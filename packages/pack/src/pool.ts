import { type ChildProcess, fork } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import type { DecodeResult } from '@shardline/images';
import Piscina from 'piscina';
import { type PackedResults, unpackResults } from './frame-transport';
import {
  type DecodeTask,
  type EncodeResult,
  type EncodeTask,
  type TimingTask,
  type WorkerFunction,
  workerFunctions,
} from './worker-functions';

export type PoolKind = 'threads' | 'processes';

/**
 * Child processes by default: with JPEGs read by @napi-rs/image, 2 processes and 2 piscina threads
 * packed the 2,000 sample JPEGs at about the same rate (`shardline bench pack`: 926-1,067 against
 * 1,029-1,055 images/s over three runs), and a process keeps its own allocator settings and cannot
 * take the parent down with a crashing decoder. sharp serialises threads on libvips's locks.
 */
export const DEFAULT_POOL: PoolKind = 'processes';

/** Decodes (and optionally encodes records) on worker threads or processes, or on the calling thread when workers is 0. */
export interface DecodePool {
  readonly workers: number;
  decode(task: DecodeTask): Promise<DecodeResult>;
  encode(task: EncodeTask): Promise<EncodeResult[]>;
  /** Seconds one worker takes to decode the files one after another: the decoder's ceiling as pack runs it. */
  timeDecodes(task: TimingTask): Promise<number>;
  close(): Promise<void>;
}

type Runner = (name: WorkerFunction, task: DecodeTask | EncodeTask | TimingTask) => Promise<unknown>;

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
    encode: (task) => run('encode', task) as Promise<EncodeResult[]>,
    timeDecodes: (task) => run('timeDecodes', task) as Promise<number>,
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

/**
 * glibc gives each decoded image (over 128 KiB) fresh pages from mmap and returns them on free:
 * 200 page faults per 320x240 JPEG. Keeping such blocks on the heap took a decoder from 525 to
 * 734-922 images/s. The settings apply to the decode processes only; other tunables are kept.
 */
function decoderMallocTunables(): string {
  const ours = 'glibc.malloc.mmap_threshold=33554432:glibc.malloc.trim_threshold=268435456';
  return process.env.GLIBC_TUNABLES ? `${process.env.GLIBC_TUNABLES}:${ours}` : ours;
}

/**
 * A 1 MiB young generation for the decode processes. They keep nothing between images, yet V8 grew
 * their young generation with the garbage of a long run: each went from 83 MiB after 10,000 CSV rows to
 * 122 after 100,000, and held 159-162 MiB packing 2,000 JPEGs, against 87-89 and 95-99 with this flag.
 * Speed is unchanged: `bench pack` with 2 processes gave 885, 968 and 860 images/s without it and
 * 1,036, 954 and 881 with it, in three A/B pairs.
 */
function decoderNodeOptions(): string {
  return [process.env.NODE_OPTIONS, '--max-semi-space-size=1'].filter(Boolean).join(' ');
}

class ChildWorker {
  private readonly child: ChildProcess;
  private readonly pending = new Map<
    number,
    { name: WorkerFunction; resolve: (result: unknown) => void; reject: (err: Error) => void }
  >();
  private nextId = 0;
  private stopping = false;

  constructor() {
    this.child = fork(join(__dirname, 'decode-process.js'), [], {
      serialization: 'advanced',
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      // In NODE_OPTIONS, not execArgv: fork drops `-e SCRIPT` from the parent's flags only when given
      // process.execArgv itself, and with a copy each decode process ran the parent's script again.
      env: { ...process.env, GLIBC_TUNABLES: decoderMallocTunables(), NODE_OPTIONS: decoderNodeOptions() },
    });
    this.child.on('message', (m: { id: number; result: unknown }) => {
      const pending = this.pending.get(m.id);
      this.pending.delete(m.id);
      pending?.resolve(pending.name === 'encode' ? unpackResults(m.result as PackedResults) : m.result);
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

  run(name: WorkerFunction, task: DecodeTask | EncodeTask | TimingTask): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const id = this.nextId++;
      this.pending.set(id, { name, resolve, reject });
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
