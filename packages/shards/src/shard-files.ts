import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';
import { ShardlineError } from '@shardline/errors';
import { type ByteSource, type Compression, ReadBufferPool } from '@shardline/tfrecord';
import { isMissing } from './json-document';
import { MANIFEST_FILE, type Manifest, type ShardInfo } from './manifest';
import { type ShardStore, storeOf } from './shard-store';
import type { SplitName } from './splits';
import { type TaskPart, taskTag } from './task';

/** A file being written carries this suffix until it is complete. */
export const PARTIAL_SUFFIX = '.partial';

/** `train-00003.tfrecord`; a task of a distributed pack tags its own, as `train-t00001-00003.tfrecord`. */
export function shardFileName(split: SplitName, index: number, compression: Compression, task?: TaskPart): string {
  const ext = compression === 'gzip' ? '.tfrecord.gz' : compression === 'zlib' ? '.tfrecord.zz' : '.tfrecord';
  const tag = task ? `-${taskTag(task.index)}` : '';
  return `${split}${tag}-${String(index).padStart(5, '0')}${ext}`;
}

/** Shard, index and partial file names shardFileName makes; group 2 is the task tag, if any. */
export const SHARD_FILE = /^(train|validation|test)(?:-(t\d{5}))?-\d{5}\.tfrecord(\.gz|\.zz)?(\.index)?(\.partial)?$/;

/** The SHA-256 and size of a source's bytes, read as a stream through a few reused buffers. */
export async function hashSource(source: ByteSource): Promise<{ sha256: string; bytes: number }> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const { bytes: chunk, lease } of source.chunks(new ReadBufferPool())) {
    hash.update(chunk);
    bytes += chunk.length;
    lease?.release();
  }
  return { sha256: hash.digest('hex'), bytes };
}

/** Reads through one reused buffer: a fresh megabyte per read fragments the malloc heap of a long pack. */
export async function hashFile(file: string): Promise<{ sha256: string; bytes: number }> {
  const hash = createHash('sha256');
  const buffer = Buffer.allocUnsafe(1 << 20);
  const handle = await open(file, 'r');
  try {
    let bytes = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, bytes);
      if (bytesRead === 0) return { sha256: hash.digest('hex'), bytes };
      hash.update(buffer.subarray(0, bytesRead));
      bytes += bytesRead;
    }
  } finally {
    await handle.close();
  }
}

/** One shard of a split, with what the manifest says it holds. */
export interface ShardRef {
  /** Its path or URL, as messages name it. */
  path: string;
  info: ShardInfo;
  source: ByteSource;
}

/** A split's shards in a folder: a local path or a ShardStore. */
export function splitShards(folder: string | ShardStore, manifest: Manifest, split: SplitName): ShardRef[] {
  const store = storeOf(folder);
  const info = manifest.splits[split];
  if (!info)
    throw new ShardlineError(
      'ERR_INPUT',
      `${store.location} has no '${split}' split (has: ${Object.keys(manifest.splits).join(', ')})`,
    );
  return info.shards.map((shard) => ({
    path: store.describe(shard.file),
    info: shard,
    source: store.source(shard.file, { bytes: shard.bytes, sha256: shard.sha256 }),
  }));
}

/** A shard that does not hold what manifest.json says it holds. */
export class ShardMismatchError extends ShardlineError {
  constructor(
    readonly file: string,
    readonly reason: string,
  ) {
    super('ERR_DATA', `${file}: ${reason}; it was changed after pack wrote it (check with 'shardline verify')`);
  }
}

/** Fails, naming the shard, if one is missing or its size is not the manifest's (`listedIn`): before any record is read. */
export async function checkShardFiles(shards: ShardRef[], listedIn = MANIFEST_FILE): Promise<void> {
  await Promise.all(
    shards.map(async ({ path, info, source }) => {
      const size = await source.size().catch((err: unknown) => {
        if (isMissing(err)) return undefined;
        throw err;
      });
      if (size === undefined)
        throw new ShardMismatchError(path, `missing, but ${listedIn} lists it with ${info.records} records`);
      if (size !== info.bytes) throw new ShardMismatchError(path, `${size} bytes, but ${listedIn} lists ${info.bytes}`);
    }),
  );
}
