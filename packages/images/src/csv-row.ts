import { closeSync, openSync, readSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import type { RawImage } from './raw-image';

const QUOTE = 0x22;
const CR = 0x0d;
const LF = 0x0a;
const SPACE = 0x20;
const ZERO = 0x30;
const NINE = 0x39;

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
  if (!bytes.includes(QUOTE)) return rowFields.scan(bytes, delimiter).all();
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
  const { width, height, channels } = input;
  const expected = width * height * channels;
  const plain = bytes.includes(QUOTE)
    ? undefined
    : rowFields.scan(bytes, input.delimiter).plainPixels(input.pixels, expected);
  const data = plain ?? pixelBytes(pixelFields(parseCsvRecord(bytes, input.delimiter), input.pixels), expected);
  return { data, width, height, channels };
}

/**
 * Where the fields of a record without quotes are, found in one pass over its bytes. One instance is
 * reused record after record, so listing or reading a row makes no string per field: splitting a
 * 784-pixel row into strings took most of the time of listing a pixel CSV.
 */
export class CsvFields {
  /** edges[i] + 1 is where field i starts, edges[i + 1] where it ends. */
  private edges = new Int32Array(1024);
  private bytes: Uint8Array = new Uint8Array(0);
  /** The record's field count: 0 for a blank record. */
  count = 0;

  /** Reads a record's bytes, which must hold no quote; a BOM and line ends around it are outside every field. */
  scan(bytes: Uint8Array, delimiter: string): this {
    const code = delimiter.charCodeAt(0);
    let begin = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
    let end = bytes.length;
    while (begin < end && (bytes[begin] === CR || bytes[begin] === LF)) begin++;
    while (end > begin && (bytes[end - 1] === CR || bytes[end - 1] === LF)) end--;
    this.bytes = bytes;
    this.count = 0;
    if (begin === end) return this;
    this.edges[0] = begin - 1;
    for (let at = begin; at < end; at++) if (bytes[at] === code) this.addEdge(at);
    this.addEdge(end);
    return this;
  }

  /** Every field's text. */
  all(): string[] {
    return Array.from({ length: this.count }, (_, i) => this.text(i)!);
  }

  /** Field i's text, undefined past the last field. */
  text(i: number): string | undefined {
    if (i >= this.count) return undefined;
    const { bytes } = this;
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString(
      'utf8',
      this.edges[i]! + 1,
      this.edges[i + 1],
    );
  }

  /**
   * How many pixel values `pixels` finds in the record, as pixelFields counts them; undefined when a
   * space-separated field holds other whitespace or non-ASCII bytes, which pixelFields' split sees.
   */
  pixelCount(pixels: CsvRowInput['pixels']): number | undefined {
    if (!('field' in pixels)) return Math.max(0, Math.min(pixels.count, this.count - pixels.first));
    if (pixels.field >= this.count) return 0;
    let tokens = 0;
    return this.eachToken(pixels.field, () => ++tokens > 0) ? tokens : undefined;
  }

  /**
   * The pixel values when every one is plain decimal digits from 0 to 255 and there are `expected` of
   * them; undefined otherwise, and the row is read as strings to name what is wrong.
   */
  plainPixels(pixels: CsvRowInput['pixels'], expected: number): Uint8Array | undefined {
    if (this.pixelCount(pixels) !== expected) return undefined;
    const out = new Uint8Array(expected);
    let n = 0;
    const take = (start: number, end: number) => {
      const value = this.plainByte(start, end);
      if (value < 0) return false;
      out[n++] = value;
      return true;
    };
    if ('field' in pixels) return this.eachToken(pixels.field, take) ? out : undefined;
    for (let i = pixels.first; i < pixels.first + expected; i++)
      if (!take(this.edges[i]! + 1, this.edges[i + 1]!)) return undefined;
    return out;
  }

  private addEdge(at: number): void {
    if (this.count + 1 === this.edges.length) {
      const bigger = new Int32Array(this.edges.length * 2);
      bigger.set(this.edges);
      this.edges = bigger;
    }
    this.edges[++this.count] = at;
  }

  /**
   * Calls `fn` with each space-separated token of a field; false as soon as `fn` returns false or the
   * field holds a byte that may be whitespace other than a space (a control byte or non-ASCII).
   */
  private eachToken(field: number, fn: (start: number, end: number) => boolean): boolean {
    const { bytes } = this;
    const end = this.edges[field + 1]!;
    for (let at = this.edges[field]! + 1; at < end; ) {
      while (at < end && bytes[at] === SPACE) at++;
      if (at === end) break;
      const start = at;
      for (; at < end && bytes[at] !== SPACE; at++) if (bytes[at]! < SPACE || bytes[at]! >= 0x7f) return false;
      if (!fn(start, at)) return false;
    }
    return true;
  }

  /** The value of plain digits from 0 to 255 in [start, end), or -1. */
  private plainByte(start: number, end: number): number {
    if (start === end) return -1;
    let value = 0;
    for (let at = start; at < end; at++) {
      const byte = this.bytes[at]!;
      if (byte < ZERO || byte > NINE) return -1;
      value = value * 10 + byte - ZERO;
      if (value > 255) return -1;
    }
    return value;
  }
}

/** Reused by every row read in this thread: reading is synchronous. */
const rowFields = new CsvFields();
