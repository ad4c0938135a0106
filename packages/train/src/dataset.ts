import { ShardlineError } from '@shardline/errors';
import { type Manifest, type ShardStore, type SplitName, splitShards } from '@shardline/shards';
import { ReadBufferPool } from '@shardline/tfrecord';
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { type AugmentOptions, isAugmenting, makeAugmenter } from './augment';
import { imageBatches, type LabelledPixels, labelledImageGroups, type RecordStreamOptions } from './image-stream';

export interface Batch extends tf.TensorContainerObject {
  xs: tf.Tensor4D;
  ys: tf.Tensor2D;
}

export interface PipelineOptions extends RecordStreamOptions {
  batchSize: number;
  /** Multiplies uint8 pixels, as Keras `rescale` (default 1/255). */
  rescale: number;
  /** Batches prepared ahead of the trainer. */
  prefetch: number;
  augment?: AugmentOptions;
}

/** Counts how long the trainer waited for input, against the whole run. */
export class InputWaitMeter {
  waitMs = 0;
  batches = 0;
}

/** How labels are laid out for the loss: one sigmoid unit for two classes, one-hot otherwise. */
export function labelWidth(classCount: number): number {
  return classCount === 2 ? 1 : classCount;
}

/**
 * A tf.data pipeline over one split: interleaved shards, bounded shuffle buffer,
 * batching, in-memory augmentation and prefetch. Each epoch reshuffles with seed + epoch.
 */
export function shardDataset(
  dir: string | ShardStore,
  manifest: Manifest,
  split: SplitName,
  options: PipelineOptions,
  meter?: InputWaitMeter,
): tf.data.Dataset<Batch> {
  const shards = splitShards(dir, manifest, split);
  const bufferPool = options.bufferPool ?? new ReadBufferPool();
  let epoch = 0;
  const batches = tf.data.generator(() => {
    const seed = options.seed + epoch++;
    const groups = labelledImageGroups(shards, manifest, { ...options, seed, bufferPool });
    return tensorBatches(imageBatches(groups, options.batchSize), manifest, options.rescale);
  });
  const augment =
    options.augment && isAugmenting(options.augment) ? makeAugmenter(options.augment, options.seed) : undefined;
  const augmented = augment ? batches.map((b) => augmentBatch(b, augment)) : batches;
  const prefetched = augmented.prefetch(options.prefetch);
  return meter ? measured(prefetched, meter) : prefetched;
}

/** Batches as tensors; each image's read buffer goes back to its pool once its pixels are in the tensor. */
async function* tensorBatches(
  batches: AsyncIterable<LabelledPixels[]>,
  manifest: Manifest,
  rescale: number,
): AsyncGenerator<Batch> {
  for await (const images of batches) {
    const batch = toBatch(images, manifest, rescale);
    for (const image of images) image.lease?.release();
    yield batch;
  }
}

function augmentBatch(batch: Batch, augment: (x: tf.Tensor4D) => tf.Tensor4D): Batch {
  const xs = augment(batch.xs);
  batch.xs.dispose();
  return { xs, ys: batch.ys };
}

export function toBatch(images: LabelledPixels[], manifest: Manifest, rescale: number): Batch {
  return {
    xs: imageTensor(images, manifest.image, rescale),
    ys: labelTensor(
      images.map((i) => i.label),
      manifest.classes.length,
    ),
  };
}

/** NHWC float pixels of a batch, multiplied by rescale. */
export function imageTensor(images: LabelledPixels[], image: Manifest['image'], rescale: number): tf.Tensor4D {
  const shape: [number, number, number, number] = [images.length, image.height, image.width, image.channels];
  const size = image.width * image.height * image.channels;
  // TypedArray#set converts uint8 to float natively; a JS loop here was the pipeline's main cost.
  const raw = floatTensor<tf.Rank.R4>(shape, (pixels) => {
    for (const [i, image] of images.entries()) pixels.set(image.pixels, i * size);
  });
  if (rescale === 1) return raw;
  const scaled = tf.mul(raw, rescale) as tf.Tensor4D;
  raw.dispose();
  return scaled;
}

/**
 * A float32 tensor whose values `fill` writes. On wasm they are written straight into
 * the backend's heap, as its own kernels write outputs: a fresh 1.5 MB JS array per batch
 * cost 25 us per image in page faults, and even a reused one cost a second copy (5.6-7.5 us
 * per image in all, against 3.8-4.8 us written in place, rescale included).
 */
function floatTensor<R extends tf.Rank>(shape: number[], fill: (values: Float32Array) => void): tf.Tensor<R> {
  if (tf.getBackend() !== 'wasm') {
    const values = new Float32Array(shape.reduce((a, b) => a * b, 1));
    fill(values);
    return tf.tensor<tf.Rank>(values, shape) as tf.Tensor<R>;
  }
  const backend = tf.backend() as BackendWasm;
  const info = backend.makeOutput(shape, 'float32');
  fill(backend.typedArrayFromHeap(info) as Float32Array);
  return tf.engine().makeTensorFromTensorInfo(info) as tf.Tensor<R>;
}

/**
 * Labels as the loss wants them: [n, 1] class indices for two classes, one-hot otherwise.
 * Checked first: tf.oneHot turns a label out of range into an all-zero row, which trains silently wrong.
 */
export function labelTensor(labels: number[], classCount: number): tf.Tensor2D {
  const bad = labels.find((label) => !Number.isInteger(label) || label < 0 || label >= classCount);
  if (bad !== undefined)
    throw new ShardlineError('ERR_DATA', `label ${bad} is not a class index for ${classCount} classes`);
  const width = labelWidth(classCount);
  return floatTensor<tf.Rank.R2>([labels.length, width], (values) => {
    values.fill(0); // wasm heap memory comes uninitialised
    for (const [i, label] of labels.entries()) values[i * width + (width === 1 ? 0 : label)] = width === 1 ? label : 1;
  });
}

/** Wraps a dataset so every wait of the consumer (the trainer) for a batch is timed. */
function measured(dataset: tf.data.Dataset<Batch>, meter: InputWaitMeter): tf.data.Dataset<Batch> {
  return tf.data.generator(async function* (): AsyncGenerator<Batch> {
    const iterator = await dataset.iterator();
    for (;;) {
      const started = performance.now();
      const next = await iterator.next();
      meter.waitMs += performance.now() - started;
      if (next.done) return;
      meter.batches++;
      yield next.value;
    }
  });
}
