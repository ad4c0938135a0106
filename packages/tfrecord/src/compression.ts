import { open, stat } from 'node:fs/promises';
import { extname } from 'node:path';
import { Readable } from 'node:stream';
import { createGunzip, createInflate } from 'node:zlib';
import { type ChunkLease, READ_CHUNK_BYTES, type ReadBufferPool } from './buffer-pool';
import { HEADER_BYTES, parseHeader } from './framing';

export type Compression = 'none' | 'gzip' | 'zlib';

/** Bytes of a file's (decompressed) stream; lease is set when they sit in a pooled buffer. */
export interface Chunk {
  bytes: Buffer;
  lease?: ChunkLease;
}

const READ_AHEAD_CHUNKS = 3;

export function compressionFromExtension(file: string): Compression | undefined {
  const ext = extname(file).toLowerCase();
  if (ext === '.gz' || ext === '.gzip') return 'gzip';
  if (ext === '.zz' || ext === '.zlib') return 'zlib';
  return undefined;
}

/** A file's compression and how it was chosen: asked for, by the file's name, or guessed from its first bytes. */
export interface ResolvedCompression {
  compression: Compression;
  chosenBy: 'option' | 'name' | 'content';
}

/**
 * Works out how a file is compressed. The extension wins; otherwise an uncompressed
 * file is recognised by a valid first header (its CRC). Only a file whose first header
 * is not valid is taken for gzip or zlib by its magic bytes: errors then say it was a guess,
 * since a damaged uncompressed file can start with the same bytes.
 */
export async function detectCompression(source: ByteSource): Promise<ResolvedCompression> {
  const byName = compressionFromExtension(source.name);
  if (byName) return { compression: byName, chosenBy: 'name' };
  const head = await readHead(source, HEADER_BYTES);
  if (head.length < HEADER_BYTES || parseHeader(head).ok) return { compression: 'none', chosenBy: 'content' };
  if (head[0] === 0x1f && head[1] === 0x8b) return { compression: 'gzip', chosenBy: 'content' };
  if (isZlibHeader(head)) return { compression: 'zlib', chosenBy: 'content' };
  return { compression: 'none', chosenBy: 'content' };
}

/** What a zlib error from inflating a compressed file means, in words. */
export function describeInflateError(err: Error & { code?: string }, compression: Compression): string | undefined {
  if (err.code === 'Z_BUF_ERROR') return `the ${compression} stream ends early (${err.message}): the file is truncated`;
  if (err.code?.startsWith('Z_')) return `the ${compression} stream is damaged (${err.message})`;
  return undefined;
}

/** Where a TFRecord stream's bytes come from: a local file (fileSource), or a URL (@shardline/remote). */
export interface ByteSource {
  /** The file or URL, as errors name it. */
  readonly name: string;
  size(): Promise<number>;
  /** The bytes in order, in chunks; in the pool's buffers, each with a lease to release, when a pool is given. Return (or break out of a for-await) to stop reading. */
  chunks(pool?: ReadBufferPool): AsyncGenerator<Chunk>;
}

/** A local file as a ByteSource: read with several chunk reads in flight. */
export function fileSource(path: string): ByteSource {
  return {
    name: path,
    size: async () => (await stat(path)).size,
    chunks: (pool) => chunksReadAhead(path, pool),
  };
}

/**
 * The source's decompressed bytes, in chunks. Return (or break out of a for-await) to stop reading.
 * Uncompressed bytes are read into the pool's buffers when a pool is given: each chunk yielded
 * comes with a lease the consumer must release.
 */
export function decompressedChunks(
  source: ByteSource,
  compression: Compression,
  pool?: ReadBufferPool,
): AsyncGenerator<Chunk> {
  if (compression === 'none') return source.chunks(pool);
  return inflatedChunks(source, compression);
}

async function* inflatedChunks(source: ByteSource, compression: Exclude<Compression, 'none'>): AsyncGenerator<Chunk> {
  const raw = Readable.from(rawBytes(source));
  const inflater =
    compression === 'gzip'
      ? createGunzip({ chunkSize: READ_CHUNK_BYTES })
      : createInflate({ chunkSize: READ_CHUNK_BYTES });
  raw.on('error', (err) => inflater.destroy(err));
  const stream: Readable = raw.pipe(inflater);
  try {
    // Same shape as pooled chunks: the reader's hot code stays monomorphic when both kinds are read in one process.
    for await (const bytes of stream) yield { bytes: bytes as Buffer, lease: undefined };
  } finally {
    stream.destroy();
    raw.destroy();
  }
}

async function* rawBytes(source: ByteSource): AsyncGenerator<Buffer> {
  for await (const chunk of source.chunks()) yield chunk.bytes;
}

/**
 * Reads with several chunk reads in flight. A file stream keeps at most one going, and
 * the training pipeline waited on it for 18% of its time with the file in the page cache.
 */
async function* chunksReadAhead(file: string, pool: ReadBufferPool | undefined): AsyncGenerator<Chunk> {
  const handle = await open(file, 'r');
  const inFlight: Promise<Chunk>[] = [];
  try {
    const { size } = await handle.stat();
    const chunkBytes = pool?.bufferBytes ?? READ_CHUNK_BYTES;
    let position = 0;
    const issueReads = () => {
      while (inFlight.length < READ_AHEAD_CHUNKS && position < size) {
        const length = Math.min(chunkBytes, size - position);
        const lease = pool?.lend();
        const buffer = lease?.buffer ?? Buffer.allocUnsafe(length);
        inFlight.push(
          handle
            .read(buffer, 0, length, position)
            .then(({ bytesRead }) => ({ bytes: buffer.subarray(0, bytesRead), lease })),
        );
        position += length;
      }
    };
    issueReads();
    while (inFlight.length > 0) {
      const chunk = await inFlight.shift()!;
      issueReads();
      if (chunk.bytes.length === 0) {
        chunk.lease?.release();
        return;
      }
      yield chunk;
    }
  } finally {
    // Reads never handed out go back to the pool once the kernel is done writing into them.
    for (const read of await Promise.allSettled(inFlight)) if (read.status === 'fulfilled') read.value.lease?.release();
    await handle.close();
  }
}

function isZlibHeader(head: Uint8Array): boolean {
  const cmf = head[0] ?? 0;
  const flg = head[1] ?? 0;
  return (cmf & 0x0f) === 8 && (cmf * 256 + flg) % 31 === 0;
}

/** The first n bytes (fewer if the source is shorter). */
async function readHead(source: ByteSource, n: number): Promise<Buffer> {
  const parts: Buffer[] = [];
  let length = 0;
  for await (const { bytes } of source.chunks()) {
    parts.push(bytes);
    length += bytes.length;
    if (length >= n) break;
  }
  return Buffer.concat(parts).subarray(0, n);
}
