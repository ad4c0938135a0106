import type { Evaluation } from '@shardline/train';
import type { CommandModule } from 'yargs';
import { trainLibrary } from '../libraries';
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

export const evaluateCommand: CommandModule = {
  command: 'evaluate',
  describe: 'Accuracy, per-class precision/recall and confusion matrix of a trained model on a split of a shard folder',
  builder: (yargs) => addFlags(yargs, trainLibrary().EVALUATE_OPTIONS),
  handler: async (args) => {
    const { evaluateModel, EVALUATE_OPTIONS } = trainLibrary();
    printEvaluation(
      await evaluateModel({
        ...optionsFromFlags(EVALUATE_OPTIONS, args),
        onLog: console.log,
      }),
    );
  },
};
