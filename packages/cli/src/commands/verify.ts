import { openStore, REMOTE_OPTIONS } from '@shardline/remote';
import { verifyShards } from '@shardline/shards';
import type { Compression } from '@shardline/tfrecord';
import type { CommandModule } from 'yargs';
import { printManifestSummary } from '../manifest-summary';
import { addFlags, optionsFromFlags } from '../option-flags';

type VerifyArgs = { shards: string; compression?: Compression } & Record<string, unknown>;

export const verifyCommand: CommandModule<object, VerifyArgs> = {
  command: 'verify <shards>',
  describe: 'Check every shard: SHA-256, every record CRC, record shapes and labels, counts against the manifest',
  builder: (yargs) =>
    addFlags(
      yargs
        .positional('shards', {
          type: 'string',
          demandOption: true,
          describe: 'A folder written by pack: a path, an http(s):// URL or s3://bucket/prefix/',
        })
        .option('compression', {
          choices: ['none', 'gzip', 'zlib'] as const,
          describe: 'How the shards are compressed (default: what manifest.json says)',
        }),
      REMOTE_OPTIONS,
    ),
  handler: async (args) => {
    const store = openStore(args.shards, optionsFromFlags(REMOTE_OPTIONS, args));
    const report = await verifyShards(store, {
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
