import { writeFile } from 'node:fs/promises';
import type { CommandModule } from 'yargs';
import { benchLibrary } from '../libraries';
import { addFlags, optionsFromFlags } from '../option-flags';

export const benchPackCommand: CommandModule<object, Record<string, unknown> & { json?: string }> = {
  command: 'pack',
  describe:
    "pack with 1 and 2 workers, as piscina threads and as child processes, beside the decoder's single-thread ceiling and torchvision ImageFolder (../shared/peers/torchvision_folder.py), in one run",
  builder: (yargs) =>
    addFlags(yargs, benchLibrary().PACK_SPEED_OPTIONS).option('json', {
      type: 'string',
      describe:
        'Also write one JSON object: {"decoder_ceiling_images_per_s", "rows": [{"pool", "workers", "images_per_s", "steady_images_per_s"}]}',
    }),
  handler: async (args) => {
    const { benchPackSpeed, PACK_SPEED_OPTIONS, formatPackSpeedTable, packSpeedJson } = benchLibrary();
    const report = await benchPackSpeed({
      ...optionsFromFlags(PACK_SPEED_OPTIONS, args),
      onProgress: (message) => console.error(message),
    });
    console.log(formatPackSpeedTable(report));
    if (args.json) {
      await writeFile(args.json, `${packSpeedJson(report)}\n`);
      console.log(`\nWrote ${args.json}`);
    }
  },
};
