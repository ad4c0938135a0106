import { readdirSync } from 'node:fs';
import { rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ShardlineError } from '@shardline/errors';
import type { Compression } from '@shardline/tfrecord';
import { isMissing, readJsonDocument } from './json-document';

import { type ShardStore, storeOf } from './shard-store';
import type { SplitName } from './splits';
import { TASK_MANIFEST_FILE, type TaskInfo } from './task';

export const MANIFEST_FILE = 'manifest.json';
export const MANIFEST_FORMAT = 'shardline-manifest/1';

/** Feature keys of every record: TensorFlow's standard image/* names. */
export const RECORD_KEYS = {
  encoded: 'image/encoded',
  format: 'image/format',
  height: 'image/height',
  width: 'image/width',
  channels: 'image/channels',
  label: 'image/class/label',
  text: 'image/class/text',
  filename: 'image/filename',
} as const;

export type ColorMode = 'rgb' | 'grayscale';
/** How a record holds its pixels: raw HWC uint8, or a JPEG file's bytes. */
export type Payload = 'raw' | 'jpeg';
/** How pack found the classes: one folder per class, a regex over file names, or IDX files. */
export type SourceLayout = 'class-folders' | 'label-pattern' | 'idx' | 'pixel-csv' | 'label-table';

/** An input pack did not pack, and why. */
export interface SkippedFile {
  file: string;
  reason: string;
  /** The split the input was assigned to, for inputs skipped when decoded (absent for those the listing skipped). */
  split?: SplitName;
}

/** What every record of a shard folder holds. */
export interface ImageSpec {
  width: number;
  height: number;
  channels: 1 | 3;
  colorMode: ColorMode;
  payload: Payload;
  jpegQuality?: number;
}

export interface ShardInfo {
  file: string;
  /** DALI-style "offset frame_bytes" index; absent for compressed shards. */
  index?: string;
  records: number;
  bytes: number;
  sha256: string;
  classCounts: number[];
}

export interface SplitInfo {
  records: number;
  classCounts: number[];
  shards: ShardInfo[];
}

export interface CrossSplitDuplicate {
  sha256: string;
  files: { split: SplitName; file: string }[];
}

export interface Manifest {
  format: typeof MANIFEST_FORMAT;
  createdAt: string;
  source: { path: string; layout: SourceLayout };
  classes: string[];
  image: ImageSpec;
  compression: Compression;
  recordKeys: typeof RECORD_KEYS;
  splits: Partial<Record<SplitName, SplitInfo>>;
  skipped: SkippedFile[];
  /** Images whose source bytes are identical in more than one split (absent in manifests from before this check). */
  crossSplitDuplicates?: CrossSplitDuplicate[];
  /** Hash of the options and source listing that produced these shards; the tasks of one distributed pack share it. */
  fingerprint: string;
  /** The dataset's name in shard file names and TFDS metadata (absent in folders packed before shards had TFDS names). */
  datasetName?: string;
  /** Set in a task manifest of a distributed pack: which task wrote it, and what it packed. */
  task?: TaskInfo;
}

/** A folder's manifest.json; the folder is a local path or a ShardStore. */
export async function readManifest(folder: string | ShardStore): Promise<Manifest> {
  const store = storeOf(folder);
  const file = store.describe(MANIFEST_FILE);
  const dir = store.location;
  const hint = () => (typeof folder === 'string' ? unmergedHint(folder) : undefined);
  return readJsonDocument<Manifest>(
    file,
    {
      format: MANIFEST_FORMAT,
      what: 'manifest',
      missing: (err) =>
        isMissing(err)
          ? `${file} not found: ${hint() ?? `is ${dir} a folder written by 'shardline pack'?`}`
          : `cannot read ${file}: ${err.message}`,
    },
    () => store.readText(MANIFEST_FILE),
  );
}

/** A manifest under another name (a task's: see taskManifestFile), read and checked as manifest.json is. */
export async function readManifestFile(dir: string, name: string): Promise<Manifest> {
  const file = join(dir, name);
  return readJsonDocument<Manifest>(file, { format: MANIFEST_FORMAT, what: 'manifest', missing: (err) => err.message });
}

function unmergedHint(dir: string): string | undefined {
  const tasks = taskManifestNames(dir).length;
  if (tasks === 0) return undefined;
  return `${dir} holds ${tasks} task manifest(s) of a distributed pack; combine them with 'shardline merge ${dir}' once every task has finished`;
}

/** The task manifests in a folder, sorted; none if the folder cannot be read. */
export function taskManifestNames(dir: string): string[] {
  try {
    return readdirSync(dir)
      .filter((name) => TASK_MANIFEST_FILE.test(name))
      .sort();
  } catch {
    return [];
  }
}

/** A classifier needs two classes: refuses fewer, naming where they came from. */
export function requireTwoClasses(classes: readonly string[], source: string): void {
  if (classes.length < 2)
    throw new ShardlineError(
      'ERR_INPUT',
      `${source} has one class (${classes.join('')}): a classifier needs at least two`,
    );
}

export async function writeManifest(dir: string, manifest: Manifest, name = MANIFEST_FILE): Promise<void> {
  await writeWhole(join(dir, name), `${JSON.stringify(manifest, null, 2)}\n`);
}

/** Written under a temporary name and renamed: a reader sees the old file or the new one, never half of one. */
export async function writeWhole(file: string, text: string): Promise<void> {
  const temp = `${file}.partial`;
  await writeFile(temp, text);
  await rename(temp, file);
}

export function totalRecords(manifest: Manifest): number {
  return Object.values(manifest.splits).reduce((sum, s) => sum + (s?.records ?? 0), 0);
}
