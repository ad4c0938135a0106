import { PREDICT_OPTIONS, predictFiles } from '@shardline/train';
import type { CommandModule } from 'yargs';
import { addFlags, optionsFromFlags } from '../option-flags';

export const predictCommand: CommandModule = {
  command: 'predict <files..>',
  describe: 'Classify image files with a trained model (resized as pack did for its shards)',
  builder: (yargs) => addFlags(yargs, PREDICT_OPTIONS),
  handler: async (args) => {
    for (const p of await predictFiles(optionsFromFlags(PREDICT_OPTIONS, args))) {
      if (p.error) {
        console.error(`${p.file}: cannot classify: ${p.error}`);
        process.exitCode = 1;
      } else {
        console.log(`${p.file}: ${p.className} (${((p.confidence ?? 0) * 100).toFixed(1)}%)`);
      }
    }
  },
};
