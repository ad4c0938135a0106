import { verifyShards } from '@shardline/shards';
import type { Compression } from '@shardline/tfrecord';
import type { CommandModule } from 'yargs';
import { printManifestSummary } from '../manifest-summary';

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
