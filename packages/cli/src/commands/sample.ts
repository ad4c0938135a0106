import { generateSample, SAMPLE_OPTIONS, type SampleOptions } from '@shardline/sample';
import type { CommandModule } from 'yargs';
import { addFlags, optionsFromFlags } from '../option-flags';
import { progressBar } from '../progress';

export const sampleCommand: CommandModule = {
  command: 'sample',
  describe: 'Generate the embedded default dataset: class-per-folder JPEGs of circles, crosses and triangles',
  builder: (yargs) => addFlags(yargs, SAMPLE_OPTIONS),
  handler: async (args) => {
    let bar: ReturnType<typeof progressBar> | undefined;
    const options: Partial<SampleOptions> = {
      ...optionsFromFlags(SAMPLE_OPTIONS, args),
      onProgress: (done, total) => {
        bar ??= progressBar('sample', total);
        bar.update(done);
      },
    };
    const result = await generateSample(options);
    bar?.stop();
    const out = options.out ?? SAMPLE_OPTIONS.out.default;
    const counts = result.classes.map((c, i) => `${c} ${result.perClass[i]}`).join(', ');
    console.log(`Wrote ${result.perClass.reduce((a, b) => a + b, 0)} JPEGs to ${out}: ${counts}`);
  },
};
