import { type Manifest, splitShards } from '@shardline/shards';
import { ReadBufferPool, type ReadOptions, readTFRecordGroups } from '@shardline/tfrecord';
import {
  type Batch,
  imageTensor,
  type LabelledPixels,
  labelledImageGroups,
  type PipelineOptions,
  shardDataset,
} from '@shardline/train/internal';
import * as tf from '@tensorflow/tfjs';
import { median } from './stats';

export interface StageCost {
  stage: string;
  /** Images (or records) the stage delivered per pass: every stage sees the whole split. */
  images: number;
  /** Microseconds per image for the pipeline up to and including this stage (median pass). */
  cumulativeMicros: number;
  /** What this stage adds to the one before. */
  addedMicros: number;
}

/** Untimed passes first: in a fresh process, the first ten or so ran 1.5x slower (JIT, heap growth). */
const WARM_UP_PASSES = 10;

export interface RawStages {
  stages: StageCost[];
  /** Microseconds per image of the least any pipeline must do here (see bareMinimum). */
  bareMinimumMicros: number;
}

/**
 * Where the raw-shard path spends its time: the same epoch run to ever later stages of
 * the pipeline, in microseconds per image, and the bare minimum beside them. All take
 * turns pass by pass, so that a slow moment of the machine (GC, scheduler) falls on all alike.
 */
export async function measureRawStages(
  dir: string,
  manifest: Manifest,
  options: PipelineOptions,
  passes: number,
): Promise<RawStages> {
  const shards = splitShards(dir, manifest, 'train');
  const files = shards.map((shard) => shard.path);
  const bufferPool = new ReadBufferPool();
  const dataset = shardDataset(dir, manifest, 'train', { ...options, bufferPool });
  const stages: [string, () => Promise<number>][] = [
    ['read and frame records', () => countRecords(files, { verifyCrc: false, bufferPool })],
    ['+ data CRC-32C', () => countRecords(files, { bufferPool })],
    [
      '+ interleave, Example decode, shuffle buffer',
      () => countImages(labelledImageGroups(shards, manifest, { ...options, bufferPool })),
    ],
    [
      '+ float32 batch tensors (rescaled), prefetch',
      () => runEpoch(dataset, (batch) => tf.dispose([batch.xs, batch.ys])),
    ],
    ['bare minimum', () => bareMinimum(files, manifest.image, options, bufferPool)],
  ];
  const micros = stages.map((): number[] => []);
  const images = stages.map(() => 0);
  for (let pass = -WARM_UP_PASSES; pass < passes; pass++) {
    for (const [i, [, run]] of stages.entries()) {
      const started = performance.now();
      images[i] = await run();
      if (pass >= 0) micros[i]!.push(((performance.now() - started) * 1000) / images[i]!);
    }
  }
  let before = 0;
  const costs = stages.map(([stage], i) => {
    const cumulativeMicros = median(micros[i]!);
    const addedMicros = cumulativeMicros - before;
    before = cumulativeMicros;
    return { stage, images: images[i]!, cumulativeMicros, addedMicros };
  });
  return { stages: costs.slice(0, -1), bareMinimumMicros: costs.at(-1)!.cumulativeMicros };
}

/**
 * The least any pipeline must do here: read, frame and CRC every record, then move its
 * pixel bytes into rescaled float32 batch tensors; no Example decode, interleave or shuffle.
 * Each record's last pixel-count bytes stand in for its pixels: the same bytes are moved.
 */
async function bareMinimum(
  files: string[],
  image: Manifest['image'],
  options: PipelineOptions,
  bufferPool: ReadBufferPool,
): Promise<number> {
  const pixelBytes = image.width * image.height * image.channels;
  let images = 0;
  let batch: LabelledPixels[] = [];
  const flush = () => {
    tf.dispose(imageTensor(batch, image, options.rescale));
    for (const standIn of batch) standIn.lease?.release();
    images += batch.length;
    batch = [];
  };
  for (const file of files) {
    for await (const group of readTFRecordGroups(file, { bufferPool })) {
      for (const { data, lease } of group) {
        batch.push({ pixels: data.subarray(data.length - pixelBytes), label: 0, filename: '', lease });
        if (batch.length === options.batchSize) flush();
      }
    }
  }
  if (batch.length > 0) flush();
  return images;
}

/** Records of every file, each released at once (the pool's buffers are read into again). */
async function countRecords(files: string[], options: ReadOptions): Promise<number> {
  let n = 0;
  for (const file of files) {
    for await (const group of readTFRecordGroups(file, options)) {
      for (const record of group) record.lease?.release();
      n += group.length;
    }
  }
  return n;
}

async function countImages(groups: AsyncIterable<LabelledPixels[]>): Promise<number> {
  let n = 0;
  for await (const group of groups) {
    for (const image of group) image.lease?.release();
    n += group.length;
  }
  return n;
}

/** One pass over a batch dataset, handing every batch to consume; resolves to the image count. */
export async function runEpoch(dataset: tf.data.Dataset<Batch>, consume: (batch: Batch) => void): Promise<number> {
  let images = 0;
  await dataset.forEachAsync((batch) => {
    images += batch.xs.shape[0];
    consume(batch);
  });
  return images;
}
