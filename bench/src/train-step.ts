import { buildCnn } from '@shardline/train';
import * as tf from '@tensorflow/tfjs';
import { median } from './stats';

export type TrainBenchModel = 'demo' | 'fmnist' | 'catsdogs150';

export interface StepModelConfig {
  inputShape: [number, number, number];
  classCount: number;
  filters: number[];
  head?: 'global-average' | 'flatten';
  denseUnits: number;
  batch: number;
}

/** The models of ../shared/peers/torch_train_step.py, as buildCnn makes them. */
/** Steps per timed run of each: a run should last about a second. */
export const TRAIN_BENCH_MODELS: Record<TrainBenchModel, StepModelConfig & { steps: number }> = {
  demo: {
    inputShape: [32, 32, 3],
    classCount: 3,
    filters: [16, 32, 64],
    head: 'global-average',
    denseUnits: 64,
    batch: 32,
    steps: 10,
  },
  fmnist: {
    inputShape: [28, 28, 1],
    classCount: 10,
    filters: [32, 64],
    head: 'flatten',
    denseUnits: 128,
    batch: 64,
    steps: 6,
  },
  catsdogs150: {
    inputShape: [150, 150, 3],
    classCount: 2,
    filters: [32, 64, 128],
    head: 'flatten',
    denseUnits: 512,
    batch: 32,
    steps: 1,
  },
};

export interface StepFixture {
  model: tf.LayersModel;
  xs: tf.Tensor;
  ys: tf.Tensor;
  batch: number;
  dispose(): void;
}

/** A model as buildCnn makes it, with one random batch of images and labels to train on. */
export function stepFixture(c: StepModelConfig): StepFixture {
  const model = buildCnn({ ...c, dropout: 0.3, learningRate: 0.001 });
  const xs = tf.randomUniform([c.batch, ...c.inputShape]);
  const labels = tf.randomUniform([c.batch], 0, c.classCount, 'int32');
  const ys = c.classCount === 2 ? labels.reshape([c.batch, 1]).toFloat() : tf.oneHot(labels, c.classCount);
  labels.dispose();
  return {
    model,
    xs,
    ys,
    batch: c.batch,
    dispose: () => {
      tf.dispose([xs, ys]);
      model.dispose();
    },
  };
}

/** Median images/s of whole training steps (forward, backward, Adam) over `runs` timed runs, after two warm-up steps. */
export async function measureTrainSteps(name: TrainBenchModel, runs = 5): Promise<number> {
  const f = stepFixture(TRAIN_BENCH_MODELS[name]);
  for (let i = 0; i < 2; i++) await f.model.trainOnBatch(f.xs, f.ys);
  const rates: number[] = [];
  for (let r = 0; r < runs; r++) rates.push(await imagesPerSecond(f, TRAIN_BENCH_MODELS[name].steps));
  f.dispose();
  return median(rates);
}

/** images/s of `steps` consecutive training steps on the fixture's batch. */
export async function imagesPerSecond(f: StepFixture, steps: number): Promise<number> {
  const started = performance.now();
  for (let i = 0; i < steps; i++) await f.model.trainOnBatch(f.xs, f.ys);
  return (steps * f.batch) / ((performance.now() - started) / 1000);
}

/** Kernels whose work is matrix products: convolutions, their gradients and MatMul. */
export const MATRIX_KERNELS = new Set([
  'Conv2D',
  'Conv2DBackpropFilter',
  'Conv2DBackpropInput',
  'FusedConv2D',
  'BatchMatMul',
  '_FusedMatMul',
]);

export interface KernelShare {
  kernel: string;
  ms: number;
  calls: number;
}

export interface StepProfile {
  stepMs: number;
  kernels: KernelShare[];
}

/**
 * One training step's time by kernel (tf.profile; top-level kernels only, so shares add up).
 * Kernels this project composes from other kernels count as one.
 */
export async function profileTrainStep(name: TrainBenchModel): Promise<StepProfile> {
  const f = stepFixture(TRAIN_BENCH_MODELS[name]);
  // As many warm-up steps as a timed run has, so the JavaScript kernels are compiled.
  for (let i = 0; i < Math.max(2, TRAIN_BENCH_MODELS[name].steps); i++) await f.model.trainOnBatch(f.xs, f.ys);
  const started = performance.now();
  const info = await tf.profile(async () => {
    await f.model.trainOnBatch(f.xs, f.ys);
    return [];
  });
  const stepMs = performance.now() - started;
  const byKernel = new Map<string, KernelShare>();
  for (const k of info.kernels) {
    const share = byKernel.get(k.name) ?? { kernel: k.name, ms: 0, calls: 0 };
    share.ms += typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
    share.calls++;
    byKernel.set(k.name, share);
  }
  f.dispose();
  return { stepMs, kernels: [...byKernel.values()].sort((a, b) => b.ms - a.ms) };
}
