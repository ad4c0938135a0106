import { buildCnn, type ModelOptions } from '@shardline/train';
import type * as tf from '@tensorflow/tfjs';

/** A small CNN for tests: 8x8x3 inputs, two classes, one block of 4 filters; overrides change any of it. */
export function tinyCnn(overrides: Partial<ModelOptions> = {}): tf.LayersModel {
  return buildCnn({
    inputShape: [8, 8, 3],
    classCount: 2,
    filters: [4],
    denseUnits: 8,
    dropout: 0,
    learningRate: 0.01,
    ...overrides,
  });
}
