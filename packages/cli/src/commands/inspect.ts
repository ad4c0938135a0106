import { stat } from 'node:fs/promises';
import { ShardlineError } from '@shardline/errors';
import { checkOptions, integer } from '@shardline/options';
import { type Manifest, readManifest, verifyShards } from '@shardline/shards';
import {
  type Compression,
  decodeSequenceExample,
  type Feature,
  type Features,
  readTFRecords,
} from '@shardline/tfrecord';
import type { CommandModule } from 'yargs';

/** Prints classes, split sizes and a per-class histogram. */
export function printManifestSummary(manifest: Manifest, dir: string): void {
  const { width, height, channels, payload } = manifest.image;
  console.log(
    `\n${dir}: ${manifest.classes.length} classes, ${width}x${height}x${channels} ${payload}, compression ${manifest.compression}`,
  );
  const splits = Object.entries(manifest.splits);
  const nameWidth = Math.max(5, ...manifest.classes.map((c) => c.length));
  console.log(`${'class'.padEnd(nameWidth)}  ${splits.map(([name]) => name.padStart(12)).join('')}`);
  manifest.classes.forEach((name, label) => {
    const counts = splits.map(([, s]) => String(s?.classCounts[label] ?? 0).padStart(12)).join('');
    console.log(`${name.padEnd(nameWidth)}  ${counts}  ${histogramBar(splits[0]?.[1]?.classCounts ?? [], label)}`);
  });
  console.log(`${'total'.padEnd(nameWidth)}  ${splits.map(([, s]) => String(s?.records ?? 0).padStart(12)).join('')}`);
  console.log(`shards: ${splits.map(([name, s]) => `${name} ${s?.shards.length ?? 0}`).join(', ')}`);
  const duplicates = manifest.crossSplitDuplicates ?? [];
  if (duplicates.length > 0)
    console.log(
      `warning: ${duplicates.length} image(s) appear in more than one split (listed in manifest.json, crossSplitDuplicates)`,
    );
  if (manifest.skipped.length > 0) {
    console.log(`skipped ${manifest.skipped.length} file(s) (listed in manifest.json):`);
    for (const s of manifest.skipped.slice(0, 10)) console.log(`  ${s.file}: ${s.reason}`);
    if (manifest.skipped.length > 10) console.log(`  ... and ${manifest.skipped.length - 10} more`);
  }
}

function histogramBar(counts: number[], label: number): string {
  const max = Math.max(1, ...counts);
  return '#'.repeat(Math.round(((counts[label] ?? 0) / max) * 30));
}

const COMPRESSION_CHOICES = ['auto', 'none', 'gzip', 'zlib'] as const;
type CompressionChoice = (typeof COMPRESSION_CHOICES)[number];

export const inspectCommand: CommandModule<object, { path: string; records: number; compression: CompressionChoice }> =
  {
    command: 'inspect <path>',
    describe:
      'Summarise a shard folder (manifest, class histogram), or list the features of any TFRecord file (Example or SequenceExample)',
    builder: (yargs) =>
      yargs
        .positional('path', {
          type: 'string',
          demandOption: true,
          describe: 'A folder written by pack, or a .tfrecord[.gz] file',
        })
        .option('records', { type: 'number', default: 3, describe: 'For a single file: how many records to show' })
        .option('compression', {
          choices: COMPRESSION_CHOICES,
          default: 'auto' as CompressionChoice,
          describe:
            'For a single file: how it is compressed. auto: by its name (.gz/.gzip gzip, .zz/.zlib zlib), else guessed from its first bytes (errors then say it was a guess)',
        }),
    handler: async (args) => {
      checkOptions({ records: args.records }, { records: integer({ min: 0 }) });
      if ((await stat(args.path)).isDirectory()) return printManifestSummary(await readManifest(args.path), args.path);
      let count = 0;
      for await (const record of readTFRecords(args.path, { compression: args.compression })) {
        if (count++ < args.records)
          console.log(
            `record ${count - 1} @${record.offset}: ${describeRecord(record.data, args.path, record.offset)}`,
          );
      }
      console.log(`${args.path}: ${count} records, all CRCs valid`);
    },
  };

/** The record's features; a SequenceExample's feature lists follow its context, with their lengths. */
function describeRecord(data: Uint8Array, file: string, offset: number): string {
  let decoded: ReturnType<typeof decodeSequenceExample>;
  try {
    decoded = decodeSequenceExample(data);
  } catch (err) {
    throw new ShardlineError(
      'ERR_DATA',
      `${file}: record at byte offset ${offset} is not a tf.train.Example or SequenceExample (${(err as Error).message})`,
    );
  }
  const context = describeFeatures(decoded.context);
  const lists = Object.entries(decoded.featureLists);
  if (lists.length === 0) return context;
  const described = lists.map(
    ([key, steps]) =>
      `${key}: ${steps.length} step(s) [${steps
        .slice(0, 2)
        .map((f) => describeFeature(f))
        .join(' | ')}${steps.length > 2 ? ' | ...' : ''}]`,
  );
  return `SequenceExample; context ${context || 'empty'}; feature lists ${described.join('; ')}`;
}

function describeFeatures(features: Features): string {
  return Object.entries(features)
    .map(([key, f]) => `${key}: ${describeFeature(f)}`)
    .join('; ');
}

function describeFeature(f: Feature): string {
  if (f.kind === 'none') return 'empty';
  const preview =
    f.kind === 'bytes'
      ? f.value.map((b) => (b.length > 24 ? `<${b.length} bytes>` : JSON.stringify(Buffer.from(b).toString())))
      : f.value.slice(0, 4).map(String);
  return `${f.kind}[${f.value.length}] ${preview.slice(0, 4).join(',')}`;
}

export const verifyCommand: CommandModule<object, { shards: string; compression?: Compression }> = {
  command: 'verify <shards>',
  describe: 'Check every shard: SHA-256, every record CRC, record shapes and labels, counts against the manifest',
  builder: (yargs) =>
    yargs
      .positional('shards', { type: 'string', demandOption: true, describe: 'A folder written by pack' })
      .option('compression', {
        choices: ['none', 'gzip', 'zlib'] as const,
        describe: 'How the shards are compressed (default: what manifest.json says)',
      }),
  handler: async (args) => {
    const report = await verifyShards(args.shards, {
      compression: args.compression,
      onShard: (file) => process.stderr.write(`checking ${file}\n`),
    });
    printManifestSummary(report.manifest, args.shards);
    if (report.ok) {
      console.log(`\nOK: ${report.recordsChecked} records, every CRC valid, counts match the manifest.`);
      return;
    }
    console.error(`\nFAILED: ${report.problems.length} problem(s):`);
    for (const p of report.problems) console.error(`  ${p}`);
    process.exitCode = 1;
  },
};
