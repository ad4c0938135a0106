import { packDataset } from '@shardline/pack';
import { generateSample } from '@shardline/sample';
import { trainOptions } from '@shardline/train';
import type { CommandModule } from 'yargs';
import { progressBar } from '../progress';
import { printManifestSummary } from './inspect';
import { trainAndReport, trainFlags, trainOptionsFromFlags } from './train';

/** The README's main job: generate the embedded dataset, pack it, train on it. */
export const demoCommand: CommandModule = {
  command: 'demo',
  describe: 'Run the whole job on the embedded dataset: sample -> pack -> train (see README)',
  builder: (yargs) =>
    trainFlags(yargs)
      .option('data', { type: 'string', default: 'data/shapes', describe: 'Where the sample JPEGs go' })
      .option('image-size', { type: 'number', default: 32, describe: 'Packed image size (square)' }),
  handler: async (argv) => {
    const args = argv as typeof argv & { data: string; 'image-size': number };
    const options = trainOptions(trainOptionsFromFlags(args)); // checked before any work
    const sampleBar = progressBar('sample', 2000);
    await generateSample({
      out: args.data,
      count: 2000,
      width: 320,
      height: 240,
      seed: 1,
      onProgress: (done) => sampleBar.update(done),
    });
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
