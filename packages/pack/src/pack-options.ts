import { availableParallelism } from 'node:os';
import { basename, isAbsolute, relative, resolve } from 'node:path';
import { OptionError } from '@shardline/errors';
import { DEFAULT_MAX_PIXELS } from '@shardline/images';
import {
  between,
  type DeepPartial,
  imageSizeOptions,
  integer,
  type OptionTable,
  seedOption,
  withDefaults,
} from '@shardline/options';
import { MAX_TASKS, TFDS_NAME, tfdsName } from '@shardline/shards';
import { CSV_OPTIONS } from './csv-table';
import type { PackOptions } from './pack';
import { taskIndexFromEnvironment } from './pack-task';
import { isPixelCsv } from './pixel-csv';
import { DEFAULT_POOL, defaultWorkerCount } from './pool';

export const MAX_IMAGE_SIDE = 4096;

/** Each worker holds a decoder and its buffers: more than 4 per core only adds memory (1,000 asked for once took 4.2 GB). */
export function maxWorkers(): number {
  return 4 * availableParallelism();
}

const side = integer({ min: 1, max: MAX_IMAGE_SIDE });

/** Every option of packDataset: its default, --help text and check. The pack command's flags are built from it. */
export const PACK_OPTIONS: OptionTable<PackOptions> = {
  src: {
    kind: 'string',
    required: true,
    describe:
      'Source: a folder of class sub-folders (Keras flow_from_directory layout), a flat folder with --label-pattern, MNIST/Fashion-MNIST IDX files (folder or *-images-idx3-ubyte[.gz]), or a pixel CSV (*.csv: a label column and pixel0.. columns or one space-separated pixels column)',
  },
  out: { kind: 'string', default: 'shards', describe: 'Output folder for shards, index files and manifest.json' },
  ...imageSizeOptions(64, 64, side),
  colorMode: {
    kind: 'string',
    choices: ['rgb', 'grayscale'],
    default: 'rgb',
    describe: 'Channels stored: 3 (rgb) or 1 (grayscale, ITU-R 601 luma as PIL and Keras)',
  },
  payload: {
    kind: 'string',
    choices: ['raw', 'jpeg'],
    default: 'raw',
    describe: 'raw: uint8 pixels, no decoding at training time; jpeg: re-encoded, smaller shards',
  },
  jpegQuality: {
    kind: 'number',
    default: 90,
    check: integer({ min: 1, max: 100 }),
    describe: 'JPEG quality for --payload jpeg (1-100)',
  },
  validationSplit: {
    kind: 'number',
    default: 0.2,
    check: between(0, 1, { highOpen: true, why: 'the fraction of each class held out' }),
    describe: 'Fraction of each class held out as the validation split (stratified)',
  },
  seed: seedOption('Seed for the split and the record order; the same seed gives the same shards'),
  shardBytes: {
    kind: 'bytes',
    flag: 'shard-size',
    default: 64 * 1024 * 1024,
    defaultText: '64MiB',
    check: integer({ min: 1 }),
    describe: 'Target bytes per shard before compression (e.g. 16MB, 100MiB)',
  },
  compression: {
    kind: 'string',
    choices: ['none', 'gzip', 'zlib'],
    default: 'none',
    describe: 'Shard compression (TensorFlow TFRecordOptions GZIP/ZLIB); index files only for none',
  },
  workers: {
    kind: 'number',
    defaultFrom: defaultWorkerCount,
    defaultText: 'the core count',
    check: integer({
      min: 0,
      max: maxWorkers(),
      why: 'at most 4 per core: each worker holds a decoder and its memory',
    }),
    describe: 'Decode workers, each decoding one image at a time (0: decode on the main thread)',
  },
  pool: {
    kind: 'string',
    choices: ['threads', 'processes'],
    default: DEFAULT_POOL,
    describe:
      'Workers as child processes, or as piscina worker threads (libvips locks make threads scale worse: `shardline bench pack` measures both)',
  },
  maxPixels: {
    kind: 'number',
    default: DEFAULT_MAX_PIXELS,
    check: integer({ min: 1, why: 'images with more pixels are skipped unread' }),
    describe: 'Refuse (without decoding) images with more pixels than this',
  },
  labelPattern: {
    kind: 'string',
    describe:
      "Regex over file names; capture group 1 (or (?<label>...)) is the class, e.g. '^(cat|dog)\\.' for Kaggle cat.123.jpg",
  },
  classNames: {
    kind: 'strings',
    describe:
      'Comma-separated class names. Class folders: the ones to pack, in label order, as Keras class_names (default: every folder, sorted). IDX sources: the names of labels 0, 1, ... (default: Fashion-MNIST names if the path says fashion, else 0-9)',
  },
  followLinks: {
    kind: 'boolean',
    default: false,
    describe:
      'Follow symbolic links in --src, as Keras follow_links (loops are detected and skipped); without it each link is skipped and listed in manifest.json',
  },
  force: { kind: 'boolean', default: false, describe: 'Replace shards in --out written by a different pack job' },
  datasetName: {
    kind: 'string',
    check: (value) =>
      typeof value === 'string' && TFDS_NAME.test(value)
        ? undefined
        : 'must be lower-case letters, digits and underscores, starting with a letter (a TensorFlow Datasets name)',
    defaultText: "the --out folder's name in snake_case",
    describe:
      "The dataset's name in shard file names (NAME-train.tfrecord-00000-of-00004, as TensorFlow Datasets names them) and in dataset_info.json",
  },
  numTasks: {
    kind: 'number',
    default: 1,
    check: integer({ min: 1, max: MAX_TASKS }),
    describe:
      "Split the job into this many tasks, run anywhere that sees the same --src and --out (a Kubernetes Indexed Job, a Slurm array): each packs its 1/N of every split, and 'shardline merge OUT' then writes manifest.json",
  },
  taskIndex: {
    kind: 'number',
    check: integer({ min: 0, max: MAX_TASKS - 1 }),
    defaultText: 'JOB_COMPLETION_INDEX or SLURM_ARRAY_TASK_ID when set, with --num-tasks above 1; else 0',
    describe: 'Which task of --num-tasks this run is, from 0',
  },
  csv: CSV_OPTIONS,
};

