import { type Check, type OptionChecks, between, checkOptions, integer, listOf, number, oneOf, orderedPair, positive } from '@shardline/errors';
import type { AugmentOptions } from './augment';
import { BACKEND_CHECKS } from './backend';
import type { TrainOptions } from './train';

const fraction = (why: string): Check => between(0, 1, { highOpen: true, why });
const nonNegativeInteger = integer({ min: 0 });

const TRAIN_CHECKS: OptionChecks<TrainOptions> = {
  backend: BACKEND_CHECKS.choice,
  threads: BACKEND_CHECKS.threads,
  epochs: integer({ min: 1 }),
  batchSize: integer({ min: 1 }),
  learningRate: positive,
  shuffleBuffer: nonNegativeInteger,
  cycleLength: integer({ min: 1 }),
  prefetch: integer({ min: 1 }),
  seed: integer(),
  rescale: positive,
  filters: listOf(integer({ min: 1 }), { minLength: 1, maxLength: 8, what: 'a list of filter counts, one per conv block' }),
  denseUnits: integer({ min: 1 }),
  dropout: fraction('the share of units dropped'),
  head: oneOf('global-average', 'flatten'),
  fineTune: nonNegativeInteger,
  patience: nonNegativeInteger,
  lrPatience: nonNegativeInteger,
  lrFactor: between(0, 1, { lowOpen: true, highOpen: true, why: 'the learning rate is multiplied by it' }),
  minLearningRate: number({ min: 0 }),
};

const AUGMENT_CHECKS: OptionChecks<AugmentOptions> = {
  horizontalFlip: oneOf(true, false),
  verticalFlip: oneOf(true, false),
  rotationRange: number({ min: 0, max: 180, why: 'degrees either way' }),
  widthShiftRange: fraction('a fraction of the width'),
  heightShiftRange: fraction('a fraction of the height'),
  shearRange: between(0, 90, { highOpen: true, why: 'degrees' }),
  zoomRange: fraction('the zoom factor is drawn from [1 - range, 1 + range]'),
  brightnessRange: orderedPair(number({ min: 0 })),
  fillMode: oneOf('nearest', 'constant', 'reflect', 'wrap'),
  fillValue: number(),
};

/** Refuses, with an OptionError naming the option, any value trainModel cannot use; before any work. */
export function checkTrainOptions(options: TrainOptions): void {
  checkOptions(options, TRAIN_CHECKS);
  checkOptions(options.augment, AUGMENT_CHECKS, 'augment.');
}
