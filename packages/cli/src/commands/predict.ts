import type { CommandModule } from 'yargs';
import { trainLibrary } from '../libraries';
import { addFlags, optionsFromFlags } from '../option-flags';

export const predictCommand: CommandModule = {
  command: 'predict <files..>',
  describe: 'Classify image files with a trained model (resized as pack did for its shards)',
  builder: (yargs) =>
    addFlags(yargs, trainLibrary().PREDICT_OPTIONS).option('json', {
      type: 'boolean',
      describe:
        'Print one JSON array, an object per file: {"file", "className", "confidence"}, or {"file", "error"} when it cannot be classified',
    }),
  handler: async (args) => {
    const { predictFiles, PREDICT_OPTIONS } = trainLibrary();
    const predictions = await predictFiles(optionsFromFlags(PREDICT_OPTIONS, args));
    if (predictions.some((p) => p.error)) process.exitCode = 1;
    if (args.json) return console.log(JSON.stringify(predictions, null, 2));
    for (const p of predictions) {
      if (p.error) console.error(`${p.file}: cannot classify: ${p.error}`);
      else console.log(`${p.file}: ${p.className} (${((p.confidence ?? 0) * 100).toFixed(1)}%)`);
    }
  },
};
