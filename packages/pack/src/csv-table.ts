import { open } from 'node:fs/promises';
import { OptionError } from '@shardline/errors';
import { CsvFields, parseCsvRecord } from '@shardline/images';
import type { OptionTable } from '@shardline/options';
import type { SplitName } from '@shardline/shards';

/** How CSV inputs are read: a pixel CSV given as --src, or label tables (--labels) for a folder of images. */
export interface CsvOptions {
  /** The column holding each row's class. Defaults to 'label'. */
  labelColumn: string;
  /** One column of space-separated pixels (FER-2013's 'pixels'). Defaults to a 'pixels' column if there is one, else the pixel0.. columns. */
  pixelsColumn?: string;
  /** HxWxC of each row's pixels. Defaults to a square grayscale image when the count is a perfect square. */
  imageShape?: string;
  /** A column naming each row's split (FER-2013's 'Usage': Training, PublicTest, PrivateTest). */
  splitColumn?: string;
  /** Label tables for the images in --src: a CSV path, or a glob under --src for per-folder tables. */
  labels?: string;
  /** Label tables: the column naming each image file. Defaults to 'filename', as Keras flow_from_dataframe's x_col. */
  filenameColumn: string;
  /** Label tables: four columns X1,Y1,X2,Y2 of a box to crop before resizing (X2, Y2 exclusive). */
  roiColumns?: string[];
}

export const CSV_OPTIONS: OptionTable<CsvOptions> = {
  labelColumn: { kind: 'string', default: 'label', describe: 'Pixel CSV or label table: the column holding the class' },
  pixelsColumn: {
    kind: 'string',
    defaultText: "'pixels' if there is such a column, else pixel0, pixel1, ...",
    describe: 'Pixel CSV: one column of space-separated pixel values (FER-2013)',
  },
  imageShape: {
    kind: 'string',
    defaultText: 'square grayscale when the pixel count is a perfect square',
    check: (value) =>
      /^[1-9]\d*x[1-9]\d*x[13]$/.test(String(value)) ? undefined : 'must be HEIGHTxWIDTHxCHANNELS, e.g. 48x48x1',
    describe: 'Pixel CSV: each row as HEIGHTxWIDTHxCHANNELS (channels 1 or 3, row-major HWC)',
  },
  splitColumn: {
    kind: 'string',
    describe:
      "Pixel CSV or label table: a column naming each row's split: Training/train, PublicTest/validation/val, PrivateTest/test (any case); without it rows are split by --validation-split",
  },
  labels: {
    kind: 'string',
    describe:
      "Label tables for the images in --src, as Keras flow_from_dataframe: a CSV whose file names are relative to --src, or a glob under --src such as '*/GT-*.csv' (GTSRB) whose tables name files in their own folder. A name without an extension matches any image of that name (Kaggle's id column). Delimiter (, ; tab) detected",
  },
  filenameColumn: {
    kind: 'string',
    default: 'filename',
    describe: 'Label tables: the column naming each image file',
  },
  roiColumns: {
    kind: 'strings',
    check: (value) => ((value as string[]).length === 4 ? undefined : 'must name four columns: X1,Y1,X2,Y2'),
    describe:
      'Label tables: columns X1,Y1,X2,Y2 of a box cropped before the resize, e.g. Roi.X1,Roi.Y1,Roi.X2,Roi.Y2 (X2, Y2 exclusive)',
  },
};

/** The options of a pixel CSV source alone (no label tables). */
export type PixelCsvOptions = Pick<CsvOptions, 'labelColumn' | 'pixelsColumn' | 'imageShape' | 'splitColumn'>;

export const PIXEL_CSV_OPTIONS: OptionTable<PixelCsvOptions> = {
  labelColumn: CSV_OPTIONS.labelColumn,
  pixelsColumn: CSV_OPTIONS.pixelsColumn,
  imageShape: CSV_OPTIONS.imageShape,
  splitColumn: CSV_OPTIONS.splitColumn,
};

