import { ShardlineError } from '@shardline/errors';
import type { ChunkLease, ReadBufferPool } from './buffer-pool';
import { ChunkReader } from './chunk-reader';
import {
  type ByteSource,
  type Compression,
  decompressedChunks,
  describeInflateError,
  detectCompression,
  fileSource,
  type ResolvedCompression,
} from './compression';
import { TFRecordError } from './errors';
import { checkDataCrc, FOOTER_BYTES, HEADER_BYTES, parseHeader } from './framing';

export interface ReadOptions {
  /**
   * 'auto' (default) picks by extension (.gz, .gzip: gzip; .zz, .zlib: zlib), then by content.
   * Callers that know it (a manifest, an option) should pass it.
   */
  compression?: Compression | 'auto';
  /** Check the data CRC of every record (default true). Length CRCs are always checked. */
  verifyCrc?: boolean;
  /** Largest record accepted; a larger length is refused before allocating (default 512 MiB). */
  maxRecordBytes?: number;
  /**
   * Read uncompressed files into this pool's buffers. Records then come with a lease:
   * release it once done with the data, and the buffer is read into again.
   */
  bufferPool?: ReadBufferPool;
}

export interface TFRecord {
  /** The record payload; may be a view into a larger read buffer. */
  data: Buffer;
  /** Byte offset of the record's header in the (decompressed) stream. */
  offset: number;
  /**
   * Set when data is a view into a pooled read buffer: release() it when done with data
   * (not touching data after). Unreleased, the buffer is simply left to the GC.
   */
  lease?: ChunkLease;
}

export const DEFAULT_MAX_RECORD_BYTES = 512 * 1024 * 1024;

/** Streams the records of a TFRecord file without loading the whole file. */
export async function* readTFRecords(file: string | ByteSource, options: ReadOptions = {}): AsyncGenerator<TFRecord> {
  for await (const group of readTFRecordGroups(file, options)) yield* group;
}

/**
 * Streams the records of a TFRecord file in groups: each group holds the records
 * of one read chunk (plus the one that crosses into the next). A consumer that loops
 * over a group synchronously pays the cost of async iteration once per chunk, not per record.
 */
export async function* readTFRecordGroups(
  file: string | ByteSource,
  options: ReadOptions = {},
): AsyncGenerator<TFRecord[]> {
  const source = typeof file === 'string' ? fileSource(file) : file;
  const resolved = await resolveCompression(source, options.compression);
  const errors = new ErrorContext(source.name, resolved);
  const limits: FrameLimits = {
    verifyCrc: options.verifyCrc ?? true,
    maxRecordBytes: options.maxRecordBytes ?? DEFAULT_MAX_RECORD_BYTES,
    // Uncompressed files have a known size, so a length past the end is caught before reading.
    knownSize: resolved.compression === 'none' ? await source.size() : Infinity,
  };
  const chunks = decompressedChunks(source, resolved.compression, options.bufferPool);
  const reader = new ChunkReader(chunks);
  const frames = new FrameReader(errors, reader, limits);
  try {
    while (!(await frames.atEnd())) yield await frames.readGroup();
  } catch (err) {
    throw errors.wrap(err, frames.offset);
  } finally {
    reader.dispose();
    await chunks.return(undefined);
  }
}

/** Builds the errors of one file's read: file, offset, and how its compression was chosen. */
class ErrorContext {
  constructor(
    readonly file: string,
    readonly resolved: ResolvedCompression,
  ) {}

  error(offset: number, reason: string): TFRecordError {
    const { compression, chosenBy } = this.resolved;
    const guess =
      compression !== 'none' && chosenBy === 'content'
        ? `; ${compression} compression was guessed from the file's first bytes, as its name does not say: if the file is not compressed, its first record header is damaged`
        : '';
    return new TFRecordError(this.file, offset, reason + guess, compression);
  }

  wrap(err: unknown, offset: number): ShardlineError {
    // A source's own errors (a remote read's) already name the file and the byte.
    if (err instanceof ShardlineError) return err;
    if (!(err instanceof Error)) return this.error(offset, String(err));
    return this.error(offset, describeInflateError(err, this.resolved.compression) ?? err.message);
  }
}

interface FrameLimits {
  verifyCrc: boolean;
  maxRecordBytes: number;
  knownSize: number;
}

