import { dirname, join } from 'node:path';
import { type Compression, readIndex, readTFRecords } from '@shardline/tfrecord';
import { type Manifest, type ShardInfo, readManifest } from './manifest';
import { type ImageRecord, decodeImageExample } from './record';
import { hashFile } from './shard-writer';
import type { SplitName } from './split';

export interface VerifyReport {
  ok: boolean;
  manifest: Manifest;
  problems: string[];
  recordsChecked: number;
  /** Records found per split and class (what the shards hold, not what the manifest claims). */
  classCounts: Partial<Record<SplitName, number[]>>;
}

export interface VerifyOptions {
  /** How the shards are compressed. Defaults to what the manifest says. */
  compression?: Compression;
  /** Called as each shard's check begins. */
  onShard?: (file: string) => void;
}

/** Checks every shard against the manifest: checksum, every CRC, every record's shape and label. */
export async function verifyShards(dir: string, options: VerifyOptions = {}): Promise<VerifyReport> {
  const manifest = await readManifest(dir);
  const compression = options.compression ?? manifest.compression;
  const report: VerifyReport = { ok: true, manifest, problems: [], recordsChecked: 0, classCounts: {} };
  for (const [split, info] of Object.entries(manifest.splits) as [SplitName, NonNullable<Manifest['splits'][SplitName]>][]) {
    const counts = (report.classCounts[split] = new Array<number>(manifest.classes.length).fill(0));
    for (const shard of info.shards) {
      options.onShard?.(shard.file);
      report.problems.push(...(await verifyShard(join(dir, shard.file), compression, manifest, shard, counts, report)));
    }
    const found = counts.reduce((a, b) => a + b, 0);
    if (found !== info.records) report.problems.push(`${split}: manifest says ${info.records} records, shards hold ${found}`);
  }
  report.ok = report.problems.length === 0;
  return report;
}

async function verifyShard(file: string, compression: Compression, manifest: Manifest, shard: ShardInfo, splitCounts: number[], report: VerifyReport): Promise<string[]> {
  const hashed = await hashFile(file).catch(() => undefined);
  if (!hashed) return [`${file}: missing`];
  const problems: string[] = [];
  if (hashed.sha256 !== shard.sha256) problems.push(`${file}: SHA-256 differs from the manifest (file changed or corrupt)`);
  const counts = new Array<number>(manifest.classes.length).fill(0);
  const offsets: number[] = [];
  try {
    for await (const record of readTFRecords(file, { compression })) {
      offsets.push(record.offset);
      const checked = checkRecord(manifest, record.data);
      if (typeof checked === 'string') problems.push(`${file}: record at byte offset ${record.offset}: ${checked}`);
      else counts[checked.label]!++;
    }
  } catch (err) {
    problems.push((err as Error).message);
  }
  report.recordsChecked += offsets.length;
  counts.forEach((n, label) => (splitCounts[label]! += n));
  if (offsets.length !== shard.records) problems.push(`${file}: manifest says ${shard.records} records, found ${offsets.length}`);
  if (counts.some((n, label) => n !== shard.classCounts[label])) problems.push(`${file}: class counts [${counts}] differ from the manifest [${shard.classCounts}]`);
  if (shard.index) problems.push(...(await checkIndex(join(dirname(file), shard.index), offsets)));
  return problems;
}

/** The decoded record, or what is wrong with it. */
function checkRecord(manifest: Manifest, data: Uint8Array): ImageRecord | string {
  let record: ImageRecord;
  try {
    record = decodeImageExample(data);
  } catch (err) {
    return (err as Error).message;
  }
  const { width, height, channels, payload } = manifest.image;
  if (record.label < 0 || record.label >= manifest.classes.length) return `label ${record.label} is outside the ${manifest.classes.length} classes`;
  if (record.width !== width || record.height !== height || record.channels !== channels) {
    return `image is ${record.width}x${record.height}x${record.channels}, manifest says ${width}x${height}x${channels}`;
  }
  if (record.format !== payload) return `payload is ${record.format}, manifest says ${payload}`;
  if (payload === 'raw' && record.encoded.length !== width * height * channels) return `raw payload has ${record.encoded.length} bytes, expected ${width * height * channels}`;
  return record;
}

async function checkIndex(indexFile: string, offsets: number[]): Promise<string[]> {
  try {
    const index = await readIndex(indexFile);
    const same = index.length === offsets.length && index.every((l, i) => l.offset === offsets[i]);
    return same ? [] : [`${indexFile}: offsets do not match the shard's records`];
  } catch (err) {
    return [`${indexFile}: ${(err as Error).message}`];
  }
}
