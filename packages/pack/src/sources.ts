import type { Dirent } from 'node:fs';
import { readdir, realpath, stat } from 'node:fs/promises';
import { basename, join, relative } from 'node:path';
import { OptionError, ShardlineError } from '@shardline/errors';
import { notAnImageName } from '@shardline/images';
import { tableDefaults } from '@shardline/options';
import type { SkippedFile } from '@shardline/shards';
import { CSV_OPTIONS, type CsvOptions } from './csv-table';
import { DIGIT_CLASSES, FASHION_MNIST_CLASSES, IdxImages, readIdx } from './idx';
import { listLabelTables } from './label-table';
import { isPixelCsv, listPixelCsv } from './pixel-csv';
import { ItemArray, type SourceItem, type SourceListing } from './source-items';

export type { SourceItem, SourceItems, SourceListing } from './source-items';

export interface SourceOptions {
  /** Regex over the file name whose first capture group (or group named `label`) is the class. */
  labelPattern?: string;
  /**
   * Class folders: which to pack, in label order (Keras class_names); the others are skipped and listed.
   * IDX sources: the names of labels 0, 1, ... (default: Fashion-MNIST names if the path says fashion, else digits).
   */
  classNames?: string[];
  /** Follow symbolic links (Keras follow_links). Defaults to false: each link is skipped and listed with the reason. */
  followLinks?: boolean;
  /** How a pixel CSV source is read. Defaults to CSV_OPTIONS' defaults. */
  csv?: CsvOptions;
}

export async function listSource(src: string, options: SourceOptions = {}): Promise<SourceListing> {
  const info = await stat(src).catch(() => {
    throw new ShardlineError('ERR_INPUT', `source ${src} does not exist`);
  });
  const csv = options.csv ?? (tableDefaults(CSV_OPTIONS) as CsvOptions);
  if (info.isFile() && isPixelCsv(src)) return listPixelCsv(src, csv);
  const idxFiles = info.isDirectory() ? await findIdxImageFiles(src) : [src];
  if (idxFiles.length > 0 && idxFiles.every(isIdxImageFile)) return listIdx(src, idxFiles, options.classNames);
  if (!info.isDirectory())
    throw new ShardlineError(
      'ERR_INPUT',
      `source ${src} is a file but not a pixel CSV (*.csv) or an IDX images file (*-images-idx3-ubyte[.gz])`,
    );
  const walk = new SourceWalk(src, options.followLinks ?? false);
  if (options.labelPattern) return listByPattern(walk, new RegExp(options.labelPattern));
  if (csv.labels) return listLabelled(walk, csv);
  return listClassFolders(walk, options.classNames);
}

async function listLabelled(walk: SourceWalk, csv: CsvOptions): Promise<SourceListing> {
  const listing = await listLabelTables(walk.src, await walk.files(walk.src, new Set([await realpath(walk.src)])), csv);
  return { ...listing, skipped: [...walk.skipped, ...listing.skipped] };
}

async function listClassFolders(walk: SourceWalk, classNames: string[] | undefined): Promise<SourceListing> {
  const { src } = walk;
  const top = await walk.entries(src, new Set([await realpath(src)]));
  // Keras flow_from_directory sorts class folder names; label i is the i-th name.
  const found = top.folders.filter((f) => !basename(f.path).startsWith('.')).sort((a, b) => (a.path < b.path ? -1 : 1));
  const folders = classNames ? chosenFolders(found, classNames, src, walk.skipped) : found;
  const classes = folders.map((f) => basename(f.path));
  if (classes.length === 0) {
    throw new ShardlineError(
      'ERR_INPUT',
      `${src} has no class sub-folders (expected SRC/<class>/<image>); for flat folders such as cat.1.jpg use --label-pattern`,
    );
  }
  const items: SourceItem[] = [];
  // Hidden files beside the class folders (a sample's marker, .DS_Store) are not inputs, as hidden folders are not classes.
  for (const file of top.files.filter((f) => !basename(f).startsWith('.')))
    walk.skipped.push({ file: relative(src, file), reason: 'not inside a class folder' });
  for (const [label, folder] of folders.entries()) {
    for (const file of await walk.files(folder.path, folder.ancestors)) addFile(items, walk, file, label);
  }
  return { layout: 'class-folders', classes, items: new ItemArray(items), skipped: walk.skipped };
}

async function listByPattern(walk: SourceWalk, pattern: RegExp): Promise<SourceListing> {
  const { src } = walk;
  const files = await walk.files(src, new Set([await realpath(src)]));
  const labelled: { file: string; className: string }[] = [];
  for (const file of files) {
    const match = pattern.exec(basename(file));
    const className = match?.groups?.label ?? match?.[1];
    if (className) labelled.push({ file, className });
    else
      walk.skipped.push({
        file: relative(src, file),
        reason: `file name does not match --label-pattern ${pattern.source}`,
      });
  }
  const classes = [...new Set(labelled.map((l) => l.className))].sort();
  if (classes.length === 0)
    throw new ShardlineError('ERR_INPUT', `no file name in ${src} matches --label-pattern ${pattern.source}`);
  const items: SourceItem[] = [];
  for (const { file, className } of labelled) addFile(items, walk, file, classes.indexOf(className));
  return { layout: 'label-pattern', classes, items: new ItemArray(items), skipped: walk.skipped };
}

