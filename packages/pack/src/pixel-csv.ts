import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { basename } from 'node:path';
import { OptionError, ShardlineError } from '@shardline/errors';
import { type CsvRowInput, pixelBytes, pixelFields } from '@shardline/images';
import type { OptionTable } from '@shardline/options';
import type { SkippedFile, SplitName } from '@shardline/shards';
import { parse } from 'csv-parse';
import type { SourceItem, SourceListing } from './sources';

/** How a pixel CSV (one image per row) is read. */
export interface PixelCsvOptions {
  /** The column holding each row's class. Defaults to 'label'. */
  labelColumn: string;
  /** One column of space-separated pixels (FER-2013's 'pixels'). Defaults to a 'pixels' column if there is one, else the pixel0.. columns. */
  pixelsColumn?: string;
  /** HxWxC of each row's pixels. Defaults to a square grayscale image when the count is a perfect square. */
  imageShape?: string;
  /** A column naming each row's split (FER-2013's 'Usage': Training, PublicTest, PrivateTest). */
  splitColumn?: string;
}

export const PIXEL_CSV_OPTIONS: OptionTable<PixelCsvOptions> = {
  labelColumn: { kind: 'string', default: 'label', describe: 'Pixel CSV: the column holding the class' },
  pixelsColumn: {
    kind: 'string',
    defaultText: "'pixels' if there is such a column, else pixel0, pixel1, ...",
    describe: 'Pixel CSV: one column of space-separated pixel values (FER-2013)',
  },
  imageShape: {
    kind: 'string',
    defaultText: 'square grayscale when the pixel count is a perfect square',
    check: (value) =>
      /^\d+x\d+x[13]$/.test(String(value)) ? undefined : 'must be HEIGHTxWIDTHxCHANNELS, e.g. 48x48x1',
    describe: 'Pixel CSV: each row as HEIGHTxWIDTHxCHANNELS (channels 1 or 3, row-major HWC)',
  },
  splitColumn: {
    kind: 'string',
    describe:
      "Pixel CSV: a column naming each row's split: Training/train, PublicTest/validation/val, PrivateTest/test (any case); without it rows are split by --validation-split",
  },
};

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

export function isPixelCsv(src: string): boolean {
  return /\.csv$/i.test(src);
}

interface Layout {
  delimiter: string;
  label: number;
  split?: number;
  pixels: CsvRowInput['pixels'];
  shape?: { width: number; height: number; channels: 1 | 3 };
}

interface Row {
  start: number;
  end: number;
  line: number;
  label: string;
  split?: SplitName;
}

/**
 * Lists a pixel CSV's rows as images, streaming the file: each row's byte range is kept, not its
 * pixels, and decode workers read the rows again. Bad rows are skipped and listed with their line.
 */
