import { writeFile } from 'node:fs/promises';
import {
  benchPackSpeed,
  DEFAULT_TORCH_PEER,
  formatIoTable,
  formatPackSpeedTable,
  formatTrainBench,
  runIoBench,
  runTrainBench,
  TRAIN_BENCH_MODELS,
  type TrainBenchModel,
  trainBenchJsonLines,
  writeIoReport,
} from '@shardline/bench';
import { defaultWorkerCount } from '@shardline/pack';
import { defaultThreads, MAX_WASM_THREADS } from '@shardline/train';
import type { CommandModule } from 'yargs';
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
  describe:
    'Input throughput: directory loading (Keras flow_from_directory) against raw, JPEG and GZIP shards, with and without augmentation, in one run; each path against the raw read ceiling of the shard bytes, and the raw-shard path stage by stage',
  builder: (yargs) =>
    yargs
      .option('src', {
        type: 'string',
        default: 'data/shapes',
        describe: 'Class-folder image source (generated with `sample` if missing)',
      })
      .option('shards', {
        type: 'string',
        default: 'bench/results/shards',
        describe: 'Scratch folder for the shard variants (packed once, not timed)',
      })
      .option('out', { type: 'string', default: 'bench/results', describe: 'Where io.json and io.png go' })
      .option('image-size', {
        type: 'string',
        default: '64',
        describe: 'Target size: N, or HEIGHTxWIDTH as Keras target_size',
      })
      .option('batch-size', { type: 'number', default: 32, describe: 'Images per batch' })
      .option('epochs', {
        type: 'number',
        default: 2,
        describe:
          'Timed epochs per path at least (after one warm-up epoch; paths faster than 2 s repeat until 2 s are measured); min and median are reported',
      })
      .option('workers', {
        type: 'number',
        default: defaultWorkerCount(),
        describe: 'Workers for the parallel directory path and for packing',
      }),
  handler: async (args) => {
    const { width, height } = parseImageSize(args['image-size']);
    const report = await runIoBench({
      sampleIfMissing: true,
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

const packCommand: CommandModule<object, { src: string; out: string; 'image-size': string; repetitions: number }> = {
  command: 'pack',
  describe: 'pack with 1 and 2 workers, as piscina threads and as child processes, in one run',
  builder: (yargs) =>
    yargs
      .option('src', {
        type: 'string',
        default: 'data/shapes',
        describe: 'Class-folder image source (generated with `sample` if missing)',
      })
      .option('out', {
        type: 'string',
        default: 'bench/results/pack-speed',
        describe: 'Scratch output folder (rewritten every run)',
      })
      .option('image-size', {
        type: 'string',
        default: '64',
        describe: 'Target size: N, or HEIGHTxWIDTH as Keras target_size',
      })
      .option('repetitions', {
        type: 'number',
        default: 3,
        describe: 'Runs per configuration; the median is reported',
      }),
  handler: async (args) => {
    const { width, height } = parseImageSize(args['image-size']);
    const rows = await benchPackSpeed({
      sampleIfMissing: true,
      src: args.src,
      out: args.out,
      width,
      height,
      repetitions: args.repetitions,
      onProgress: (m) => console.error(m),
    });
    console.log(formatPackSpeedTable(rows));
  },
};

interface TrainArgs {
  models: string;
  threads: number;
  rounds: number;
  runs: number;
  peer: string;
  profile: boolean;
  json?: string;
}

const MODEL_NAMES = Object.keys(TRAIN_BENCH_MODELS) as TrainBenchModel[];

const trainCommand: CommandModule<object, TrainArgs> = {
  command: 'train',
  describe:
    'Whole training steps (forward, backward, Adam) of the demo, fmnist and catsdogs150 CNNs on wasm at 1 thread and at --threads, against PyTorch on CPU at the same thread counts (../shared/peers/torch_train_step.py), in one run; and one step split by kernel',
  builder: (yargs) =>
    yargs
      .option('models', {
        type: 'string',
        default: MODEL_NAMES.join(','),
        describe: `Models to measure, comma-separated: ${MODEL_NAMES.join(', ')}`,
      })
      .option('threads', {
        type: 'number',
        default: defaultThreads(),
        describe: `Thread count compared with 1 (1 to ${MAX_WASM_THREADS}; default: the core count)`,
      })
      .option('rounds', {
        type: 'number',
        default: 2,
        describe: 'Rounds; each runs every thread count once, shardline and PyTorch alternating; medians are reported',
      })
      .option('runs', {
        type: 'number',
        default: 3,
        describe: 'Timed runs per model in one process (about a second each; catsdogs150: one step)',
      })
      .option('peer', {
        type: 'string',
        default: DEFAULT_TORCH_PEER,
        describe:
          'The PyTorch peer script, run with /usr/bin/python3; "none" skips it (it is skipped with a note when PyTorch is absent)',
      })
      .option('profile', {
        type: 'boolean',
        default: true,
        describe: 'Also split one step of each model by kernel (--no-profile to skip)',
      })
      .option('json', {
        type: 'string',
        describe: 'Also write one JSON object per line: {"model", "threads", "images_per_s", "impl"}',
      }),
  handler: async (args) => {
    const report = await runTrainBench({
      models: args.models.split(',') as TrainBenchModel[],
      threads: [...new Set([1, args.threads])],
      rounds: args.rounds,
      runs: args.runs,
      peer: args.peer === 'none' ? null : args.peer,
      profile: args.profile,
      onProgress: (message) => console.error(message),
    });
    console.log(formatTrainBench(report));
    if (args.json) {
      await writeFile(args.json, `${trainBenchJsonLines(report)}\n`);
      console.log(`\nWrote ${args.json}`);
    }
  },
};

export const benchCommand: CommandModule = {
  command: 'bench <suite>',
  describe: 'Benchmarks (ratios measured in one run); suites: io, pack, train',
  builder: (yargs) =>
    yargs
      .command(ioCommand)
      .command(packCommand)
      .command(trainCommand)
      .demandCommand(1, 'Name a suite: io, pack or train'),
  handler: () => undefined,
};
