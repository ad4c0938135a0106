import type { CommandModule } from 'yargs';
import { trainLibrary } from '../libraries';
import { addFlags, optionsFromFlags } from '../option-flags';

export const compareCommand: CommandModule = {
  command: 'compare <runs..>',
  describe:
    'Key options and final metrics of training runs side by side (from their run.json), and their histories in one plot',
  builder: (yargs) => addFlags(yargs, trainLibrary().COMPARE_OPTIONS),
  handler: async (args) => {
    const { compareRuns, COMPARE_OPTIONS, formatComparison } = trainLibrary();
    const comparison = await compareRuns(optionsFromFlags(COMPARE_OPTIONS, args));
    console.log(formatComparison(comparison.table));
    console.log(`\nValidation histories: ${comparison.plot}`);
  },
};
