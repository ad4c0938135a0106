import { BACKEND_OPTIONS, describeBackend, type Evaluation, evaluateModel, initBackend } from '@shardline/train';
import type { CommandModule } from 'yargs';
import { addFlags, optionsFromFlags } from '../option-flags';

function printEvaluation(evaluation: Evaluation): void {
  console.log(`${evaluation.split} accuracy: ${(evaluation.accuracy * 100).toFixed(2)}%\n`);
  const width = Math.max(5, ...evaluation.perClass.map((c) => c.name.length));
  console.log(`${'class'.padEnd(width)}  precision     recall   support`);
  for (const c of evaluation.perClass) {
    console.log(
      `${c.name.padEnd(width)}  ${(c.precision * 100).toFixed(1).padStart(8)}%  ${(c.recall * 100).toFixed(1).padStart(8)}%  ${String(c.support).padStart(8)}`,
    );
  }
  console.log('\nconfusion matrix (rows: true class, columns: predicted)');
  for (const [i, row] of evaluation.confusion.entries())
    console.log(`${evaluation.perClass[i]!.name.padEnd(width)}  ${row.map((n) => String(n).padStart(6)).join('')}`);
}

export const evaluateCommand: CommandModule<
  object,
  { model: string; shards: string; split?: 'train' | 'validation' | 'test' }
> = {
  command: 'evaluate',
  describe: 'Accuracy, per-class precision/recall and confusion matrix of a trained model on a split of a shard folder',
  builder: (yargs) =>
    addFlags(
      yargs
        .option('model', {
          type: 'string',
          default: 'runs/latest/model',
          describe: 'Model folder written by train (model.json + training.json)',
        })
        .option('shards', {
          type: 'string',
          default: 'shards',
          describe: 'Folder written by pack, with the same classes',
        })
        .option('split', {
          choices: ['train', 'validation', 'test'] as const,
          describe: 'Split to evaluate (default: test if packed, else validation)',
        }),
      BACKEND_OPTIONS,
    ),
  handler: async (args) => {
    console.log(`backend: ${describeBackend(await initBackend(optionsFromFlags(BACKEND_OPTIONS, args)))}`);
    printEvaluation(await evaluateModel(args.model, args.shards, args.split));
  },
};
