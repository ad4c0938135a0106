import { mergeTasks } from '@shardline/pack';
import { tfdsLabelProblem } from '@shardline/shards';
import type { CommandModule } from 'yargs';
import { printManifestSummary } from '../manifest-summary';

export const mergeCommand: CommandModule<object, { out: string }> = {
  command: 'merge <out>',
  describe:
    'Combine the task manifests of a distributed pack (pack --num-tasks N) in a folder into its manifest.json, once every task has finished',
  builder: (yargs) =>
    yargs.positional('out', {
      type: 'string',
      demandOption: true,
      describe: 'The --out folder the tasks packed into',
    }),
  handler: async (args) => {
    const manifest = await mergeTasks(args.out);
    printManifestSummary(manifest, args.out);
    const [first] = manifest.splits.train?.shards ?? [];
    console.log(
      `\nMerged into ${args.out}/manifest.json; the shards are named as TFDS names them (${first?.file}, ...).`,
    );
    console.log('Each task checked for the same image in two splits among its own images only.');
    const labelProblem = tfdsLabelProblem(manifest);
    if (labelProblem) console.error(`warning: ${labelProblem}`);
  },
};
