import type { CommandModule } from 'yargs';
import { trainLibrary } from '../libraries';
import { addFlags, optionsFromFlags } from '../option-flags';

export const previewCommand: CommandModule = {
  command: 'preview',
  describe:
    "Draw training images beside augmented versions of them, with train's augmentation code and seed, without training",
  builder: (yargs) => addFlags(yargs, trainLibrary().PREVIEW_OPTIONS),
  handler: async (args) => {
    const { previewAugmentation, PREVIEW_OPTIONS } = trainLibrary();
    const file = await previewAugmentation(optionsFromFlags(PREVIEW_OPTIONS, args));
    console.log(`Augmentation preview: ${file}`);
  },
};
