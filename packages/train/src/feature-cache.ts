import * as tf from '@tensorflow/tfjs';
import seedrandom from 'seedrandom';
import type { Batch } from './dataset';

/** The frozen part's outputs for every image of a split, row by row, with their label rows. */
export interface FeatureCache {
  features: Float32Array;
  labels: Float32Array;
  featureShape: number[];
  labelWidth: number;
  count: number;
}

/**
 * Keras's "bottleneck features" recipe: with the base frozen and no augmentation, the base's
 * output for an image never changes, so it is computed once per image instead of every epoch.
 */
export async function cacheFeatures(frozen: tf.LayersModel, batches: tf.data.Dataset<Batch>): Promise<FeatureCache> {
  const features: Float32Array[] = [];
  const labels: Float32Array[] = [];
  let featureShape: number[] = [];
  let labelWidth = 0;
  const iterator = await batches.iterator();
  for (let next = await iterator.next(); !next.done; next = await iterator.next()) {
    const batch = next.value;
    const out = frozen.predict(batch.xs) as tf.Tensor;
    [featureShape, labelWidth] = [out.shape.slice(1), batch.ys.shape[1]];
    features.push((await out.data()) as Float32Array);
    labels.push((await batch.ys.data()) as Float32Array);
    tf.dispose([out, batch.xs, batch.ys]);
  }
  const join = (parts: Float32Array[]) => {
    const all = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
    let offset = 0;
    for (const p of parts) {
      all.set(p, offset);
      offset += p.length;
    }
    return all;
  };
  const all = join(labels);
  return {
    features: join(features),
    labels: all,
    featureShape,
    labelWidth,
    count: labelWidth ? all.length / labelWidth : 0,
  };
}

/** Batches of cached features; with a seed, in a new seeded order every epoch. */
export function cachedBatches(
  cache: FeatureCache,
  batchSize: number,
  seed?: number,
): tf.data.Dataset<tf.TensorContainerObject> {
  const featureSize = cache.featureShape.reduce((a, b) => a * b, 1);
  let epoch = 0;
  return tf.data.generator(function* () {
    const order = Array.from({ length: cache.count }, (_, i) => i);
    if (seed !== undefined) shuffleInPlace(order, seedrandom(`${seed}:${epoch++}`));
    for (let start = 0; start < cache.count; start += batchSize) {
      const rows = order.slice(start, start + batchSize);
      const xs = new Float32Array(rows.length * featureSize);
      const ys = new Float32Array(rows.length * cache.labelWidth);
      rows.forEach((row, i) => {
        xs.set(cache.features.subarray(row * featureSize, (row + 1) * featureSize), i * featureSize);
        ys.set(cache.labels.subarray(row * cache.labelWidth, (row + 1) * cache.labelWidth), i * cache.labelWidth);
      });
      yield {
        xs: tf.tensor(xs, [rows.length, ...cache.featureShape]),
        ys: tf.tensor2d(ys, [rows.length, cache.labelWidth]),
      };
    }
  });
}

function shuffleInPlace(items: number[], random: () => number): void {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
}
