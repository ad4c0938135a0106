import { existsSync } from 'node:fs';
import type { CommandModule } from 'yargs';
import { benchPackSpeed, formatIoTable, formatPackSpeedTable, runIoBench, writeIoReport } from '@shardline/bench';
import { defaultWorkerCount } from '@shardline/pack';
import { generateSample } from '@shardline/sample';
import { parseImageSize } from '../units';

interface IoArgs {
  src: string;
  shards: string;
  out: string;
  'image-size': string;
  'batch-size': number;
  epochs: number;
  workers: number;
}

const ioCommand: CommandModule<object, IoArgs> = {
  command: 'io',
  describe: 'Input throughput: directory loading (Keras flow_from_directory) against raw, JPEG and GZIP shards, with and without augmentation, in one run; each path against the raw read ceiling of the shard bytes, and the raw-shard path stage by stage',
  builder: (yargs) =>
    yargs
      .option('src', { type: 'string', default: 'data/shapes', describe: 'Class-folder image source (generated with `sample` if missing)' })
      .option('shards', { type: 'string', default: 'bench/results/shards', describe: 'Scratch folder for the shard variants (packed once, not timed)' })
      .option('out', { type: 'string', default: 'bench/results', describe: 'Where io.json and io.png go' })
      .option('image-size', { type: 'string', default: '64', describe: 'Target size: N or WIDTHxHEIGHT' })
      .option('batch-size', { type: 'number', default: 32, describe: 'Images per batch' })
      .option('epochs', { type: 'number', default: 2, describe: 'Timed epochs per path at least (after one warm-up epoch; paths faster than 2 s repeat until 2 s are measured); min and median are reported' })
      .option('workers', { type: 'number', default: defaultWorkerCount(), describe: 'Workers for the parallel directory path and for packing' }),
  handler: async (args) => {
    await ensureSample(args.src);
    const { width, height } = parseImageSize(args['image-size']);
    const report = await runIoBench({
      src: args.src,
      shards: args.shards,
      width,
      height,
      batchSize: args['batch-size'],
      epochs: args.epochs,
      workers: args.workers,
      onProgress: (message) => console.error(message),
    });
    console.log(formatIoTable(report));
    await writeIoReport(report, args.out);
    console.log(`\nWrote ${args.out}/io.json and ${args.out}/io.png`);
  },
};

async function ensureSample(src: string): Promise<void> {
  if (existsSync(src)) return;
  console.error(`${src} not found: generating the sample dataset there`);
  await generateSample({ out: src, count: 2000, width: 320, height: 240, seed: 1 });
}

const packCommand: CommandModule<object, { src: string; out: string; 'image-size': string; repetitions: number }> = {
  command: 'pack',
  describe: 'pack with 1 and 2 workers, as piscina threads and as child processes, in one run',
  builder: (yargs) =>
    yargs
      .option('src', { type: 'string', default: 'data/shapes', describe: 'Class-folder image source (generated with `sample` if missing)' })
      .option('out', { type: 'string', default: 'bench/results/pack-speed', describe: 'Scratch output folder (rewritten every run)' })
      .option('image-size', { type: 'string', default: '64', describe: 'Target size: N or WIDTHxHEIGHT' })
      .option('repetitions', { type: 'number', default: 3, describe: 'Runs per configuration; the median is reported' }),
  handler: async (args) => {
    await ensureSample(args.src);
    const { width, height } = parseImageSize(args['image-size']);
    const rows = await benchPackSpeed({ src: args.src, out: args.out, width, height, repetitions: args.repetitions, onProgress: (m) => console.error(m) });
    console.log(formatPackSpeedTable(rows));
  },
};

export const benchCommand: CommandModule = {
  command: 'bench <suite>',
  describe: 'Benchmarks (ratios measured in one run); suites: io, pack',
  builder: (yargs) => yargs.command(ioCommand).command(packCommand).demandCommand(1, 'Name a suite: io or pack'),
  handler: () => undefined,
};
