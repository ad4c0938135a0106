import { writeFile } from 'node:fs/promises';
import type { CommandModule } from 'yargs';
import { benchLibrary } from '../libraries';
import { addFlags, optionsFromFlags } from '../option-flags';

export const benchTrainCommand: CommandModule<object, Record<string, unknown> & { json?: string }> = {
  command: 'train',
  describe:
    'Whole training steps (forward, backward, Adam) of the demo, fmnist and catsdogs150 CNNs on wasm at 1 thread and at --threads, against PyTorch on CPU at the same thread counts (../shared/peers/torch_train_step.py), in one run; and one step split by kernel',
  builder: (yargs) =>
    addFlags(yargs, benchLibrary().TRAIN_BENCH_OPTIONS).option('json', {
      type: 'string',
      describe: 'Also write one JSON object per line: {"model", "threads", "images_per_s", "impl"}',
    }),
  handler: async (args) => {
    const { runTrainBench, TRAIN_BENCH_OPTIONS, formatTrainBench, trainBenchJsonLines } = benchLibrary();
    const report = await runTrainBench({
      ...optionsFromFlags(TRAIN_BENCH_OPTIONS, args),
      onProgress: (message) => console.error(message),
    });
    console.log(formatTrainBench(report));
    if (args.json) {
      await writeFile(args.json, `${trainBenchJsonLines(report)}\n`);
      console.log(`\nWrote ${args.json}`);
    }
  },
};
