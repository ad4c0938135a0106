import type { Argv, CommandModule } from 'yargs';
import { type TrainOptions, trainModel } from '@shardline/train';
import { progressBar } from '../progress';
import { BACKEND_OPTION, THREADS_OPTION } from './evaluate';

export function trainOptions(yargs: Argv) {
  return yargs
    .option('shards', { type: 'string', default: 'shards', describe: 'Folder written by pack (train + validation splits)' })
    .option('out', { type: 'string', default: 'runs/latest', describe: 'Report folder: index.html, plots, confusion matrix, misclassified grid, model/' })
    .option('backend', BACKEND_OPTION)
    .option('threads', THREADS_OPTION)
    .option('epochs', { type: 'number', default: 15, describe: 'Maximum epochs (early stopping may end sooner)' })
    .option('batch-size', { type: 'number', default: 32, describe: 'Images per training step' })
    .option('learning-rate', { type: 'number', default: 0.002, describe: 'Adam learning rate' })
    .option('shuffle-buffer', { type: 'number', default: 1024, describe: 'Records in the shuffle buffer (memory stays bounded by it)' })
    .option('cycle-length', { type: 'number', default: 4, describe: 'Shards read at once and interleaved' })
    .option('prefetch', { type: 'number', default: 4, describe: 'Batches prepared ahead of the trainer' })
    .option('seed', { type: 'number', default: 1, describe: 'Seed for shuffling and augmentation' })
    .option('rescale', { type: 'number', default: 1 / 255, describe: 'Pixel multiplier, as Keras rescale' })
    .option('horizontal-flip', { type: 'boolean', default: false, describe: 'Augment: random left-right flips' })
    .option('vertical-flip', { type: 'boolean', default: false, describe: 'Augment: random up-down flips' })
    .option('rotation-range', { type: 'number', default: 0, describe: 'Augment: rotate by up to this many degrees' })
    .option('width-shift-range', { type: 'number', default: 0, describe: 'Augment: shift by up to this fraction of the width' })
    .option('height-shift-range', { type: 'number', default: 0, describe: 'Augment: shift by up to this fraction of the height' })
    .option('shear-range', { type: 'number', default: 0, describe: 'Augment: shear by up to this many degrees' })
    .option('zoom-range', { type: 'number', default: 0, describe: 'Augment: zoom by a factor in [1 - z, 1 + z]' })
    .option('brightness-range', { type: 'string', default: '1,1', describe: 'Augment: multiply brightness by a factor in [min,max], e.g. 0.8,1.2' })
    .option('fill-mode', { choices: ['nearest', 'constant', 'reflect', 'wrap'] as const, default: 'nearest' as const, describe: 'Augment: how pixels outside the image are filled' })
    .option('fill-value', { type: 'number', default: 0, describe: 'Augment: fill value for --fill-mode constant (after rescale)' })
    .option('filters', { type: 'string', default: '16,32,64', describe: 'Filters per conv block (each block: conv-bn-relu, max-pool)' })
    .option('head', { choices: ['global-average', 'flatten'] as const, default: 'global-average' as const, describe: 'Conv features to vector: global average pooling (position-invariant) or flatten (small images such as MNIST)' })
    .option('dense-units', { type: 'number', default: 64, describe: 'Units of the dense layer before the classifier' })
    .option('dropout', { type: 'number', default: 0.3, describe: 'Dropout rate' })
    .option('base', { type: 'string', describe: 'Transfer learning: a tfjs Layers model.json (a path or an http(s) URL) used as a frozen base, cut at --base-layer' })
    .option('base-layer', { type: 'string', describe: 'With --base: the layer whose output are the features (default: the layer before the base\'s last), e.g. conv_pw_13_relu for the published MobileNet v1' })
    .option('feature-cache', { type: 'boolean', default: true, describe: 'With --base, --fine-tune 0 and no augmentation: compute the base\'s features once per image and train the head on them (--no-feature-cache trains through the base every epoch)' })
    .option('fine-tune', { type: 'number', default: 0, describe: 'With --base: unfreeze this many top layers of the base. With --resume of a --base run: unfreeze the top N base layers that have weights (the second stage of the transfer recipe; use a low --learning-rate)' })
    .option('patience', { type: 'number', default: 5, describe: 'Early stopping: epochs without val_loss improvement (best weights are restored; 0: off)' })
    .option('lr-patience', { type: 'number', default: 2, describe: 'Reduce LR on plateau: epochs without improvement before cutting (0: off)' })
    .option('lr-factor', { type: 'number', default: 0.5, describe: 'Reduce LR on plateau: multiplier' })
    .option('min-learning-rate', { type: 'number', default: 1e-5, describe: 'Reduce LR on plateau: floor' })
    .option('resume', { type: 'string', describe: 'Continue from a checkpoint folder (an earlier run\'s OUT/checkpoint)' });
}

type TrainArgs = ReturnType<typeof trainOptions> extends Argv<infer T> ? T : never;

export function toTrainOptions(args: TrainArgs): TrainOptions {
  const [low = 1, high = 1] = args['brightness-range'].split(',').map(Number);
  let bar: ReturnType<typeof progressBar> | undefined;
  let barEpoch = -1;
  return {
    shards: args.shards,
    out: args.out,
    backend: args.backend,
    threads: args.threads,
    epochs: args.epochs,
    batchSize: args['batch-size'],
    learningRate: args['learning-rate'],
    shuffleBuffer: args['shuffle-buffer'],
    cycleLength: args['cycle-length'],
    prefetch: args.prefetch,
    seed: args.seed,
    rescale: args.rescale,
    augment: {
      horizontalFlip: args['horizontal-flip'],
      verticalFlip: args['vertical-flip'],
      rotationRange: args['rotation-range'],
      widthShiftRange: args['width-shift-range'],
      heightShiftRange: args['height-shift-range'],
      shearRange: args['shear-range'],
      zoomRange: args['zoom-range'],
      brightnessRange: [low, high],
      fillMode: args['fill-mode'],
      fillValue: args['fill-value'],
    },
    filters: args.filters.split(',').map(Number),
    denseUnits: args['dense-units'],
    head: args.head,
    dropout: args.dropout,
    base: args.base,
    featureCache: args['feature-cache'],
    baseLayer: args['base-layer'],
    fineTune: args['fine-tune'],
    patience: args.patience,
    lrPatience: args['lr-patience'],
    lrFactor: args['lr-factor'],
    minLearningRate: args['min-learning-rate'],
    resume: args.resume,
    onLog: (message) => {
      bar?.stop();
      bar = undefined;
      console.log(message);
    },
    onBatch: (epoch, batch, total, logs) => {
      if (epoch !== barEpoch) {
        bar?.stop();
        bar = progressBar(`epoch ${epoch + 1}`, total, 'batches');
        barEpoch = epoch;
      }
      bar?.update(batch + 1, { note: ` | loss ${(logs.loss ?? 0).toFixed(3)} acc ${(logs.acc ?? 0).toFixed(3)}` });
    },
  };
}

export const trainCommand: CommandModule<object, TrainArgs> = {
  command: 'train',
  describe: 'Stream shards into a tfjs tf.data pipeline with augmentation, train a CNN, write a report',
  builder: (yargs) => trainOptions(yargs),
  handler: async (args) => {
    const result = await trainModel(toTrainOptions(args));
    console.log(`\nReport: ${args.out}/index.html (accuracy ${(result.evaluation.accuracy * 100).toFixed(2)}% on ${result.evaluation.split})`);
  },
};
