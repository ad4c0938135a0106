import { decodeImageExample, type Manifest, SPLIT_ORDER, splitShards } from '@shardline/shards';
import { readTFRecords } from '@shardline/tfrecord';

export interface PackedRecord {
  label: number;
  className: string;
  pixels: number[];
}

/** Every record of a pack folder, in split and file order, keyed by its image/filename. */
export async function packedRecords(dir: string, manifest: Manifest): Promise<Map<string, PackedRecord>> {
  const records = new Map<string, PackedRecord>();
  for (const split of SPLIT_ORDER) {
    if (!manifest.splits[split]) continue;
    for (const shard of splitShards(dir, manifest, split))
      for await (const { data } of readTFRecords(shard.path)) {
        const record = decodeImageExample(data);
        const className = manifest.classes[record.label]!;
        records.set(record.filename, { label: record.label, className, pixels: [...record.encoded] });
      }
  }
  return records;
}
