import { stat } from 'node:fs/promises';
import { dirname, extname, join, relative, resolve, sep } from 'node:path';
import { OptionError, ShardlineError } from '@shardline/errors';
import { type CropBox, notAnImageName } from '@shardline/images';
import type { SkippedFile, SplitName } from '@shardline/shards';
import picomatch from 'picomatch';
import { type CsvOptions, columnIndex, csvRecords, isHeader, sortedClasses, splitOf } from './csv-table';
import { ItemArray, type SourceItem, type SourceListing } from './source-items';

/** Image files of the source by relative path (posix separators), and by that path without its extension. */
interface SourceFiles {
  byPath: Map<string, string>;
  byStem: Map<string, string | null>;
}

interface Columns {
  filename: number;
  label: number;
  split?: number;
  roi?: number[];
}

interface Labelled {
  path: string;
  label: string;
  split?: SplitName;
  crop?: CropBox;
  /** table:line, for messages. */
  where: string;
}

const posix = (path: string) => path.split(sep).join('/');

/**
 * Labels image files from CSV tables, as Keras flow_from_dataframe: `options.labels` is one table
 * whose file names are relative to src, or a glob under src ('*\/GT-*.csv', GTSRB's training layout)
 * whose tables name files relative to their own folder. Unlabelled files and rows without a file
 * are both skipped and listed.
 */
export async function listLabelTables(src: string, files: string[], options: CsvOptions): Promise<SourceListing> {
  const isGlob = picomatch.scan(options.labels!).isGlob;
  const tables = await findTables(src, files, options.labels!, isGlob);
  const skipped: SkippedFile[] = [];
  const source = sourceFiles(src, files, tables, skipped);
  const labelled = new Map<string, Labelled>();
  for (const table of tables) {
    const base = isGlob ? posix(relative(src, dirname(table))) : '';
    for await (const row of tableRows(table, options, src))
      if ('problem' in row) skipped.push({ file: row.where, reason: row.problem });
      else addRow(row, base, source, labelled, skipped, src);
  }
  for (const [name, path] of source.byPath)
    if (!labelled.has(path))
      skipped.push({ file: name, reason: `no row of the label table(s) names it (${options.labels})` });
  const classes = sortedClasses([...labelled.values()].map((l) => l.label));
  const labelOf = new Map(classes.map((c, i) => [c, i]));
  const items = [...labelled.values()].map(
    (l): SourceItem => ({
      input: { kind: 'file', path: l.path, ...(l.crop ? { crop: l.crop } : {}) },
      label: labelOf.get(l.label)!,
      name: posix(relative(src, l.path)),
      ...(l.split ? { split: l.split } : {}),
    }),
  );
  return { layout: 'label-table', classes, items: new ItemArray(items), skipped };
}

async function findTables(src: string, files: string[], labels: string, isGlob: boolean): Promise<string[]> {
  if (!isGlob) {
    await stat(labels).catch(() => {
      throw new OptionError('csv.labels', labels, 'does not exist');
    });
    return [labels];
  }
  const matches = picomatch(labels);
  const tables = files.filter((file) => matches(posix(relative(src, file))));
  if (tables.length === 0) throw new OptionError('csv.labels', labels, `matches no file under ${src}`);
  return tables;
}

/** The image files by name and stem; other files but the tables are listed in skipped. */
function sourceFiles(src: string, files: string[], tables: string[], skipped: SkippedFile[]): SourceFiles {
  const byPath = new Map<string, string>();
  const byStem = new Map<string, string | null>();
  const tablePaths = new Set(tables.map((table) => resolve(table)));
  for (const file of files) {
    const name = posix(relative(src, file));
    const problem = notAnImageName(file);
    if (problem) {
      if (!tablePaths.has(resolve(file))) skipped.push({ file: name, reason: problem });
      continue;
    }
    byPath.set(name, file);
    const stem = name.slice(0, name.length - extname(name).length);
    byStem.set(stem, byStem.has(stem) ? null : file);
  }
  return { byPath, byStem };
}

/** Each row's file name, label, split and crop box, or why it is skipped. */
async function* tableRows(
  table: string,
  options: CsvOptions,
  src: string,
): AsyncGenerator<(Omit<Labelled, 'path'> & { file: string }) | { where: string; problem: string }> {
  let columns: Columns | undefined;
  for await (const { fields, line, problem } of csvRecords(table)) {
    const where = `${tableName(src, table)}:${line}`;
    if (problem) {
      yield { where, problem };
      continue;
    }
    if (!columns) {
      if (!isHeader(fields)) throw new ShardlineError('ERR_INPUT', `${table} has no header line naming its columns`);
      columns = columnsOf(
        fields.map((f) => f.trim()),
        options,
        table,
      );
      continue;
    }
    const file = fields[columns.filename]?.trim() ?? '';
    const label = fields[columns.label]?.trim() ?? '';
    if (!file || !label) {
      yield { where, problem: `no ${file ? 'label' : 'file name'} in this row` };
      continue;
    }
    const crop = columns.roi ? cropOf(columns.roi.map((i) => fields[i] ?? '')) : undefined;
    if (typeof crop === 'string') {
      yield { where, problem: crop };
      continue;
    }
    const split = columns.split === undefined ? undefined : splitOf(fields[columns.split], options.splitColumn!);
    if (split && 'problem' in split) yield { where, problem: split.problem };
    else yield { where, file, label, ...(split ? split : {}), ...(crop ? { crop } : {}) };
  }
}

/** A table under src by its path there, one elsewhere as given. */
function tableName(src: string, table: string): string {
  const inside = relative(src, table);
  return inside.startsWith('..') ? table : posix(inside);
}

function columnsOf(header: string[], options: CsvOptions, table: string): Columns {
  const column = (option: string, name: string) => columnIndex(header, `csv.${option}`, name, table);
  return {
    filename: column('filenameColumn', options.filenameColumn),
    label: column('labelColumn', options.labelColumn),
    ...(options.splitColumn ? { split: column('splitColumn', options.splitColumn) } : {}),
    ...(options.roiColumns ? { roi: options.roiColumns.map((name) => column('roiColumns', name)) } : {}),
  };
}

/** X1, Y1, X2, Y2 as a box: X2 and Y2 exclusive, as PIL's crop box. */
function cropOf(values: string[]): CropBox | string {
  const [x1, y1, x2, y2] = values.map(Number) as [number, number, number, number];
  if (![x1, y1, x2, y2].every((v) => Number.isInteger(v) && v >= 0) || x2 <= x1 || y2 <= y1)
    return `crop box ${values.join(',')} is not X1,Y1,X2,Y2 with X1 < X2 and Y1 < Y2`;
  return { left: x1, top: y1, width: x2 - x1, height: y2 - y1 };
}

function addRow(
  row: Omit<Labelled, 'path'> & { file: string },
  base: string,
  source: SourceFiles,
  labelled: Map<string, Labelled>,
  skipped: SkippedFile[],
  src: string,
): void {
  const name = posix(join(base, row.file));
  const path = source.byPath.get(name) ?? source.byStem.get(name);
  if (!path) {
    const reason =
      path === null
        ? `names ${row.file}, which matches more than one image file in ${src}: give its extension`
        : `names ${row.file}, which is not an image file in ${src}`;
    skipped.push({ file: row.where, reason });
    return;
  }
  const earlier = labelled.get(path);
  if (earlier) {
    skipped.push({ file: row.where, reason: `labels ${row.file} again (first at ${earlier.where})` });
    return;
  }
  const { file: _, ...rest } = row;
  labelled.set(path, { ...rest, path });
}
