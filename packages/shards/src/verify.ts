import { type Compression, parseIndex, readTFRecords } from '@shardline/tfrecord';
import { decodeImageExample } from './image-record';
import { isMissing } from './json-document';
import { type Manifest, readManifest, type ShardInfo } from './manifest';
import { addCounts, recordProblem, ShardTally } from './record-check';
import { hashSource } from './shard-files';
import { type ShardStore, storeOf } from './shard-store';
import type { SplitName } from './splits';

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

/** Checks every shard against the manifest: checksum, every CRC, every record's shape and label. The folder is a local path or a ShardStore. */
export async function verifyShards(folder: string | ShardStore, options: VerifyOptions = {}): Promise<VerifyReport> {
  const store = storeOf(folder);
  const manifest = await readManifest(store);
  const compression = options.compression ?? manifest.compression;
  const report: VerifyReport = { ok: true, manifest, problems: [], recordsChecked: 0, classCounts: {} };
  for (const [split, info] of Object.entries(manifest.splits) as [
    SplitName,
    NonNullable<Manifest['splits'][SplitName]>,
  ][]) {
    const counts = new Array<number>(manifest.classes.length).fill(0);
    report.classCounts[split] = counts;
    for (const shard of info.shards) {
      options.onShard?.(shard.file);
      report.problems.push(...(await verifyShard(store, compression, manifest, shard, counts, report)));
    }
    const found = counts.reduce((a, b) => a + b, 0);
    if (found !== info.records)
      report.problems.push(`${split}: manifest says ${info.records} records, shards hold ${found}`);
  }
  report.ok = report.problems.length === 0;
  return report;
}

async function verifyShard(
  store: ShardStore,
  compression: Compression,
  manifest: Manifest,
  shard: ShardInfo,
  splitCounts: number[],
  report: VerifyReport,
): Promise<string[]> {
  const file = store.describe(shard.file);
  const source = store.source(shard.file);
  let hashed: { sha256: string };
  try {
    hashed = await hashSource(source);
  } catch (err) {
    return [`${file}: ${isMissing(err) ? 'missing' : (err as Error).message}`];
  }
  const problems: string[] = [];
  if (hashed.sha256 !== shard.sha256)
    problems.push(`${file}: SHA-256 differs from the manifest (file changed or corrupt)`);
  const tally = new ShardTally(shard);
  const offsets: number[] = [];
  try {
    for await (const record of readTFRecords(source, { compression })) {
      offsets.push(record.offset);
      const problem = checkRecord(manifest, record.data, tally);
      if (problem) problems.push(`${file}: record at byte offset ${record.offset}: ${problem}`);
    }
  } catch (err) {
    problems.push((err as Error).message);
  }
  report.recordsChecked += offsets.length;
  addCounts(splitCounts, tally.classCounts);
  const mismatch = tally.mismatch();
  if (mismatch) problems.push(`${file}: ${mismatch}`);
  if (shard.index) problems.push(...(await checkIndex(store, shard.index, offsets)));
  return problems;
}

/** What is wrong with the record, or undefined once it is counted. */
function checkRecord(manifest: Manifest, data: Uint8Array, tally: ShardTally): string | undefined {
  try {
    const record = decodeImageExample(data);
    const problem = recordProblem(manifest, record);
    if (!problem) tally.add(record.label);
    return problem;
  } catch (err) {
    return (err as Error).message;
  }
}

async function checkIndex(store: ShardStore, name: string, offsets: number[]): Promise<string[]> {
  const indexFile = store.describe(name);
  try {
    const index = parseIndex(await store.readText(name), indexFile);
    const same = index.length === offsets.length && index.every((l, i) => l.offset === offsets[i]);
    return same ? [] : [`${indexFile}: offsets do not match the shard's records`];
  } catch (err) {
    return [`${indexFile}: ${(err as Error).message}`];
  }
}
