import { generateSample, SAMPLE_OPTIONS, type SampleOptions } from '@shardline/sample';
import type { CommandModule } from 'yargs';
import { addFlags, optionsFromFlags } from '../option-flags';
import { progressBar } from '../progress';
import { parseImageSize } from '../units';

type SampleArgs = Record<string, unknown> & { 'image-size'?: string };

export const sampleCommand: CommandModule<object, SampleArgs> = {
  command: 'sample',
  describe: 'Generate the embedded default dataset: class-per-folder JPEGs of circles, crosses and triangles',
  builder: (yargs) =>
    addFlags(yargs, SAMPLE_OPTIONS, ['image-size']).option('image-size', {
      type: 'string',
      defaultDescription: `${SAMPLE_OPTIONS.height.default}x${SAMPLE_OPTIONS.width.default}`,
      describe: 'Image size, HEIGHTxWIDTH (as pack --image-size)',
    }),
  handler: async (args) => {
    let bar: ReturnType<typeof progressBar> | undefined;
    const options: Partial<SampleOptions> = {
      ...optionsFromFlags(SAMPLE_OPTIONS, args, ['image-size']),
      ...(args['image-size'] === undefined ? {} : parseImageSize(args['image-size'])),
      onProgress: (done, total) => {
        bar ??= progressBar('sample', total);
        bar.update(done);
      },
    };
    const result = await generateSample(options);
    bar?.stop();
    const out = options.out ?? SAMPLE_OPTIONS.out.default;
    console.log(
      `Wrote ${result.perClass.reduce((a, b) => a + b, 0)} JPEGs to ${out}: ${result.classes.map((c, i) => `${c} ${result.perClass[i]}`).join(', ')}`,
    );
  },
};
