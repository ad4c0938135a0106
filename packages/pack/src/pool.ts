import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import Piscina from 'piscina';
import { type DecodeResult, decodeImage } from './decode';
import type { DecodeTask } from './decode-worker';

/** Decodes images on worker threads, or on the calling thread when workers is 0. */
export interface DecodePool {
  readonly workers: number;
  decode(task: DecodeTask): Promise<DecodeResult>;
  close(): Promise<void>;
}

export function defaultWorkerCount(): number {
  return availableParallelism();
}

export function createDecodePool(workers: number): DecodePool {
  if (workers === 0) {
    return { workers, decode: (task) => decodeImage(task.input, task.options), close: async () => undefined };
  }
  const piscina = new Piscina({
    filename: join(__dirname, 'decode-worker.js'),
    minThreads: workers,
    maxThreads: workers,
    idleTimeout: 60_000,
    concurrentTasksPerWorker: 1,
  });
  return {
    workers,
    decode: (task) => piscina.run(task) as Promise<DecodeResult>,
    close: () => piscina.destroy(),
  };
}

/**
 * Maps items through an async function with at most `window` calls in flight,
 * yielding results in input order (so output files are the same whatever the worker count).
 */
export async function* mapOrdered<T, R>(items: Iterable<T>, window: number, fn: (item: T) => Promise<R>): AsyncGenerator<R> {
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