export async function listPixelCsv(src: string, options: PixelCsvOptions): Promise<SourceListing> {
  const delimiter = await detectDelimiter(src);
  const rows: Row[] = [];
  const skipped: SkippedFile[] = [];
  const name = basename(src);
  let layout: Layout | undefined;
  let previousEnd = 0;
  const records = createReadStream(src).pipe(
    parse({ delimiter, bom: true, info: true, relax_column_count: true, skip_empty_lines: true }),
  );
  for await (const { record, info } of records as AsyncIterable<{
    record: string[];
    info: { bytes: number; lines: number };
  }>) {
    const range = { start: previousEnd, end: info.bytes, line: info.lines };
    previousEnd = info.bytes;
    if (!layout) {
      layout = layoutOf(record, delimiter, options, src);
      if (isHeader(record)) continue;
    }
    const problem = rowProblem(record, layout, options, src);
    if (typeof problem === 'string') skipped.push({ file: `${name}:${range.line}`, reason: problem });
    else rows.push({ ...range, ...problem });
  }
  if (!layout) throw new ShardlineError('ERR_INPUT', `${src} is empty: no header and no rows`);
  return listing(src, rows, skipped, layout);
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
function isHeader(record: string[]): boolean {
  return record.some((field) => field.trim() !== '' && Number.isNaN(Number(field)));
}

function layoutOf(first: string[], delimiter: string, options: PixelCsvOptions, src: string): Layout {
  const shape = options.imageShape ? parseShape(options.imageShape) : undefined;
  if (!isHeader(first)) {
    // No header (a bare Kaggle-style table): the label first, then the pixels.
    if (options.pixelsColumn || options.splitColumn)
      throw new ShardlineError(
        'ERR_INPUT',
        `${src} has no header line, so --pixels-column and --split-column cannot name columns`,
      );
    return { delimiter, label: 0, pixels: { first: 1, count: first.length - 1 }, shape };
  }
  const header = first.map((h) => h.trim());
  const column = (option: keyof PixelCsvOptions, wanted: string) => {
    const index = header.indexOf(wanted);
    if (index < 0)
      throw new OptionError(`csv.${option}`, wanted, `is not a column of ${src} (its columns: ${preview(header)})`);
    return index;
  };
  const label = column('labelColumn', options.labelColumn);
  const split = options.splitColumn ? column('splitColumn', options.splitColumn) : undefined;
  if (options.pixelsColumn)
    return { delimiter, label, split, pixels: { field: column('pixelsColumn', options.pixelsColumn) }, shape };
  if (header.includes('pixels')) return { delimiter, label, split, pixels: { field: header.indexOf('pixels') }, shape };
  return { delimiter, label, split, pixels: pixelColumns(header, [label, split], src), shape };
}

/** pixel0, pixel1, ... in order, or else every column but the label and split ones: either way one run of columns. */
function pixelColumns(header: string[], others: (number | undefined)[], src: string): CsvRowInput['pixels'] {
  const named = header.flatMap((h, i) => (/^pixel\d+$/i.test(h) ? [i] : []));
  const indices = named.length > 0 ? named : header.flatMap((_, i) => (others.includes(i) ? [] : [i]));
  const first = indices[0] ?? 0;
  if (indices.length === 0 || indices.some((index, k) => index !== first + k))
    throw new ShardlineError(
      'ERR_INPUT',
      `${src}: the pixel columns are not one run of columns (columns: ${preview(header)}); name a space-separated one with --pixels-column`,
    );
  return { first, count: indices.length };
}

function preview(header: string[]): string {
  return header.length > 8 ? `${header.slice(0, 6).join(', ')}, ... (${header.length} in all)` : header.join(', ');
}

function parseShape(text: string): { width: number; height: number; channels: 1 | 3 } {
  const [height, width, channels] = text.split('x').map(Number) as [number, number, 1 | 3];
  return { width, height, channels };
}

/** The row's label and split, or why it is skipped. */
function rowProblem(
  record: string[],
  layout: Layout,
  options: PixelCsvOptions,
  src: string,
): string | { label: string; split?: SplitName } {
  const label = record[layout.label]?.trim() ?? '';
  if (label === '') return `no value in the label column ${options.labelColumn}`;
  const values = pixelFields(record, layout.pixels);
  layout.shape ??= inferShape(values.length, src);
  const { width, height, channels } = layout.shape;
  try {
    pixelBytes(values, width * height * channels);
  } catch (err) {
    return (err as Error).message;
  }
  if (layout.split === undefined) return { label };
  const value = record[layout.split]?.trim() ?? '';
  const split = SPLIT_VALUES[value.toLowerCase()];
  if (!split)
    return `split column ${options.splitColumn} holds ${JSON.stringify(value)}, not one of ${Object.keys(SPLIT_VALUES).join(', ')}`;
  return { label, split };
}

function inferShape(count: number, src: string): { width: number; height: number; channels: 1 } {
  const side = Math.round(Math.sqrt(count));
  if (side * side !== count || count === 0)
    throw new OptionError(
      'csv.imageShape',
      undefined,
      `is needed for ${src}: its first row has ${count} pixel values, not a square number, so the shape cannot be inferred`,
    );
  return { width: side, height: side, channels: 1 };
}

function listing(src: string, rows: Row[], skipped: SkippedFile[], layout: Layout): SourceListing {
  const classes = [...new Set(rows.map((r) => r.label))].sort(compareLabels);
  const labelOf = new Map(classes.map((c, i) => [c, i]));
  const { delimiter, pixels, shape } = layout;
  const items = rows.map(
    (row): SourceItem => ({
      input: { kind: 'csv-row', path: src, start: row.start, end: row.end, delimiter, pixels, ...shape! },
      label: labelOf.get(row.label)!,
      name: `${basename(src)}:${row.line}`,
      ...(row.split ? { split: row.split } : {}),
    }),
  );
  return { layout: 'pixel-csv', classes, items, skipped };
}

/** Numeric labels in numeric order (0, 1, ..., 10), others as text. */
function compareLabels(a: string, b: string): number {
  const [x, y] = [Number(a), Number(b)];
  return Number.isNaN(x) || Number.isNaN(y) ? (a < b ? -1 : a > b ? 1 : 0) : x - y;
}