/** One record of a CSV file with where it is: its byte range (blank lines before it included) and first line. */
export interface CsvRecord {
  /** The fields; for a record without quotes, made when first read and only until the next record is taken. */
  readonly fields: string[];
  /** A record without quotes, scanned in place: valid only until the next record is taken (the read buffer is reused). */
  plain?: CsvFields;
  start: number;
  end: number;
  line: number;
  /** Why the record could not be parsed (a malformed quoted field); its fields are then empty. */
  problem?: string;
}

/**
 * The records of a CSV file, streamed. Lines are joined while a quoted field spans them; a record
 * with no quotes is split directly, which lists a 280 MB pixel CSV several times faster than
 * csv-parse's streaming parser. The delimiter is detected from the first line unless given.
 */
export async function* csvRecords(file: string, given?: string): AsyncGenerator<CsvRecord> {
  const delimiter = given ?? (await detectDelimiter(file));
  let lines: FileLine[] = [];
  let quotes = 0;
  let start = 0;
  const scanned = new CsvFields();
  for await (const line of fileLines(file)) {
    lines.push(line);
    quotes += countQuotes(line.bytes);
    // An odd count of quotes so far: a quoted field may go on past this line end.
    if (quotes % 2 === 1 && isOpenQuote(lines, delimiter)) {
      // Kept past this iteration, so out of the reused read buffer.
      lines[lines.length - 1] = { ...line, bytes: Buffer.from(line.bytes) };
      continue;
    }
    const record = recordOf(lines, quotes > 0, start, delimiter, scanned);
    lines = [];
    quotes = 0;
    if (!record) continue;
    yield record;
    start = record.end;
  }
  // A quoted field still open at the end of the file: csv-parse names the problem.
  const last = lines.length > 0 ? recordOf(lines, true, start, delimiter, scanned) : undefined;
  if (last) yield last;
}

interface FileLine {
  /** Valid until the next line is taken: the read buffer is reused. */
  bytes: Buffer;
  end: number;
  number: number;
}

/** Lines from a file with where each ends, read a megabyte at a time into one reused buffer. */
async function* fileLines(file: string): AsyncGenerator<FileLine> {
  const handle = await open(file, 'r');
  try {
    const buffer = Buffer.allocUnsafe(1 << 20);
    // A line begun in an earlier read, copied out of the buffer.
    let begun: Buffer[] = [];
    let position = 0;
    let number = 0;
    for (let read = await handle.read(buffer, 0, buffer.length, 0); read.bytesRead > 0; ) {
      const chunk = buffer.subarray(0, read.bytesRead);
      let from = 0;
      for (let newline = chunk.indexOf(0x0a); newline >= 0; newline = chunk.indexOf(0x0a, from)) {
        const tail = chunk.subarray(from, newline + 1);
        const bytes = begun.length > 0 ? Buffer.concat([...begun, tail]) : tail;
        begun = [];
        yield { bytes, end: position + newline + 1, number: ++number };
        from = newline + 1;
      }
      if (from < chunk.length) begun.push(Buffer.from(chunk.subarray(from)));
      position += chunk.length;
      read = await handle.read(buffer, 0, buffer.length, position);
    }
    if (begun.length > 0) yield { bytes: Buffer.concat(begun), end: position, number: number + 1 };
  } finally {
    await handle.close();
  }
}

const QUOTE = 0x22;

function countQuotes(bytes: Buffer): number {
  let count = 0;
  for (let at = bytes.indexOf(QUOTE); at >= 0; at = bytes.indexOf(QUOTE, at + 1)) count++;
  return count;
}

/**
 * A record without quotes, read in place. A class: records built with a spread and a getter in an
 * object literal outlived their loop turn (V8 promoted 250 bytes a record), which grew the heap with
 * the length of the CSV.
 */
class PlainRecord implements CsvRecord {
  constructor(
    readonly plain: CsvFields,
    readonly start: number,
    readonly end: number,
    readonly line: number,
  ) {}

