import { OptionError } from '@shardline/errors';
import {
  between,
  type Check,
  type DeepPartial,
  integer,
  listOf,
  number,
  type OptionSpec,
  type OptionTable,
  positive,
  seedOption,
  withDefaults,
} from '@shardline/options';
import { REMOTE_OPTIONS, type RemoteOptions } from '@shardline/remote';
import type * as tf from '@tensorflow/tfjs';
import { AUGMENT_OPTIONS, type AugmentOptions, withAugmentPreset } from './augment';
import { BACKEND_OPTIONS, type BackendOptions } from './backend';

/** How records become batches. */
export interface InputOptions {
  /** Images per training step. Defaults to 32. */
  batchSize: number;
  /** Records held for random draws (memory stays bounded by it). Defaults to 1024. */
  shuffleBuffer: number;
  /** Shards read at once, interleaved. Defaults to 4. */
  cycleLength: number;
  /** Batches prepared ahead of the trainer. Defaults to 4. */
  prefetch: number;
  /** Multiplies uint8 pixels, as Keras rescale. Defaults to 1/255. */
  rescale: number;
  /** Data-parallel reading: the training records are cut into this many parts (tf.data's Dataset.shard). Defaults to 1. */
  numShards: number;
  /** The part this process trains on, from 0 to numShards - 1. Defaults to 0. */
  shardIndex: number;
}

/** The network: a CNN built here, or a head on a loaded base. */
export interface ModelChoice {
  /** Filters per conv block. Defaults to [16, 32, 64]. */
  filters: number[];
  /** Conv features to a vector. Defaults to 'global-average'. */
  head: 'global-average' | 'flatten';
  /** Defaults to 64. */
  denseUnits: number;
  /** Defaults to 0.3. */
  dropout: number;
  /** A tfjs Layers model.json, as a path or an http(s) URL, to use as a frozen base. */
  base?: string;
  /** With base: the layer whose output are the features. Defaults to the layer before the base's last. */
  baseLayer?: string;
  /** With base, no layer fine-tuned and no augmentation: compute the base's features once per image. Defaults to true. */
  featureCache: boolean;
  /** With base: top base layers unfrozen. Defaults to 0. */
  fineTune: number;
}

/** Epochs, learning rate and the callbacks that change them. */
export interface ScheduleOptions {
  /** Defaults to 15. */
  epochs: number;
  /** Adam's. Defaults to 0.002. */
  learningRate: number;
  /** Early stopping after this many epochs without val_loss improvement; 0: off. Defaults to 5. */
  patience: number;
  /** Reduce the learning rate after this many epochs without improvement; 0: off. Defaults to 2. */
  lrPatience: number;
  /** Defaults to 0.5. */
  lrFactor: number;
  /** Defaults to 1e-5. */
  minLearningRate: number;
}

export interface TrainOptions {
  /** Folder written by pack: a local path, an http(s):// URL or s3://bucket/prefix/. Defaults to 'shards'. */
  shards: string;
  /** How http(s):// and s3:// shards are read (REMOTE_OPTIONS: endpoint, cache folder, retries, timeout). */
  remote: RemoteOptions;
  /** Report folder. Defaults to 'runs/latest'. */
  out: string;
  /** Seed of shuffling and augmentation. Defaults to DEFAULT_SEED (1). */
  seed: number;
  /** A checkpoint folder (an earlier run's out/checkpoint) to continue from. */
  resume?: string;
  backend: BackendOptions;
  input: InputOptions;
  augment: AugmentOptions;
  model: ModelChoice;
  schedule: ScheduleOptions;
  onLog?: (message: string) => void;
  /** After each batch; logs hold the epoch's running means so far, as Keras's progress bar shows them. */
  onBatch?: (epoch: number, batch: number, batchesPerEpoch: number, logs: tf.Logs) => void;
}

const fraction = (why: string): Check => between(0, 1, { highOpen: true, why });
const nonNegativeInteger = integer({ min: 0 });
const atLeastOne = integer({ min: 1 });

export const INPUT_OPTIONS: OptionTable<InputOptions> = {
  batchSize: { kind: 'number', default: 32, check: atLeastOne, describe: 'Images per training step' },
  shuffleBuffer: {
    kind: 'number',
    default: 1024,
    check: nonNegativeInteger,
    describe: 'Records in the shuffle buffer (memory stays bounded by it; 0 keeps file order)',
  },
  cycleLength: { kind: 'number', default: 4, check: atLeastOne, describe: 'Shards read at once and interleaved' },
  prefetch: { kind: 'number', default: 4, check: atLeastOne, describe: 'Batches prepared ahead of the trainer' },
  rescale: {
    kind: 'number',
    default: 1 / 255,
    defaultText: '1/255',
    check: positive,
    describe: 'Pixel multiplier, as Keras rescale',
  },
  numShards: {
    kind: 'number',
    default: 1,
    check: atLeastOne,
    describe:
      "Data-parallel reading, as tf.data's Dataset.shard: the training records are cut into this many parts, every Nth record of the interleaved stream to each; processes given the same shards, --seed and --cycle-length and --shard-index 0..N-1 read disjoint parts that make up the whole (validation is read whole)",
  },
  shardIndex: {
    kind: 'number',
    default: 0,
    check: nonNegativeInteger,
    describe: 'Data-parallel reading: the part this process trains on, from 0 to --num-shards - 1',
  },
};

