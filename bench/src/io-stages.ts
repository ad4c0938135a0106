import * as tf from '@tensorflow/tfjs';
import type { Manifest } from '@shardline/pack';
import { type ReadOptions, ReadBufferPool, readTFRecordGroups } from '@shardline/tfrecord';
import { type LabelledPixels, type PipelineOptions, labelledImageGroups, shardDataset, shardPaths } from '@shardline/train';
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

/**
 * Where the raw-shard path spends its time: the same epoch run to ever later stages of
 * the pipeline, in microseconds per image. Stages take turns pass by pass, so that a
 * slow moment of the machine (GC, scheduler) falls on all of them alike.
 */
export async function measureRawStages(dir: string, manifest: Manifest, options: PipelineOptions, passes: number): Promise<StageCost[]> {
  const files = shardPaths(dir, manifest, 'train');
  const bufferPool = new ReadBufferPool();
  const dataset = shardDataset(dir, manifest, 'train', { ...options, bufferPool });
  const stages: [string, () => Promise<number>][] = [
    ['read and frame records', () => countRecords(files, { verifyCrc: false, bufferPool })],
    ['+ data CRC-32C', () => countRecords(files, { bufferPool })],
    ['+ interleave, Example decode, shuffle buffer', () => countImages(labelledImageGroups(files, manifest, { ...options, bufferPool }))],
    ['+ float32 batch tensors (rescaled), prefetch', () => countBatchedImages(dataset)],
  ];
  const micros = stages.map((): number[] => []);
  const images = stages.map(() => 0);
  for (let pass = 0; pass <= passes; pass++) {
    for (const [i, [, run]] of stages.entries()) {
      const started = performance.now();
      images[i] = await run();
      if (pass > 0) micros[i]!.push(((performance.now() - started) * 1000) / images[i]!); // pass 0 warms up
    }
  }
  let before = 0;
  return stages.map(([stage], i) => {
    const cumulativeMicros = median(micros[i]!);
    const addedMicros = cumulativeMicros - before;
    before = cumulativeMicros;
    return { stage, images: images[i]!, cumulativeMicros, addedMicros };
  });
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

async function countBatchedImages(dataset: tf.data.Dataset<{ xs: tf.Tensor4D; ys: tf.Tensor2D }>): Promise<number> {
  let n = 0;
  await dataset.forEachAsync((batch) => {
    n += batch.xs.shape[0];
    tf.dispose([batch.xs, batch.ys]);
  });
  return n;
}
