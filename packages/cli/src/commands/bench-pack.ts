import { benchPackSpeed, formatPackSpeedTable, PACK_SPEED_OPTIONS } from '@shardline/bench';
import type { CommandModule } from 'yargs';
import { addFlags, optionsFromFlags } from '../option-flags';

export const benchPackCommand: CommandModule = {
  command: 'pack',
  describe: 'pack with 1 and 2 workers, as piscina threads and as child processes, in one run',
  builder: (yargs) => addFlags(yargs, PACK_SPEED_OPTIONS),
  handler: async (args) => {
    const rows = await benchPackSpeed({
      ...optionsFromFlags(PACK_SPEED_OPTIONS, args),
      onProgress: (message) => console.error(message),
    });
    console.log(formatPackSpeedTable(rows));
  },
};
