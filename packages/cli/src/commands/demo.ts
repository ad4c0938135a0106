import { packDataset } from '@shardline/pack';
import { generateSample, SAMPLE_OPTIONS } from '@shardline/sample';
import { trainOptions } from '@shardline/train';
import type { CommandModule } from 'yargs';
import { printManifestSummary } from '../manifest-summary';
import { progressBar } from '../progress';
import { trainAndReport, trainFlags, trainOptionsFromFlags } from './train';

/** The README's main job: generate the embedded dataset, pack it, train on it. */
export const demoCommand: CommandModule = {
  command: 'demo',
  describe: 'Run the whole job on the embedded dataset: sample -> pack -> train (see README)',
  builder: (yargs) =>
    trainFlags(yargs)
      .option('data', { type: 'string', default: SAMPLE_OPTIONS.out.default, describe: 'Where the sample JPEGs go' })
      .option('image-size', { type: 'number', default: 32, describe: 'Packed image size (square)' }),
  handler: async (argv) => {
    const args = argv as typeof argv & { data: string; 'image-size': number };
    const options = trainOptions(trainOptionsFromFlags(args)); // checked before any work
    const sampleBar = progressBar('sample', SAMPLE_OPTIONS.count.default!);
    await generateSample({ out: args.data, onProgress: (done) => sampleBar.update(done) });
    sampleBar.stop();
    let packBar: ReturnType<typeof progressBar> | undefined;
    const packed = await packDataset({
      src: args.data,
      out: options.shards,
      width: args['image-size'],
      height: args['image-size'],
      // Small shards so the trainer has several to interleave.
      shardBytes: 1 << 20,
      force: true,
      onProgress: (p) => {
        packBar ??= progressBar('pack', p.total);
        packBar.update(p.done);
      },
    });
    packBar?.stop();
    printManifestSummary(packed.manifest, options.shards);
    await trainAndReport(options);
  },
};
