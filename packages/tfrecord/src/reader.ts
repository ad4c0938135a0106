import { stat } from 'node:fs/promises';
import { ChunkReader } from './chunk-reader';
import { type Compression, detectCompression, openDecompressed } from './compression';
import { TFRecordError } from './errors';
import { FOOTER_BYTES, HEADER_BYTES, checkDataCrc, parseHeader } from './framing';

export interface ReadOptions {
  /** 'auto' (default) picks by extension, then by content. */
  compression?: Compression | 'auto';
  /** Check the data CRC of every record (default true). Length CRCs are always checked. */
  verifyCrc?: boolean;
  /** Largest record accepted; a larger length is refused before allocating (default 512 MiB). */
  maxRecordBytes?: number;
}

export interface TFRecord {
  /** The record payload; may be a view into a larger read buffer. */
  data: Buffer;
  /** Byte offset of the record's header in the (decompressed) stream. */
  offset: number;
}

export const DEFAULT_MAX_RECORD_BYTES = 512 * 1024 * 1024;

/** Streams the records of a TFRecord file without loading the whole file. */
export async function* readTFRecords(file: string, options: ReadOptions = {}): AsyncGenerator<TFRecord> {
  for await (const group of readTFRecordGroups(file, options)) yield* group;
}

/**
 * Streams the records of a TFRecord file in groups: each group holds the records
 * of one read chunk (plus the one that crosses into the next). A consumer that loops
 * over a group synchronously pays the cost of async iteration once per chunk, not per record.
 */
export async function* readTFRecordGroups(file: string, options: ReadOptions = {}): AsyncGenerator<TFRecord[]> {
  const compression = await resolveCompression(file, options.compression);
  const verifyCrc = options.verifyCrc ?? true;
  const maxRecordBytes = options.maxRecordBytes ?? DEFAULT_MAX_RECORD_BYTES;
  // Uncompressed files have a known size, so a length past the end is caught before reading.
  const knownSize = compression === 'none' ? (await stat(file)).size : Infinity;
  const stream = openDecompressed(file, compression);
  const reader = new ChunkReader(stream[Symbol.asyncIterator]());
  let offset = 0;
  const readRecord = async (): Promise<TFRecord> => {
    const fail = (reason: string) => new TFRecordError(file, offset, reason);
    const header = await reader.read(HEADER_BYTES);
    if (header.length < HEADER_BYTES) throw fail(`truncated record header: ${header.length} of ${HEADER_BYTES} bytes before end of file`);
    const parsed = parseHeader(header);
    if (!parsed.ok) throw fail(parsed.reason);
    const { length } = parsed;
    if (length > maxRecordBytes) throw fail(`record length ${length} exceeds the limit of ${maxRecordBytes} bytes`);
    const frameEnd = offset + HEADER_BYTES + length + FOOTER_BYTES;
    if (frameEnd > knownSize) throw fail(`truncated record: needs ${length} data bytes but the file ends ${frameEnd - knownSize} bytes short`);
    const data = await reader.read(length);
    const footer = await reader.read(FOOTER_BYTES);
    if (data.length < length || footer.length < FOOTER_BYTES) throw fail(`truncated record: needs ${length} data bytes but the stream ends early`);
    if (verifyCrc) {
      const bad = checkDataCrc(data, footer);
      if (bad) throw fail(bad);
    }
    const record = { data, offset };
    offset = frameEnd;
    return record;
  };
  try {
    while (!(await reader.atEnd())) {
      // A group ends with the chunk: holding a group must not hold the whole file.
      const group: TFRecord[] = [];
      const chunk = reader.chunksRead;
      do group.push(await readRecord());
      while (reader.buffered > 0 && reader.chunksRead === chunk);
      yield group;
    }
  } catch (err) {
    throw asTFRecordError(err, file, offset);
  } finally {
    stream.destroy();
  }
}

async function resolveCompression(file: string, requested: ReadOptions['compression']): Promise<Compression> {
  if (requested && requested !== 'auto') return requested;
  try {
    return await detectCompression(file);
  } catch (err) {
    throw asTFRecordError(err, file, 0);
  }
}

function asTFRecordError(err: unknown, file: string, offset: number): TFRecordError {
  if (err instanceof TFRecordError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new TFRecordError(file, offset, message);
}
