import type { CommandModule } from 'yargs';
import { PACK_DEFAULTS, defaultWorkerCount, packDataset } from '@shardline/pack';
import { generateSample } from '@shardline/sample';
import { trainModel } from '@shardline/train';
import { progressBar } from '../progress';
import { printManifestSummary } from './inspect';
import { toTrainOptions, trainOptions } from './train';

/** The README's main job: generate the embedded dataset, pack it, train on it. */
export const demoCommand: CommandModule = {
  command: 'demo',
  describe: 'Run the whole job on the embedded dataset: sample -> pack -> train (see README)',
  builder: (yargs) => trainOptions(yargs).option('data', { type: 'string', default: 'data/shapes', describe: 'Where the sample JPEGs go' }).option('image-size', { type: 'number', default: 32, describe: 'Packed image size (square)' }),
  handler: async (argv) => {
    const args = argv as unknown as Parameters<typeof toTrainOptions>[0] & { data: string; 'image-size': number };
    const sampleBar = progressBar('sample', 2000);
    await generateSample({ out: args.data, count: 2000, width: 320, height: 240, seed: 1, onProgress: (done) => sampleBar.update(done) });
    sampleBar.stop();
    let packBar: ReturnType<typeof progressBar> | undefined;
    const packed = await packDataset({
      ...PACK_DEFAULTS,
      src: args.data,
      out: args.shards,
      width: args['image-size'],
      height: args['image-size'],
      // Small shards so the trainer has several to interleave.
      shardBytes: 1 << 20,
      workers: defaultWorkerCount(),
      force: true,
      onProgress: (p) => (packBar ??= progressBar('pack', p.total)).update(p.done),
    });
    packBar?.stop();
    printManifestSummary(packed.manifest, args.shards);
    const result = await trainModel(toTrainOptions(args));
    console.log(`\nReport: ${args.out}/index.html (accuracy ${(result.evaluation.accuracy * 100).toFixed(2)}% on ${result.evaluation.split})`);
  },
};
