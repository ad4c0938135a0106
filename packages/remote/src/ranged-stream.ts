import { setTimeout as sleep } from 'node:timers/promises';
import { ShardlineError } from '@shardline/errors';
import type { ByteSource, Chunk, ChunkLease, ReadBufferPool } from '@shardline/tfrecord';

/** How hard a remote read tries before it gives up. */
export interface RetryPolicy {
  /** Attempts after the first, per stretch of no progress. */
  retries: number;
  /** A request that sends nothing for this long is dropped and tried again. */
  timeoutMs: number;
  /** Wait before the first retry; doubles with each retry in a row. */
  backoffMs: number;
}

/** A failure that names the URL, the byte offset and the cause; `status` is the HTTP status, if there was one. */
export class RemoteError extends ShardlineError {
  constructor(
    readonly url: string,
    readonly offset: number,
    reason: string,
    readonly status?: number,
  ) {
    super(status === 404 || status === 403 ? 'ERR_INPUT' : 'ERR_ENVIRONMENT', `${url}: ${reason} (at byte ${offset})`);
  }
}

/** A response status as an error, for `isTransient` and RemoteError. */
export class StatusError extends Error {
  constructor(
    readonly status: number,
    statusText: string,
  ) {
    super(`HTTP ${status}${statusText ? ` ${statusText}` : ''}`);
  }
}

/** The body of a ranged GET from `start` to the end. */
export type RangeFetch = (start: number, signal: AbortSignal) => Promise<AsyncIterable<Uint8Array>>;

/**
 * Worth trying again: a dropped or refused connection, a timeout, 408, 429 and 5xx. A 404, a 403,
 * any other answer the server means, a TLS failure and missing S3 credentials are not.
 */
export function isTransient(err: unknown): boolean {
  const status = statusOf(err);
  if (status !== undefined) return status >= 500 || status === 408 || status === 429;
  // A TLS handshake or certificate failure, or no credentials found, answers the same way every time.
  const { code } = ((err as Error)?.cause ?? err) as { code?: unknown };
  if (typeof code === 'string' && /SSL|TLS|CERT/.test(code)) return false;
  if ((err as Error)?.name === 'CredentialsProviderError') return false;
  return err instanceof Error;
}

export function statusOf(err: unknown): number | undefined {
  if (err instanceof StatusError) return err.status;
  return (err as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode;
}

/**
 * Calls `attempt` until it succeeds, retrying transient failures with exponential backoff. A
 * permanent failure, or the last one, becomes a RemoteError naming `url`.
 */
export async function withRetries<T>(url: string, policy: RetryPolicy, attempt: () => Promise<T>): Promise<T> {
  for (let failures = 0; ; failures++) {
    try {
      return await attempt();
    } catch (err) {
      await retryOrFail(err, failures, policy, url, 0);
    }
  }
}

/** After the `failures`-th failure in a row: waits out the backoff if the failure is worth another try, else throws it as a RemoteError. */
async function retryOrFail(
  err: unknown,
  failures: number,
  policy: RetryPolicy,
  url: string,
  offset: number,
): Promise<void> {
  if (!isTransient(err) || failures >= policy.retries) throw asRemoteError(url, offset, err, failures);
  await sleep(policy.backoffMs * 2 ** failures);
}

function asRemoteError(url: string, offset: number, err: unknown, retries: number): RemoteError {
  const cause = err instanceof Error ? (err.cause instanceof Error ? err.cause.message : err.message) : String(err);
  const after = retries > 0 ? ` after ${retries} ${retries === 1 ? 'retry' : 'retries'}` : '';
  return new RemoteError(url, offset, `${cause}${after}`, statusOf(err));
}

/** A remote object as a ByteSource: its size asked once, its bytes streamed with rangedChunks. */
export function rangedSource(
  url: string,
  policy: RetryPolicy,
  askSize: () => Promise<number>,
  fetchFrom: RangeFetch,
): ByteSource {
  let size: Promise<number> | undefined;
  const sizeOnce = () => {
    size ??= withRetries(url, policy, askSize);
    return size;
  };
  return {
    name: url,
    size: sizeOnce,
    chunks: async function* (pool) {
      yield* rangedChunks(url, await sizeOnce(), fetchFrom, policy, pool);
    },
  };
}

/**
 * An object's bytes from a server, streamed. A connection that drops, stalls or fails transiently
 * is resumed from the byte reached, with a ranged request; the retry count starts again with each
 * byte that arrives. With a pool, bytes are gathered into its buffers, so chunks break where a local
 * file's reads would.
 */
async function* rangedChunks(
  url: string,
  size: number,
  fetchFrom: RangeFetch,
  policy: RetryPolicy,
  pool?: ReadBufferPool,
): AsyncGenerator<Chunk> {
  const gather = new Gatherer(pool);
  let position = 0;
  let failures = 0;
  try {
    while (position < size) {
      const controller = new AbortController();
      try {
        const body = await idle(fetchFrom(position, controller.signal), policy.timeoutMs, controller);
        const pieces = body[Symbol.asyncIterator]();
        for (;;) {
          const next = await idle(pieces.next(), policy.timeoutMs, controller);
          if (next.done) break;
          position += next.value.length;
          failures = 0;
          yield* gather.add(next.value);
        }
        if (position < size) throw new Error(`the connection closed at byte ${position} of ${size}`);
      } catch (err) {
        await retryOrFail(err, failures++, policy, url, position);
      } finally {
        controller.abort();
      }
    }
    yield* gather.flush();
  } finally {
    gather.dispose();
  }
}

/** Waits for `step`, or aborts the request and fails when nothing comes for `timeoutMs`. */
async function idle<T>(step: Promise<T>, timeoutMs: number, controller: AbortController): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      reject(new Error(`no data for ${timeoutMs / 1000} s`));
    }, timeoutMs);
  });
  try {
    return await Promise.race([step, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Network pieces gathered into a pool's buffers (each yielded full, with its lease), or passed on as they come without a pool. */
class Gatherer {
  private lease: ChunkLease | undefined;
  private filled = 0;

  constructor(private readonly pool: ReadBufferPool | undefined) {}

  *add(piece: Uint8Array): Generator<Chunk> {
    const bytes = Buffer.from(piece.buffer, piece.byteOffset, piece.byteLength);
    if (!this.pool) {
      yield { bytes, lease: undefined };
      return;
    }
    for (let at = 0; at < bytes.length; ) {
      this.lease ??= this.pool.lend();
      const copied = bytes.copy(this.lease.buffer, this.filled, at);
      at += copied;
      this.filled += copied;
      if (this.filled === this.lease.buffer.length) yield* this.flush();
    }
  }

  *flush(): Generator<Chunk> {
    const { lease, filled } = this;
    this.lease = undefined;
    this.filled = 0;
    if (lease && filled > 0) yield { bytes: lease.buffer.subarray(0, filled), lease };
    else lease?.release();
  }

  /** Gives back a buffer never handed out. */
  dispose(): void {
    this.lease?.release();
    this.lease = undefined;
  }
}
