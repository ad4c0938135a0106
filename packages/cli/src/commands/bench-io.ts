import type { CommandModule } from 'yargs';
import { benchLibrary } from '../libraries';
import { addFlags, optionsFromFlags } from '../option-flags';

const REPORT_DIR = 'bench/results';

export const benchIoCommand: CommandModule<object, Record<string, unknown> & { out: string }> = {
  command: 'io',
  describe:
    'Input throughput: directory loading (Keras flow_from_directory) against raw, JPEG and GZIP shards, with and without augmentation, in one run; each path against the raw read ceiling of the shard bytes, and the raw-shard path stage by stage',
  builder: (yargs) =>
    addFlags(yargs, benchLibrary().IO_BENCH_OPTIONS).option('out', {
      type: 'string',
      default: REPORT_DIR,
      describe: 'Where io.json and io.png go',
    }),
  handler: async (args) => {
    const { runIoBench, IO_BENCH_OPTIONS, formatIoTable, writeIoReport } = benchLibrary();
    const report = await runIoBench({
      ...optionsFromFlags(IO_BENCH_OPTIONS, args),
      onProgress: (message) => console.error(message),
    });
    console.log(formatIoTable(report));
    await writeIoReport(report, args.out);
    console.log(`\nWrote ${args.out}/io.json and ${args.out}/io.png`);
  },
};