/** The options given, every one left out set to its default; an OptionError names any value packDataset cannot use, before any work. */
export function packOptions(given: DeepPartial<PackOptions>): PackOptions {
  const options = withDefaults(PACK_OPTIONS, given);
  const fromSrc = relative(resolve(options.src), resolve(options.out));
  if (fromSrc === '' || (!fromSrc.startsWith('..') && !isAbsolute(fromSrc))) {
    throw new OptionError(
      'out',
      options.out,
      `must not be inside the source folder ${options.src}: its shards would be read as images by the next pack`,
    );
  }
  refuseIgnoredOptions(options);
  options.taskIndex = checkedTaskIndex(options, given.taskIndex);
  options.datasetName ??= tfdsName(basename(resolve(options.out)));
  return options;
}

function checkedTaskIndex({ numTasks }: PackOptions, given: number | undefined): number {
  if (given === undefined) return numTasks > 1 ? taskIndexFromEnvironment(numTasks) : 0;
  if (given >= numTasks) throw new OptionError('taskIndex', given, `must be below --num-tasks (${numTasks})`);
  return given;
}

/** An option this kind of source would not read is refused rather than ignored, naming what it needs. */
function refuseIgnoredOptions({ src, csv, labelPattern, classNames }: PackOptions): void {
  const pixelCsv = isPixelCsv(src);
  const refuse = (option: string, value: unknown, rule: string) => {
    throw new OptionError(option, value, rule);
  };
  if (!pixelCsv && csv.pixelsColumn)
    refuse('csv.pixelsColumn', csv.pixelsColumn, 'applies to a pixel CSV --src (*.csv) only');
  if (!pixelCsv && csv.imageShape)
    refuse('csv.imageShape', csv.imageShape, 'applies to a pixel CSV --src (*.csv) only');
  if (csv.labels && pixelCsv)
    refuse('csv.labels', csv.labels, 'labels image files, and --src is a pixel CSV, which holds its own labels');
  if (csv.labels && labelPattern)
    refuse('csv.labels', csv.labels, 'and --label-pattern both label the images: choose one');
  if (csv.roiColumns && !csv.labels)
    refuse('csv.roiColumns', csv.roiColumns, 'needs --labels: the boxes are read from label tables');
  if (csv.splitColumn && !pixelCsv && !csv.labels)
    refuse('csv.splitColumn', csv.splitColumn, 'needs a pixel CSV --src or --labels: it names a column of theirs');
  if (classNames && (pixelCsv || csv.labels || labelPattern))
    refuse(
      'classNames',
      classNames,
      'selects class folders or names IDX labels; here the classes are the label values found',
    );
}
