import type { DecodeFailure } from '@shardline/images';
import type { EncodeResult } from './worker-functions';

/**
 * A batch of encode results as a decode process sends them: the frames in one buffer, each result
 * with its frame's length. Node's IPC serializer keeps every object of a sent message (through its
 * serializer object) until a full collection, so a buffer per frame held a decode process's
 * ArrayBuffers at up to 30 MiB between collections; one transport buffer, reused batch after batch,
 * is all that it keeps.
 */
export interface PackedResults {
  frames: Uint8Array;
  items: ({ ok: true; frameBytes: number; sourceSha256: string } | DecodeFailure)[];
}

let transport = Buffer.allocUnsafe(1 << 20);

/** The results with their frames copied into the transport buffer, valid until the next call: send them before then. */
export function packResults(results: EncodeResult[]): PackedResults {
  const total = results.reduce((n, r) => n + (r.ok ? r.frame.length : 0), 0);
  if (transport.length < total) transport = Buffer.allocUnsafe(Math.max(total, 2 * transport.length));
  let at = 0;
  const items = results.map((result) => {
    if (!result.ok) return result;
    transport.set(result.frame, at);
    at += result.frame.length;
    return { ok: true as const, frameBytes: result.frame.length, sourceSha256: result.sourceSha256 };
  });
  return { frames: transport.subarray(0, at), items };
}

/** The results again, each frame a view into the received buffer. */
export function unpackResults({ frames, items }: PackedResults): EncodeResult[] {
  let at = 0;
  return items.map((item) => {
    if (!item.ok) return item;
    const frame = frames.subarray(at, at + item.frameBytes);
    at += item.frameBytes;
    return { ok: true, frame, sourceSha256: item.sourceSha256 };
  });
}
