import { basename } from 'node:path';
import { OptionError, ShardlineError } from '@shardline/errors';
import { type CsvRowInput, pixelFields } from '@shardline/images';
import type { SkippedFile, SplitName } from '@shardline/shards';
import {
  type CsvOptions,
  columnIndex,
  columnList,
  csvRecords,
  detectDelimiter,
  isHeader,
  sortedClasses,
  splitOf,
} from './csv-table';
import type { SourceItem, SourceListing } from './sources';

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

/** What every row of one CSV shares: the file, how its pixels are laid out, and its name for messages. */
interface RowSpec {
  read: Omit<CsvRowInput, 'kind' | 'start' | 'end'>;
  fileName: string;
}

/**
 * A row as a SourceItem that holds its byte range and line, and makes its input and name when asked:
 * a listed row took about 290 bytes of heap as plain objects (an input object and a name string each).
 */
class CsvRowItem implements SourceItem {
  constructor(
    private readonly spec: RowSpec,
    private readonly start: number,
    private readonly end: number,
    private readonly line: number,
    /** While listing, the index of the label's text in first-seen order; then the class index. */
    public label: number,
    readonly split: SplitName | undefined,
  ) {}

  get input(): CsvRowInput {
    return { kind: 'csv-row', ...this.spec.read, start: this.start, end: this.end };
  }

  get name(): string {
    return `${this.spec.fileName}:${this.line}`;
  }
}

/**
 * Lists a pixel CSV's rows as images, streaming the file: each row's byte range is kept, not its
 * pixels, and decode workers read the rows again and check their values. Bad rows are skipped and
 * listed with their line.
 */
export async function listPixelCsv(src: string, options: CsvOptions): Promise<SourceListing> {
  const delimiter = await detectDelimiter(src);
  const items: CsvRowItem[] = [];
  const skipped: SkippedFile[] = [];
  const labels = new Map<string, number>();
  let layout: Layout | undefined;
  let spec: RowSpec | undefined;
  for await (const { fields, start, end, line } of csvRecords(src, delimiter)) {
    if (!layout) {
      layout = layoutOf(fields, delimiter, options, src);
      if (isHeader(fields)) continue;
    }
    const row = rowOf(fields, layout, options, src);
    if ('problem' in row) {
      skipped.push({ file: `${basename(src)}:${line}`, reason: row.problem });
      continue;
    }
    if (!labels.has(row.label)) labels.set(row.label, labels.size);
    spec ??= { read: { path: src, delimiter, pixels: layout.pixels, ...layout.shape! }, fileName: basename(src) };
    items.push(new CsvRowItem(spec, start, end, line, labels.get(row.label)!, row.split));
  }
  if (!layout) throw new ShardlineError('ERR_INPUT', `${src} is empty: no header and no rows`);
  const classes = sortedClasses(labels.keys());
  const classOf = [...labels.keys()].map((label) => classes.indexOf(label));
  for (const item of items) item.label = classOf[item.label]!;
  return { layout: 'pixel-csv', classes, items, skipped };
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
  record: string[],
  layout: Layout,
  options: CsvOptions,
  src: string,
): { label: string; split?: SplitName } | { problem: string } {
  const label = record[layout.label]?.trim() ?? '';
  if (label === '') return { problem: `no value in the label column ${options.labelColumn}` };
  // Only the count here: the decode workers check each value as they read the row again.
  const count = pixelFields(record, layout.pixels).length;
  layout.shape ??= inferShape(count, src);
  const { width, height, channels } = layout.shape;
  if (count !== width * height * channels)
    return { problem: `has ${count} pixel values, expected ${width * height * channels}` };
  if (layout.split === undefined) return { label };
  const split = splitOf(record[layout.split], options.splitColumn!);
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
