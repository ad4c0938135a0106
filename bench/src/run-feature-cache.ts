import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packDataset } from '@shardline/pack';
import { generateSample } from '@shardline/sample';
import { buildCnn, fileSaveHandler, initBackend, trainModel } from '@shardline/train/internal';
import { median } from './stats';

/**
 * node bench/dist/run-feature-cache.js: training a head on a frozen base with the feature cache
 * against training through the base every epoch, alternating in one run. The base is a CNN as
 * buildCnn makes it (its weights do not change the cost); the data is the sample set at 64x64.
 */
async function main(): Promise<void> {
  const scratch = await mkdtemp(join(tmpdir(), 'shardline-feature-cache-'));
  try {
    await initBackend({ choice: 'wasm' });
    await generateSample({ out: join(scratch, 'src'), count: 1200, width: 160, height: 120, seed: 1 });
    const shards = join(scratch, 'shards');
    await packDataset({ src: join(scratch, 'src'), out: shards, pool: 'processes' });
    const base = buildCnn({
      inputShape: [64, 64, 3],
      classCount: 3,
      filters: [32, 64, 128],
      denseUnits: 64,
      dropout: 0.3,
      learningRate: 0.001,
    });
    await base.save(fileSaveHandler(join(scratch, 'base')));
    const options = (featureCache: boolean, out: string) => ({
      shards,
      out,
      backend: { choice: 'wasm' as const },
      model: { base: join(scratch, 'base', 'model.json'), featureCache },
      schedule: { epochs: 5, patience: 0, lrPatience: 0 },
    });
    const seconds: Record<'cached' | 'through', number[]> = { cached: [], through: [] };
    for (let round = 0; round < 2; round++) {
      for (const featureCache of [true, false]) {
        const result = await trainModel(options(featureCache, join(scratch, `run-${round}-${featureCache}`)));
        seconds[featureCache ? 'cached' : 'through'].push(result.seconds);
        console.log(
          `round ${round + 1}: ${featureCache ? 'feature cache' : 'through the base'}: ${result.seconds.toFixed(1)} s for 5 epochs, ${(result.evaluation.accuracy * 100).toFixed(1)}% validation accuracy`,
        );
      }
    }
    const [cached, through] = [median(seconds.cached), median(seconds.through)];
    console.log(
      `5 epochs of the head on a frozen [32,64,128] base, 64x64 sample set: feature cache ${cached.toFixed(1)} s (base run once included), through the base ${through.toFixed(1)} s: ${(through / cached).toFixed(1)}x`,
    );
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
