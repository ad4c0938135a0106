/**
 * One process of `bench train`: the wasm thread pool is fixed per process, so each thread count
 * runs in its own. Usage: train-bench-child THREADS MODELS RUNS [profile]. Prints one JSON
 * object per model: { model, threads, images_per_s } or, with profile, { model, threads, profile }.
 */
import { initBackend } from '@shardline/train';
import { measureTrainSteps, profileTrainStep, type TrainBenchModel } from './train-step';

async function main(): Promise<void> {
  const [threads = '1', models = '', runs = '3', mode] = process.argv.slice(2);
  const info = await initBackend({ choice: 'wasm', threads: Number(threads) });
  for (const model of models.split(',') as TrainBenchModel[]) {
    const result =
      mode === 'profile'
        ? { profile: await profileTrainStep(model) }
        : { images_per_s: await measureTrainSteps(model, Number(runs)) };
    console.log(JSON.stringify({ model, threads: info.threads, ...result }));
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
