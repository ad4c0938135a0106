import type { DecodeFailure } from '@shardline/images';
import type { EncodeResult } from './worker-functions';

/**
 * A batch of encode results as a decode process sends them: the frames in one buffer, reused batch
 * after batch, each result with its frame's length. Typed arrays sent in IPC messages outlive the
 * young generation's collections until a full one: a process sending 8 arrays of 900 bytes a message
 * held 12.7 MiB of ArrayBuffers, against 0.1 MiB sending the rest of the message alone and 0.4 MiB
 * making the arrays without sending them. With a buffer per frame, each decode process of a long pack
 * held up to 30 MiB.
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