  get fields(): string[] {
    return this.plain.all();
  }
}

/** The record the lines make (`quoted`: they hold a quote), undefined for a blank line, or a record with the parser's problem. */
function recordOf(
  lines: FileLine[],
  quoted: boolean,
  start: number,
  delimiter: string,
  scanned: CsvFields,
): CsvRecord | undefined {
  const bytes = lines.length === 1 ? lines[0]!.bytes : Buffer.concat(lines.map((l) => l.bytes));
  const [end, line] = [lines.at(-1)!.end, lines[0]!.number];
  if (!quoted) {
    const plain = scanned.scan(bytes, delimiter);
    return plain.count === 0 ? undefined : new PlainRecord(plain, start, end, line);
  }
  const where = { start, end, line };
  try {
    const fields = parseCsvRecord(bytes, delimiter);
    return fields.length > 0 ? { fields, ...where } : undefined;
  } catch (err) {
    return { fields: [], ...where, problem: `is not valid CSV: ${(err as Error).message}` };
  }
}

/** The lines end inside a quoted field; other errors (a quote inside an unquoted field) end the record. */
function isOpenQuote(lines: FileLine[], delimiter: string): boolean {
  try {
    parseCsvRecord(Buffer.concat(lines.map((l) => l.bytes)), delimiter);
    return false;
  } catch (err) {
    return (err as { code?: string }).code === 'CSV_QUOTE_NOT_CLOSED';
  }
}

/** The first line's most frequent of comma, semicolon and tab (GTSRB uses semicolons). */
export async function detectDelimiter(file: string): Promise<string> {
  const handle = await open(file, 'r');
  try {
    const head = Buffer.alloc(64 * 1024);
    const { bytesRead } = await handle.read(head, 0, head.length, 0);
    const firstLine = head.subarray(0, bytesRead).toString('utf8').split(/\r?\n/)[0] ?? '';
    const counts = [',', ';', '\t'].map((d) => ({ d, n: firstLine.split(d).length - 1 }));
    return counts.reduce((a, b) => (b.n > a.n ? b : a)).d;
  } finally {
    await handle.close();
  }
}

/** A header names its columns: some field is not a number. */
export function isHeader(fields: string[]): boolean {
  return fields.some((field) => field.trim() !== '' && Number.isNaN(Number(field)));
}

/** The index of a named column; an OptionError names the option, its flag and the file's columns otherwise. */
export function columnIndex(header: string[], option: string, name: string, file: string): number {
  const index = header.indexOf(name);
  if (index < 0) throw new OptionError(option, name, `is not a column of ${file} (its columns: ${columnList(header)})`);
  return index;
}

export function columnList(header: string[]): string {
  return header.length > 8 ? `${header.slice(0, 6).join(', ')}, ... (${header.length} in all)` : header.join(', ');
}

/** Split-column values, lower-cased (FER-2013's Usage, and the plain names). */
const SPLIT_VALUES: Record<string, SplitName> = {
  train: 'train',
  training: 'train',
  validation: 'validation',
  val: 'validation',
  publictest: 'validation',
  test: 'test',
  privatetest: 'test',
};

/** The split a split-column value names, or why the row is skipped. */
export function splitOf(value: string | undefined, column: string): { split: SplitName } | { problem: string } {
  const split = SPLIT_VALUES[(value ?? '').trim().toLowerCase()];
  if (split) return { split };
  return {
    problem: `split column ${column} holds ${JSON.stringify(value ?? '')}, not one of ${Object.keys(SPLIT_VALUES).join(', ')}`,
  };
}

/** Class names in label order: numbers in numeric order (0, 1, ..., 10), others as text. */
export function sortedClasses(labels: Iterable<string>): string[] {
  return [...new Set(labels)].sort((a, b) => {
    const [x, y] = [Number(a), Number(b)];
    return Number.isNaN(x) || Number.isNaN(y) ? (a < b ? -1 : a > b ? 1 : 0) : x - y;
  });
}
