import { BACKEND_OPTIONS, initBackend, predictFiles } from '@shardline/train';
import type { CommandModule } from 'yargs';
import { addFlags, optionsFromFlags } from '../option-flags';

export const predictCommand: CommandModule<object, { model: string; images: string[] }> = {
  command: 'predict <images..>',
  describe: 'Classify image files with a trained model (resized as pack did for its shards)',
  builder: (yargs) =>
    addFlags(
      yargs
        .positional('images', { type: 'string', array: true, demandOption: true, describe: 'Image files' })
        .option('model', { type: 'string', default: 'runs/latest/model', describe: 'Model folder written by train' }),
      BACKEND_OPTIONS,
    ),
  handler: async (args) => {
    await initBackend(optionsFromFlags(BACKEND_OPTIONS, args));
    for (const p of await predictFiles(args.model, args.images)) {
      if (p.error) {
        console.error(`${p.file}: cannot classify: ${p.error}`);
        process.exitCode = 1;
      } else {
        console.log(`${p.file}: ${p.className} (${((p.confidence ?? 0) * 100).toFixed(1)}%)`);
      }
    }
  },
};
