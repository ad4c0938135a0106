import type { CommandModule } from 'yargs';
import { generateSample } from '@shardline/sample';
import { progressBar } from '../progress';
import { parseImageSize } from '../units';

export const sampleCommand: CommandModule<object, { out: string; count: number; 'image-size': string; seed: number }> = {
  command: 'sample',
  describe: 'Generate the embedded default dataset: class-per-folder JPEGs of circles, crosses and triangles',
  builder: (yargs) =>
    yargs
      .option('out', { type: 'string', default: 'data/shapes', describe: 'Folder to write (replaced if it exists)' })
      .option('count', { type: 'number', default: 2000, describe: 'Total number of images, spread evenly over the 3 classes' })
      .option('image-size', { type: 'string', default: '320x240', describe: 'Image size, WIDTHxHEIGHT' })
      .option('seed', { type: 'number', default: 1, describe: 'Seed: the same seed gives the same images' }),
  handler: async (args) => {
    const { width, height } = parseImageSize(args['image-size']);
    let bar: ReturnType<typeof progressBar> | undefined;
    const onProgress = (done: number, total: number) => {
      bar ??= progressBar('sample', total);
      bar.update(done);
    };
    const result = await generateSample({ out: args.out, count: args.count, width, height, seed: args.seed, onProgress });
    bar?.stop();
    console.log(`Wrote ${args.count} JPEGs to ${args.out}: ${result.classes.map((c, i) => `${c} ${result.perClass[i]}`).join(', ')}`);
  },
};
