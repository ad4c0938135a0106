import type { CommandModule } from 'yargs';
import { benchIoCommand } from './bench-io';
import { benchPackCommand } from './bench-pack';
import { benchTrainCommand } from './bench-train';

export const benchCommand: CommandModule = {
  command: 'bench <suite>',
  describe: 'Benchmarks (ratios measured in one run); suites: io, pack, train',
  builder: (yargs) =>
    yargs
      .command(benchIoCommand)
      .command(benchPackCommand)
      .command(benchTrainCommand)
      .demandCommand(1, 'Name a suite: io, pack or train'),
  handler: () => undefined,
};
