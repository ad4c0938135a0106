import type { ShardStore } from '@shardline/shards';
import type { ByteSource } from '@shardline/tfrecord';
import { type RangeFetch, type RetryPolicy, rangedSource, StatusError, withRetries } from './ranged-stream';

/** A shard folder served over HTTP(S) at `prefix` (a URL ending in a slash, added if missing). */
export function httpStore(prefix: string, policy: RetryPolicy): ShardStore {
  const base = prefix.endsWith('/') ? prefix : `${prefix}/`;
  const url = (name: string) => new URL(name, base).href;
  return {
    location: base,
    describe: url,
    readText: (name) => withRetries(url(name), policy, async () => (await ok(await fetch(url(name)))).text()),
    source: (name) => httpSource(url(name), policy),
  };
}

function httpSource(url: string, policy: RetryPolicy): ByteSource {
  const fetchFrom: RangeFetch = async (start, signal) => {
    const response = await ok(await fetch(url, { headers: { range: `bytes=${start}-` }, signal }));
    const body = response.body ?? emptyBody();
    // A server that ignores Range sends the whole object: its first `start` bytes are skipped.
    return response.status === 206 || start === 0 ? body : skipped(body, start);
  };
  return rangedSource(url, policy, () => contentLength(url), fetchFrom);
}

async function contentLength(url: string): Promise<number> {
  const response = await ok(await fetch(url, { method: 'HEAD' }));
  const length = Number(response.headers.get('content-length'));
  if (!Number.isSafeInteger(length)) throw new StatusError(502, 'the server gave no Content-Length');
  return length;
}

/** The response, if its status is 2xx; otherwise a StatusError. */
async function ok(response: Response): Promise<Response> {
  if (response.ok) return response;
  await response.body?.cancel();
  throw new StatusError(response.status, response.statusText);
}

async function* skipped(body: AsyncIterable<Uint8Array>, count: number): AsyncGenerator<Uint8Array> {
  let left = count;
  for await (const piece of body) {
    if (left >= piece.length) left -= piece.length;
    else {
      yield piece.subarray(left);
      left = 0;
    }
  }
}

async function* emptyBody(): AsyncGenerator<Uint8Array> {}
