import { closeSync, openSync, readSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import type { RawImage } from './raw-image';

/**
 * One row of a pixel CSV (Kaggle digit-recognizer, FER-2013), read from its byte range when it is
 * decoded: a pack lists rows without holding their pixels.
 */
export interface CsvRowInput {
  kind: 'csv-row';
  path: string;
  /** Byte range of the record (blank lines before it included). */
  start: number;
  end: number;
  delimiter: string;
  /** Where the pixels are: one space-separated field, or `count` fields from `first`. */
  pixels: { field: number } | { first: number; count: number };
  width: number;
  height: number;
  channels: 1 | 3;
}

/**
 * The fields of one CSV record from its bytes (line ends, a BOM and blank lines before it ignored);
 * none for a blank line. A record with no quotes is split directly (faster than csv-parse), one with
 * quotes goes through csv-parse, which throws on a malformed one.
 */
export function parseCsvRecord(bytes: Uint8Array, delimiter: string): string[] {
  if (!bytes.includes(0x22)) {
    const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
      .toString('utf8')
      .replace(/^\ufeff/, '')
      .replace(/^[\r\n]+|[\r\n]+$/g, '');
    return text === '' ? [] : text.split(delimiter);
  }
  const records = parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), {
    delimiter,
    bom: true,
    relax_column_count: true,
    skip_empty_lines: true,
  }) as string[][];
  return records[0] ?? [];
}

/** The pixel values of a record's fields, as `pixels` says where they are. */
export function pixelFields(fields: string[], pixels: CsvRowInput['pixels']): string[] {
  if ('field' in pixels) return (fields[pixels.field] ?? '').trim().split(/\s+/).filter(Boolean);
  return fields.slice(pixels.first, pixels.first + pixels.count);
}

/** Pixel values as bytes; throws with the reason a row is refused (count, or the first value that is not 0-255). */
function pixelBytes(values: string[], expected: number): Uint8Array {
  if (values.length !== expected) throw new Error(`has ${values.length} pixel values, expected ${expected}`);
  const bytes = new Uint8Array(expected);
  for (const [i, text] of values.entries()) {
    const value = Number(text);
    if (!Number.isInteger(value) || value < 0 || value > 255 || text.trim() === '')
      throw new Error(`pixel ${i} is ${JSON.stringify(text)}, not an integer from 0 to 255`);
    bytes[i] = value;
  }
  return bytes;
}

export function readCsvRow(input: CsvRowInput): RawImage {
  const bytes = Buffer.alloc(input.end - input.start);
  const fd = openSync(input.path, 'r');
  try {
    readSync(fd, bytes, 0, bytes.length, input.start);
  } finally {
    closeSync(fd);
  }
  const values = pixelFields(parseCsvRecord(bytes, input.delimiter), input.pixels);
  const { width, height, channels } = input;
  return { data: pixelBytes(values, width * height * channels), width, height, channels };
}
