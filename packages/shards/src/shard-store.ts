import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type ByteSource, fileSource } from '@shardline/tfrecord';

/** What a file of the folder should be, from the manifest: a store may use it to cache the file. */
export interface ExpectedFile {
  bytes: number;
  sha256: string;
}

/**
 * A shard folder, wherever it is: a local folder (localStore), or a URL prefix over HTTP(S) or S3
 * (@shardline/remote). Readers take every file through it, by its name in the folder.
 */
export interface ShardStore {
  /** The folder or URL prefix, as messages name it. */
  readonly location: string;
  /** A file of the folder as messages name it: its path or URL. */
  describe(name: string): string;
  /** A small file (manifest.json, an index file) whole. A missing file is an error with code 'ENOENT'. */
  readText(name: string): Promise<string>;
  /** A file's bytes, streamed. */
  source(name: string, expected?: ExpectedFile): ByteSource;
}

export function localStore(dir: string): ShardStore {
  return {
    location: dir,
    describe: (name) => join(dir, name),
    readText: (name) => readFile(join(dir, name), 'utf8'),
    source: (name) => fileSource(join(dir, name)),
  };
}

/** A folder's store: the store itself, or a local folder's path. */
export function storeOf(folder: string | ShardStore): ShardStore {
  return typeof folder === 'string' ? localStore(folder) : folder;
}
