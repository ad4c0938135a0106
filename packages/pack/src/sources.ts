import { readdir, stat } from 'node:fs/promises';
import { basename, extname, join, relative } from 'node:path';
import type { ImageInput } from './decode';
import { DIGIT_CLASSES, FASHION_MNIST_CLASSES, readIdx } from './idx';
import { ShardlineError } from '@shardline/errors';

export const IMAGE_EXTENSIONS = new Set(['.jpg', '.jpeg', '.jpe', '.png', '.ppm', '.pgm', '.pnm', '.bmp', '.gif', '.webp', '.tif', '.tiff']);

export interface SourceItem {
  input: ImageInput;
  label: number;
  /** Path relative to the source (or IDX file#index): stored as image/filename. */
  name: string;
  /** Set when the source itself fixes the split (IDX t10k files are the test split). */
  split?: 'test';
}

export interface SkippedFile {
  file: string;
  reason: string;
}

export interface SourceListing {
  layout: 'class-folders' | 'label-pattern' | 'idx';
  classes: string[];
  items: SourceItem[];
  skipped: SkippedFile[];
}

export interface SourceOptions {
  /** Regex over the file name whose first capture group (or group named `label`) is the class. */
  labelPattern?: string;
  /** Class names for IDX sources (default: Fashion-MNIST names if the path says fashion, else digits). */
  classNames?: string[];
}

export async function listSource(src: string, options: SourceOptions = {}): Promise<SourceListing> {
  const info = await stat(src).catch(() => {
    throw new ShardlineError('ERR_INPUT', `source ${src} does not exist`);
  });
  const idxFiles = info.isDirectory() ? await findIdxImageFiles(src) : [src];
  if (idxFiles.length > 0 && idxFiles.every(isIdxImageFile)) return listIdx(src, idxFiles, options.classNames);
  if (!info.isDirectory()) throw new ShardlineError('ERR_INPUT', `source ${src} is a file but not an IDX images file (*-images-idx3-ubyte[.gz])`);
  if (options.labelPattern) return listByPattern(src, new RegExp(options.labelPattern));
  return listClassFolders(src);
}

async function listClassFolders(src: string): Promise<SourceListing> {
  const entries = await readdir(src, { withFileTypes: true });
  // Keras flow_from_directory sorts class folder names; label i is the i-th name.
  const classes = entries.filter((e) => e.isDirectory() && !e.name.startsWith('.')).map((e) => e.name).sort();
  if (classes.length === 0) {
    throw new ShardlineError('ERR_INPUT', `${src} has no class sub-folders (expected SRC/<class>/<image>); for flat folders such as cat.1.jpg use --label-pattern`);
  }
  const listing: SourceListing = { layout: 'class-folders', classes, items: [], skipped: [] };
  for (const entry of entries) {
    if (!entry.isDirectory()) listing.skipped.push({ file: entry.name, reason: 'not inside a class folder' });
  }
  for (const [label, name] of classes.entries()) {
    for (const file of await walkFiles(join(src, name))) addFile(listing, src, file, label);
  }
  return listing;
}

async function listByPattern(src: string, pattern: RegExp): Promise<SourceListing> {
  const files = await walkFiles(src);
  const labelled: { file: string; className: string }[] = [];
  const listing: SourceListing = { layout: 'label-pattern', classes: [], items: [], skipped: [] };
  for (const file of files) {
    const match = pattern.exec(basename(file));
    const className = match?.groups?.label ?? match?.[1];
    if (className) labelled.push({ file, className });
    else listing.skipped.push({ file: relative(src, file), reason: `file name does not match --label-pattern ${pattern.source}` });
  }
  listing.classes = [...new Set(labelled.map((l) => l.className))].sort();
  if (listing.classes.length === 0) throw new ShardlineError('ERR_INPUT', `no file name in ${src} matches --label-pattern ${pattern.source}`);
  for (const { file, className } of labelled) addFile(listing, src, file, listing.classes.indexOf(className));
  return listing;
}

function addFile(listing: SourceListing, src: string, file: string, label: number): void {
  const name = relative(src, file);
  if (IMAGE_EXTENSIONS.has(extname(file).toLowerCase())) listing.items.push({ input: { kind: 'file', path: file }, label, name });
  else listing.skipped.push({ file: name, reason: `not an image file extension (${extname(file) || 'none'})` });
}

/** All regular files below dir, sorted for a deterministic order. */
async function walkFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath ?? (e as unknown as { path: string }).path, e.name))
    .sort();
}

const IDX_IMAGES = /-images-idx3-ubyte(\.gz)?$/;

function isIdxImageFile(file: string): boolean {
  return IDX_IMAGES.test(file);
}

async function findIdxImageFiles(dir: string): Promise<string[]> {
  return (await readdir(dir)).filter(isIdxImageFile).sort().map((f) => join(dir, f));
}

async function listIdx(src: string, imageFiles: string[], classNames?: string[]): Promise<SourceListing> {
  const classes = classNames ?? (/fashion/i.test(src) ? FASHION_MNIST_CLASSES : DIGIT_CLASSES);
  const listing: SourceListing = { layout: 'idx', classes, items: [], skipped: [] };
  for (const imageFile of imageFiles) {
    const labelFile = imageFile.replace('-images-idx3-ubyte', '-labels-idx1-ubyte');
    const [images, labels] = await Promise.all([readIdx(imageFile), readIdx(labelFile)]);
    const [count = 0, height = 0, width = 0] = images.dims;
    if (labels.dims[0] !== count) throw new ShardlineError('ERR_INPUT', `${labelFile} has ${labels.dims[0]} labels for ${count} images in ${imageFile}`);
    const split = basename(imageFile).startsWith('t10k') ? 'test' : undefined;
    const pixels = width * height;
    for (let i = 0; i < count; i++) {
      const label = labels.data[i]!;
      if (label >= classes.length) throw new ShardlineError('ERR_INPUT', `${labelFile}: label ${label} at index ${i} but only ${classes.length} class names`);
      // slice() copies: a view would carry the whole IDX buffer to the worker.
      const data = images.data.slice(i * pixels, (i + 1) * pixels);
      listing.items.push({ input: { kind: 'pixels', data, width, height, channels: 1 }, label, name: `${basename(imageFile)}#${i}`, ...(split ? { split } : {}) });
    }
  }
  return listing;
}