const MODEL_OPTIONS: OptionTable<ModelChoice> = {
  filters: {
    kind: 'numbers',
    default: [16, 32, 64],
    check: listOf(atLeastOne, { minLength: 1, maxLength: 8, what: 'a list of filter counts, one per conv block' }),
    describe: 'Filters per conv block, comma-separated (each block: conv-bn-relu, max-pool)',
  },
  head: {
    kind: 'string',
    choices: ['global-average', 'flatten'],
    default: 'global-average',
    describe:
      'Conv features to vector: global average pooling (position-invariant) or flatten (small images such as MNIST)',
  },
  denseUnits: {
    kind: 'number',
    default: 64,
    check: atLeastOne,
    describe: 'Units of the dense layer before the classifier',
  },
  dropout: { kind: 'number', default: 0.3, check: fraction('the share of units dropped'), describe: 'Dropout rate' },
  base: {
    kind: 'string',
    describe:
      'Transfer learning: a tfjs Layers model.json (a path or an http(s) URL) used as a frozen base, cut at --base-layer',
  },
  baseLayer: {
    kind: 'string',
    defaultText: "the layer before the base's last",
    describe:
      'With --base: the layer whose output are the features, e.g. conv_pw_13_relu for the published MobileNet v1',
  },
  featureCache: {
    kind: 'boolean',
    default: true,
    describe:
      "With --base, --fine-tune 0 and no augmentation: compute the base's features once per image and train the head on them (--no-feature-cache trains through the base every epoch)",
  },
  fineTune: {
    kind: 'number',
    default: 0,
    check: nonNegativeInteger,
    describe:
      'With --base: unfreeze this many top layers of the base. With --resume of a --base run: unfreeze the top N base layers that have weights (the second stage of the transfer recipe; use a low --learning-rate)',
  },
};

const SCHEDULE_OPTIONS: OptionTable<ScheduleOptions> = {
  epochs: {
    kind: 'number',
    default: 15,
    check: atLeastOne,
    describe: 'Maximum epochs (early stopping may end sooner)',
  },
  learningRate: { kind: 'number', default: 0.002, check: positive, describe: 'Adam learning rate' },
  patience: {
    kind: 'number',
    default: 5,
    check: nonNegativeInteger,
    describe: 'Early stopping: epochs without val_loss improvement (best weights are restored; 0: off)',
  },
  lrPatience: {
    kind: 'number',
    default: 2,
    check: nonNegativeInteger,
    describe: 'Reduce LR on plateau: epochs without improvement before cutting (0: off)',
  },
  lrFactor: {
    kind: 'number',
    default: 0.5,
    check: between(0, 1, { lowOpen: true, highOpen: true, why: 'the learning rate is multiplied by it' }),
    describe: 'Reduce LR on plateau: multiplier',
  },
  minLearningRate: {
    kind: 'number',
    default: 1e-5,
    check: number({ min: 0 }),
    describe: 'Reduce LR on plateau: floor',
  },
};

/** Every option of trainModel: its default, --help text and check. The train command's flags are built from it. */
export const TRAIN_OPTIONS: OptionTable<TrainOptions> = {
  shards: {
    kind: 'string',
    default: 'shards',
    describe:
      'Folder written by pack (train + validation splits): a path, an http(s):// URL, or s3://bucket/prefix/ (AWS credentials from the standard chain)',
  },
  remote: REMOTE_OPTIONS,
  out: {
    kind: 'string',
    default: 'runs/latest',
    describe: 'Report folder: index.html, plots, confusion matrix, misclassified grid, model/',
  },
  seed: seedOption('Seed for shuffling and augmentation'),
  resume: { kind: 'string', describe: "Continue from a checkpoint folder (an earlier run's OUT/checkpoint)" },
  backend: BACKEND_OPTIONS,
  input: INPUT_OPTIONS,
  augment: AUGMENT_OPTIONS,
  model: MODEL_OPTIONS,
  schedule: SCHEDULE_OPTIONS,
};

/** A model folder written by train, as evaluate and predict read it. */
export const MODEL_DIR_OPTION: OptionSpec<string> = {
  kind: 'string',
  default: `${TRAIN_OPTIONS.out.default}/model`,
  describe: 'Model folder written by train (model.json + training.json)',
};

/** The options given, every one left out set to its default; an OptionError names any value trainModel cannot use. */
export function trainOptions(given: DeepPartial<TrainOptions> = {}): TrainOptions {
  const options = withDefaults(TRAIN_OPTIONS, { ...given, augment: withAugmentPreset(given.augment) });
  const { numShards, shardIndex } = options.input;
  if (shardIndex >= numShards)
    throw new OptionError('input.shardIndex', shardIndex, `must be below --num-shards (${numShards})`);
  return options;
}

/** How many of a split's records the part `shardIndex` of `numShards` holds. */
export function partRecords(records: number, { numShards, shardIndex }: InputOptions): number {
  return Math.max(0, Math.ceil((records - shardIndex) / numShards));
}