/** Parses frames off a chunk stream, checking lengths and CRCs; errors carry the frame's offset. */
class FrameReader {
  /** Offset of the next frame in the (decompressed) stream. */
  offset = 0;
  /** An error met after records of the same group: thrown by the next read, once those are delivered. */
  private deferred: unknown;

  constructor(
    private readonly errors: ErrorContext,
    private readonly reader: ChunkReader,
    private readonly limits: FrameLimits,
  ) {}

  async atEnd(): Promise<boolean> {
    return this.deferred === undefined && (await this.reader.atEnd());
  }

  /**
   * The records up to the end of the current chunk; only one that crosses into the
   * next chunk is read by waiting. A group ends with its chunk, so holding a group
   * never holds the whole file. The records before a damaged one are delivered first,
   * as TensorFlow's reader does; the damage is thrown by the next call.
   */
  async readGroup(): Promise<TFRecord[]> {
    if (this.deferred !== undefined) throw this.deferred;
    const group: TFRecord[] = [];
    const chunk = this.reader.chunksRead;
    try {
      do group.push(this.readBuffered() ?? (await this.readAcrossChunks()));
      while (this.reader.buffered > 0 && this.reader.chunksRead === chunk);
    } catch (err) {
      if (group.length === 0) throw err;
      this.deferred = err;
    }
    return group;
  }

  /** The next record if the current chunk holds all of it; nothing is consumed otherwise. */
  private readBuffered(): TFRecord | undefined {
    const header = this.reader.peek(HEADER_BYTES);
    if (!header) return undefined;
    const length = this.checkHeader(header);
    if (this.reader.buffered < HEADER_BYTES + length + FOOTER_BYTES) return undefined;
    this.reader.take(HEADER_BYTES);
    const record = this.finish(this.reader.take(length), this.reader.take(FOOTER_BYTES), this.reader.lease);
    record.lease?.retain();
    return record;
  }

  private async readAcrossChunks(): Promise<TFRecord> {
    const header = await this.reader.read(HEADER_BYTES);
    if (header.length < HEADER_BYTES)
      throw this.fail(`truncated record header: ${header.length} of ${HEADER_BYTES} bytes before end of file`);
    const length = this.checkHeader(header);
    const data = await this.reader.read(length);
    const footer = await this.reader.read(FOOTER_BYTES);
    if (data.length < length || footer.length < FOOTER_BYTES)
      throw this.fail(`truncated record: needs ${length} data bytes but the stream ends early`);
    return this.finish(data, footer);
  }

  /** The record length, once its CRC matches and it fits the limits and the file. */
  private checkHeader(header: Buffer): number {
    const parsed = parseHeader(header);
    if (!parsed.ok) throw this.fail(parsed.reason);
    const { length } = parsed;
    if (length > this.limits.maxRecordBytes)
      throw this.fail(`record length ${length} exceeds the limit of ${this.limits.maxRecordBytes} bytes`);
    const frameEnd = this.offset + HEADER_BYTES + length + FOOTER_BYTES;
    if (frameEnd > this.limits.knownSize)
      throw this.fail(
        `truncated record: needs ${length} data bytes but the file ends ${frameEnd - this.limits.knownSize} bytes short`,
      );
    return length;
  }

  /** The record once its data CRC checks out; lease is the pooled chunk data is a view into. */
  private finish(data: Buffer, footer: Buffer, lease?: ChunkLease): TFRecord {
    if (this.limits.verifyCrc) {
      const bad = checkDataCrc(data, footer);
      if (bad) throw this.fail(bad);
    }
    const record: TFRecord = { data, offset: this.offset, lease };
    this.offset += HEADER_BYTES + data.length + FOOTER_BYTES;
    return record;
  }

  private fail(reason: string): TFRecordError {
    return this.errors.error(this.offset, reason);
  }
}

async function resolveCompression(
  source: ByteSource,
  requested: ReadOptions['compression'],
): Promise<ResolvedCompression> {
  if (requested && requested !== 'auto') return { compression: requested, chosenBy: 'option' };
  try {
    return await detectCompression(source);
  } catch (err) {
    throw new ErrorContext(source.name, { compression: 'none', chosenBy: 'option' }).wrap(err, 0);
  }
}
