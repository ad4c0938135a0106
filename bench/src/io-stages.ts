import * as tf from '@tensorflow/tfjs';
import type { Manifest } from '@shardline/pack';
import { readTFRecordGroups } from '@shardline/tfrecord';
import { type PipelineOptions, labelledImageGroups, shardDataset, shardPaths } from '@shardline/train';
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
 * the pipeline, each timed on its own, in microseconds per image.
 */
export async function measureRawStages(dir: string, manifest: Manifest, options: PipelineOptions, passes: number): Promise<StageCost[]> {
  const files = shardPaths(dir, manifest, 'train');
  const stages: [string, () => Promise<number>][] = [
    ['read and frame records', () => countRecords(files, false)],
    ['+ data CRC-32C', () => countRecords(files, true)],
    ['+ interleave, Example decode, shuffle buffer', () => countImages(labelledImageGroups(files, manifest, options))],
    ['+ float32 batch tensors (rescaled), prefetch', () => countBatchedImages(shardDataset(dir, manifest, 'train', options))],
  ];
  const costs: StageCost[] = [];
  for (const [stage, run] of stages) {
    await run(); // warm-up
    const micros: number[] = [];
    let images = 0;
    for (let i = 0; i < passes; i++) {
      const started = performance.now();
      images = await run();
      micros.push(((performance.now() - started) * 1000) / images);
    }
    const cumulativeMicros = median(micros);
    costs.push({ stage, images, cumulativeMicros, addedMicros: cumulativeMicros - (costs.at(-1)?.cumulativeMicros ?? 0) });
  }
  return costs;
}

async function countRecords(files: string[], verifyCrc: boolean): Promise<number> {
  let n = 0;
  for (const file of files) for await (const group of readTFRecordGroups(file, { verifyCrc })) n += group.length;
  return n;
}

async function countImages(groups: AsyncIterable<unknown[]>): Promise<number> {
  let n = 0;
  for await (const group of groups) n += group.length;
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
