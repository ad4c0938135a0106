import { basename } from 'node:path';
import { OptionError, ShardlineError } from '@shardline/errors';
import { type CsvRowInput, pixelFields } from '@shardline/images';
import { type SkippedFile, SPLIT_ORDER, type SplitName } from '@shardline/shards';
import { ChunkedColumn } from './chunked-column';
import {
  type CsvOptions,
  type CsvRecord,
  columnIndex,
  columnList,
  csvRecords,
  detectDelimiter,
  isHeader,
  sortedClasses,
  splitOf,
} from './csv-table';
import { eachItem, ItemArray, itemWith, type SourceItem, type SourceItems, type SourceListing } from './source-items';

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

/**
 * The good rows of a pixel CSV as SourceItems, in typed arrays: each row's byte range, line, label
 * and split take 25 bytes, where an object per row took about 100 and a listing of a long CSV set
 * the size of the whole heap.
 */
class CsvRows implements SourceItems {
  private readonly starts = new ChunkedColumn(Float64Array);
  private readonly ends = new ChunkedColumn(Float64Array);
  private readonly lines = new ChunkedColumn(Uint32Array);
  /** While listing, the index of the label's text in first-seen order; then the class index. */
  private readonly labels = new ChunkedColumn(Uint32Array);
  /** 0 for none, else 1 + the split's index in SPLIT_ORDER. */
  private readonly splits = new ChunkedColumn(Uint8Array);

  constructor(
    private readonly read: Omit<CsvRowInput, 'kind' | 'start' | 'end'>,
    private readonly fileName: string,
  ) {}

  get length(): number {
    return this.starts.length;
  }

  add(record: CsvRecord, label: number, split: SplitName | undefined): void {
    this.starts.push(record.start);
    this.ends.push(record.end);
    this.lines.push(record.line);
    this.labels.push(label);
    this.splits.push(split ? SPLIT_ORDER.indexOf(split) + 1 : 0);
  }

  relabel(classOf: number[]): void {
    for (let i = 0; i < this.length; i++) this.labels.set(i, classOf[this.labels.get(i)]!);
  }

  label(index: number): number {
    return this.labels.get(index);
  }

  split(index: number): SplitName | undefined {
    const code = this.splits.get(index);
    return code === 0 ? undefined : SPLIT_ORDER[code - 1];
  }

  name(index: number): string {
    return `${this.fileName}:${this.lines.get(index)}`;
  }

  item(index: number): SourceItem {
    const range = { start: this.starts.get(index), end: this.ends.get(index) };
    return itemWith(this, index, { kind: 'csv-row', ...this.read, ...range });
  }

  [Symbol.iterator](): Iterator<SourceItem> {
    return eachItem(this);
  }
}

/**
 * Lists a pixel CSV's rows as images, streaming the file: each row's byte range is kept, not its
 * pixels, and decode workers read the rows again and check their values. Bad rows are skipped and
 * listed with their line.
 */
export async function listPixelCsv(src: string, options: CsvOptions): Promise<SourceListing> {
  const delimiter = await detectDelimiter(src);
  const skipped: SkippedFile[] = [];
  const labels = new Map<string, number>();
  let layout: Layout | undefined;
  let rows: CsvRows | undefined;
  for await (const record of csvRecords(src, delimiter)) {
    if (!layout && !record.problem) {
      layout = layoutOf(record.fields, delimiter, options, src);
      if (isHeader(record.fields)) continue;
    }
    const row = record.problem ? { problem: record.problem } : rowOf(record, layout!, options, src);
    if ('problem' in row) {
      skipped.push({ file: `${basename(src)}:${record.line}`, reason: row.problem });
      continue;
    }
    if (!labels.has(row.label)) labels.set(row.label, labels.size);
    rows ??= new CsvRows({ path: src, delimiter, pixels: layout!.pixels, ...layout!.shape! }, basename(src));
    rows.add(record, labels.get(row.label)!, row.split);
  }
  if (!layout) throw new ShardlineError('ERR_INPUT', `${src} is empty: no header and no rows`);
  const classes = sortedClasses(labels.keys());
  rows?.relabel([...labels.keys()].map((label) => classes.indexOf(label)));
  return { layout: 'pixel-csv', classes, items: rows ?? new ItemArray([]), skipped };
}

function layoutOf(first: string[], delimiter: string, options: CsvOptions, src: string): Layout {
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
  const column = (option: keyof CsvOptions, wanted: string) => columnIndex(header, `csv.${option}`, wanted, src);
  const label = column('labelColumn', options.labelColumn);
  const split = options.splitColumn ? column('splitColumn', options.splitColumn) : undefined;
  const pixelsField = options.pixelsColumn ? column('pixelsColumn', options.pixelsColumn) : header.indexOf('pixels');
  const pixels = pixelsField >= 0 ? { field: pixelsField } : pixelColumns(header, [label, split], src);
  return { delimiter, label, split, pixels, shape };
}

/** pixel0, pixel1, ... in order, or else every column but the label and split ones: either way one run of columns. */
function pixelColumns(header: string[], others: (number | undefined)[], src: string): CsvRowInput['pixels'] {
  const named = header.flatMap((h, i) => (/^pixel\d+$/i.test(h) ? [i] : []));
  const indices = named.length > 0 ? named : header.flatMap((_, i) => (others.includes(i) ? [] : [i]));
  const first = indices[0] ?? 0;
  if (indices.length === 0 || indices.some((index, k) => index !== first + k))
    throw new ShardlineError(
      'ERR_INPUT',
      `${src}: the pixel columns are not one run of columns (columns: ${columnList(header)}); name a space-separated one with --pixels-column`,
    );
  return { first, count: indices.length };
}

function parseShape(text: string): { width: number; height: number; channels: 1 | 3 } {
  const [height, width, channels] = text.split('x').map(Number) as [number, number, 1 | 3];
  return { width, height, channels };
}

/** The row's label and split, or why it is skipped. */
function rowOf(
  record: CsvRecord,
  layout: Layout,
  options: CsvOptions,
  src: string,
): { label: string; split?: SplitName } | { problem: string } {
  // A record without quotes is read in place: a string per pixel made listing several times slower.
  const field = (i: number) => (record.plain ? record.plain.text(i) : record.fields[i]);
  const label = field(layout.label)?.trim() ?? '';
  if (label === '') return { problem: `no value in the label column ${options.labelColumn}` };
  // Only the count here: the decode workers check each value as they read the row again.
  const count = record.plain?.pixelCount(layout.pixels) ?? pixelFields(record.fields, layout.pixels).length;
  layout.shape ??= inferShape(count, src);
  const { width, height, channels } = layout.shape;
  if (count !== width * height * channels)
    return { problem: `has ${count} pixel values, expected ${width * height * channels}` };
  if (layout.split === undefined) return { label };
  const split = splitOf(field(layout.split), options.splitColumn!);
  return 'split' in split ? { label, ...split } : split;
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
