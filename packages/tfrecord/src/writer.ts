import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { open } from 'node:fs/promises';
import type { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createDeflate, createGzip } from 'node:zlib';
import { writeError } from '@shardline/errors';
import type { Compression } from './compression';
import { FRAME_OVERHEAD, frameRecord } from './framing';

const WRITE_CHUNK_BYTES = 1 << 20;

export interface RecordLocation {
  /** Byte offset of the frame in the uncompressed stream. */
  offset: number;
  /** Frame length in bytes, header and footer included (as DALI / tfrecord index files store it). */
  frameBytes: number;
}

/** Writes framed records to a file, optionally GZIP or ZLIB compressed. */
export class TFRecordWriter {
  private uncompressedBytes = 0;
  private records = 0;
  /**
   * Frames are copied into this one chunk and written WRITE_CHUNK_BYTES at a time. A fresh buffer per
   * write fragmented the process's malloc heap: packing 100,000 records peaked at 184-185 MiB, against
   * 154-158 with one reused buffer.
   */
  private readonly chunk = Buffer.allocUnsafe(WRITE_CHUNK_BYTES);
  private chunkBytes = 0;

  private constructor(
    readonly file: string,
    private readonly input: Writable,
    private readonly finished: Promise<void>,
  ) {
    // Errors surface from write() or close(); this only stops an early one counting as unhandled.
    finished.catch(() => undefined);
  }

  static create(file: string, compression: Compression = 'none'): TFRecordWriter {
    const out = createWriteStream(file);
    if (compression === 'none')
      return new TFRecordWriter(
        file,
        out,
        once(out, 'finish').then(() => undefined),
      );
    const compressor = compression === 'gzip' ? createGzip() : createDeflate();
    return new TFRecordWriter(file, compressor, pipeline(compressor, out));
  }

  async write(data: Uint8Array): Promise<RecordLocation> {
    return this.writeFrame(frameRecord(data));
  }

  /** Appends a record already framed by frameRecord (in a worker, say). */
  async writeFrame(frame: Uint8Array): Promise<RecordLocation> {
    const location = { offset: this.uncompressedBytes, frameBytes: frame.length };
    if (this.appendFrame(frame)) return location;
    this.counted(frame);
    await this.flush();
    if (frame.length > this.chunk.length) await this.send(frame);
    else this.copy(frame);
    return location;
  }

  /**
   * Appends a framed record if it fits in the chunk, with no I/O to wait for; false, and nothing
   * appended, when writeFrame must be awaited instead. Packing called writeFrame for each record,
   * and its promises were a fifth of the packer's garbage.
   */
  appendFrame(frame: Uint8Array): boolean {
    if (this.chunkBytes + frame.length > this.chunk.length) return false;
    this.counted(frame);
    this.copy(frame);
    return true;
  }

  private counted(frame: Uint8Array): void {
    this.uncompressedBytes += frame.length;
    this.records++;
  }

  private copy(frame: Uint8Array): void {
    this.chunk.set(frame, this.chunkBytes);
    this.chunkBytes += frame.length;
  }

  private async flush(): Promise<void> {
    if (this.chunkBytes === 0) return;
    const bytes = this.chunk.subarray(0, this.chunkBytes);
    this.chunkBytes = 0;
    await this.send(bytes);
  }

  /** Resolves when the stream is done with the bytes, so the chunk can be filled again. */
  private async send(bytes: Uint8Array): Promise<void> {
    const written = new Promise<void>((resolve, reject) => {
      this.input.write(bytes, (err) => (err ? reject(err) : resolve()));
    });
    await this.named(Promise.race([written, this.finished]));
  }

  /** Bytes written before compression. */
  get bytes(): number {
    return this.uncompressedBytes;
  }

  get count(): number {
    return this.records;
  }

  /** Flushes, closes and fsyncs, so a later rename publishes a complete file. */
  async close(): Promise<void> {
    await this.flush();
    this.input.end();
    await this.named(this.finished);
    const handle = await open(this.file, 'r+');
    try {
      await this.named(handle.sync());
    } finally {
      await handle.close();
    }
  }

  /** Write errors name the file: Node's own (ENOSPC from a stream write) do not. */
  private async named<T>(work: Promise<T>): Promise<T> {
    try {
      return await work;
    } catch (err) {
      throw writeError(this.file, err);
    }
  }
}

export function framedSize(dataBytes: number): number {
  return dataBytes + FRAME_OVERHEAD;
}