/**
 * The folders --class-names names, in its order (Keras class_names: it selects and orders the
 * classes); the others are skipped and listed. A name with no folder is refused.
 */
function chosenFolders(found: Folder[], classNames: string[], src: string, skipped: SkippedFile[]): Folder[] {
  const byName = new Map(found.map((f) => [basename(f.path), f]));
  const missing = classNames.filter((name) => !byName.has(name));
  if (missing.length > 0) {
    throw new OptionError(
      'classNames',
      classNames,
      `names ${missing.join(', ')}, which ${src} has no folder for (it has: ${[...byName.keys()].join(', ')})`,
    );
  }
  if (new Set(classNames).size !== classNames.length)
    throw new OptionError('classNames', classNames, 'names a class twice');
  for (const [name, folder] of byName)
    if (!classNames.includes(name))
      skipped.push({ file: `${relative(src, folder.path)}/`, reason: 'class folder not in --class-names' });
  return classNames.map((name) => byName.get(name)!);
}

function addFile(items: SourceItem[], walk: SourceWalk, file: string, label: number): void {
  const name = relative(walk.src, file);
  const problem = notAnImageName(file);
  if (problem) walk.skipped.push({ file: name, reason: problem });
  else items.push({ input: { kind: 'file', path: file }, label, name });
}

interface Folder {
  path: string;
  /** Real paths of this folder and those above it: a link back to one of them is a loop. */
  ancestors: Set<string>;
}

/**
 * Lists a source's files. Symbolic links are skipped and listed unless followed; followed,
 * a link to a folder that contains it (a loop) is skipped and listed instead.
 */
class SourceWalk {
  readonly skipped: SkippedFile[] = [];

  constructor(
    readonly src: string,
    private readonly followLinks: boolean,
  ) {}

  /** Every file below a folder, sorted for a deterministic order. */
  async files(dir: string, ancestors: Set<string>): Promise<string[]> {
    const { files, folders } = await this.entries(dir, ancestors);
    for (const folder of folders) files.push(...(await this.files(folder.path, folder.ancestors)));
    return files.sort();
  }

  /** The files and folders directly in dir, links resolved as the options say. */
  async entries(dir: string, ancestors: Set<string>): Promise<{ files: string[]; folders: Folder[] }> {
    const files: string[] = [];
    const folders: Folder[] = [];
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      const kind = await this.kindOf(entry, path, ancestors);
      if (kind === 'file') files.push(path);
      else if (kind === 'folder') folders.push({ path, ancestors: new Set([...ancestors, await realpath(path)]) });
    }
    return { files, folders };
  }

  private async kindOf(entry: Dirent, path: string, ancestors: Set<string>): Promise<'file' | 'folder' | 'skip'> {
    if (entry.isFile()) return 'file';
    if (entry.isDirectory()) return 'folder';
    if (!entry.isSymbolicLink()) return this.skip(path, 'not a regular file or folder');
    if (!this.followLinks) return this.skip(path, 'a symbolic link (pass --follow-links to follow links)');
    const target = await stat(path).catch(() => undefined);
    if (!target) return this.skip(path, 'a symbolic link whose target does not exist');
    if (target.isFile()) return 'file';
    if (!target.isDirectory()) return this.skip(path, 'a symbolic link to something that is not a file or folder');
    if (ancestors.has(await realpath(path)))
      return this.skip(path, 'a symbolic link loop: it points to a folder that contains it');
    return 'folder';
  }

  private skip(path: string, reason: string): 'skip' {
    this.skipped.push({ file: relative(this.src, path), reason });
    return 'skip';
  }
}

const IDX_IMAGES = /-images-idx3-ubyte(\.gz)?$/;

function isIdxImageFile(file: string): boolean {
  return IDX_IMAGES.test(file);
}

async function findIdxImageFiles(dir: string): Promise<string[]> {
  return (await readdir(dir))
    .filter(isIdxImageFile)
    .sort()
    .map((f) => join(dir, f));
}

async function listIdx(src: string, imageFiles: string[], classNames?: string[]): Promise<SourceListing> {
  const classes = classNames ?? (/fashion/i.test(src) ? FASHION_MNIST_CLASSES : DIGIT_CLASSES);
  const items = new IdxImages();
  for (const imageFile of imageFiles) {
    const labelFile = imageFile.replace('-images-idx3-ubyte', '-labels-idx1-ubyte');
    const [images, labels] = await Promise.all([readIdx(imageFile), readIdx(labelFile)]);
    const [count = 0, height = 0, width = 0] = images.dims;
    if (labels.dims[0] !== count)
      throw new ShardlineError(
        'ERR_INPUT',
        `${labelFile} has ${labels.dims[0]} labels for ${count} images in ${imageFile}`,
      );
    const bad = labels.data.findIndex((label) => label >= classes.length);
    if (bad >= 0)
      throw new ShardlineError(
        'ERR_INPUT',
        `${labelFile}: label ${labels.data[bad]} at index ${bad} but only ${classes.length} class names`,
      );
    const split = basename(imageFile).startsWith('t10k') ? 'test' : undefined;
    items.add({ name: basename(imageFile), images: images.data, labels: labels.data, count, width, height, split });
  }
  return { layout: 'idx', classes, items, skipped: [] };
}
