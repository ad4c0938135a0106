import { access, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { type Manifest, type ShardInfo, SPLIT_ORDER, tfdsShardName } from '@shardline/shards';
import type { Compression } from '@shardline/tfrecord';

type Splits = Manifest['splits'];

/** Each shard of a split under its TFDS name, numbered in order "of" the split's count: the renamed splits, and each shard before and after. */
export function tfdsRenames(
  splits: Splits,
  datasetName: string,
  compression: Compression,
): { named: Splits; renames: [ShardInfo, ShardInfo][] } {
  const named: Splits = {};
  const renames: [ShardInfo, ShardInfo][] = [];
  for (const split of SPLIT_ORDER) {
    const info = splits[split];
    if (!info) continue;
    const shards = info.shards.map((shard, index) => {
      const file = tfdsShardName(datasetName, split, index, info.shards.length, compression);
      const renamed = { ...shard, file, ...(shard.index ? { index: `${file}.index` } : {}) };
      renames.push([shard, renamed]);
      return renamed;
    });
    named[split] = { ...info, shards };
  }
  return { named, renames };
}

/** Moves each shard and index file to its new name. One already moved by a run stopped part way is left where it is, so this can run again. */
export async function moveShards(dir: string, renames: [ShardInfo, ShardInfo][]): Promise<void> {
  for (const [from, to] of renames) {
    await moveOnce(dir, from.file, to.file);
    if (from.index && to.index) await moveOnce(dir, from.index, to.index);
  }
}

async function moveOnce(dir: string, from: string, to: string): Promise<void> {
  if (from === to) return;
  try {
    await rename(join(dir, from), join(dir, to));
  } catch (err) {
    const moved = await access(join(dir, to)).then(
      () => true,
      () => false,
    );
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || !moved) throw err;
  }
}
