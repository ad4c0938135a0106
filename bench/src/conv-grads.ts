import { initBackend, useWasmOverride } from '@shardline/train/internal';
import * as tf from '@tensorflow/tfjs';
import { median } from './stats';
import { imagesPerSecond, stepFixture } from './train-step';

/** One conv layer: batch, input size, channels in and out, 3x3 same. */
interface ConvShape {
  name: string;
  batch: number;
  size: number;
  inChannels: number;
  outChannels: number;
}

export const CONV_SHAPES: ConvShape[] = [
  { name: 'fmnist conv1 28x28 1->32', batch: 64, size: 28, inChannels: 1, outChannels: 32 },
  { name: 'fmnist conv2 14x14 32->64', batch: 64, size: 14, inChannels: 32, outChannels: 64 },
  { name: 'shapes conv2 16x16 16->32', batch: 32, size: 16, inChannels: 16, outChannels: 32 },
  { name: 'shapes conv3 8x8 32->64', batch: 32, size: 8, inChannels: 32, outChannels: 64 },
];

export interface ConvGradRow {
  layer: string;
  forwardGflops: number;
  filterGradGflops: number;
  inputGradWasmGflops: number;
  inputGradComposedGflops: number;
}

/** Median milliseconds of fn over `runs` timed calls after two warm-ups. */
async function medianMs(fn: () => tf.Tensor, runs: number): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < runs + 2; i++) {
    const started = performance.now();
    const out = fn();
    await out.data();
    out.dispose();
    if (i >= 2) times.push(performance.now() - started);
  }
  return median(times);
}

export async function benchConvGradients(runs = 9): Promise<ConvGradRow[]> {
  await initBackend({ choice: 'wasm' });
  const rows: ConvGradRow[] = [];
  for (const s of CONV_SHAPES) {
    const x = tf.randomUniform([s.batch, s.size, s.size, s.inChannels]) as tf.Tensor4D;
    const w = tf.randomUniform([3, 3, s.inChannels, s.outChannels]) as tf.Tensor4D;
    const dy = tf.randomUniform([s.batch, s.size, s.size, s.outChannels]) as tf.Tensor4D;
    const gflop = (2 * s.batch * s.size * s.size * 9 * s.inChannels * s.outChannels) / 1e9;
    const rate = (ms: number) => gflop / (ms / 1000);
    const forward = await medianMs(() => tf.conv2d(x, w, 1, 'same'), runs);
    const attrs = { strides: [1, 1], pad: 'same', dataFormat: 'NHWC', dilations: [1, 1] };
    const kernel = (name: string, inputs: tf.NamedTensorMap, extra: object) => () =>
      tf.engine().runKernel(name, inputs, { ...attrs, ...extra } as unknown as tf.NamedAttrMap) as tf.Tensor;
    const filterGrad = await medianMs(kernel('Conv2DBackpropFilter', { x, dy }, { filterShape: w.shape }), runs);
    const inputGrad = kernel('Conv2DBackpropInput', { dy, filter: w }, { inputShape: x.shape });
    useWasmOverride('Conv2DBackpropInput', false);
    const wasmInput = await medianMs(inputGrad, runs);
    useWasmOverride('Conv2DBackpropInput', true);
    const composedInput = await medianMs(inputGrad, runs);
    rows.push({
      layer: s.name,
      forwardGflops: rate(forward),
      filterGradGflops: rate(filterGrad),
      inputGradWasmGflops: rate(wasmInput),
      inputGradComposedGflops: rate(composedInput),
    });
    tf.dispose([x, w, dy]);
  }
  return rows;
}

export interface TrainingStepRow {
  model: string;
  /** images/s with wasm's own Conv2DBackpropInput and Tile (the other replacements stay on). */
  wasmKernels: number;
  /** + Conv2DBackpropInput composed from Conv2D. */
  composedInputGrad: number;
  /** + Tile as a broadcast Add. */
  broadcastTile: number;
}

/** Images per second of whole training steps (forward + backward + Adam) as each override is switched on. */
export async function benchTrainingSteps(steps = 8): Promise<TrainingStepRow[]> {
  await initBackend({ choice: 'wasm' });
  const configs = [
    {
      model: 'fmnist 28x28x1 [32,64] batch 64',
      inputShape: [28, 28, 1] as [number, number, number],
      classCount: 10,
      filters: [32, 64],
      denseUnits: 128,
      batch: 64,
    },
    {
      model: 'shapes 32x32x3 [16,32,64] batch 32',
      inputShape: [32, 32, 3] as [number, number, number],
      classCount: 3,
      filters: [16, 32, 64],
      denseUnits: 64,
      batch: 32,
    },
  ];
  const results = [];
  for (const c of configs) {
    const f = stepFixture(c);
    const rate = async (inputGrad: boolean, tile: boolean) => {
      useWasmOverride('Conv2DBackpropInput', inputGrad);
      useWasmOverride('Tile', tile);
      await f.model.trainOnBatch(f.xs, f.ys);
      return imagesPerSecond(f, steps);
    };
    results.push({
      model: c.model,
      wasmKernels: await rate(false, false),
      composedInputGrad: await rate(true, false),
      broadcastTile: await rate(true, true),
    });
    f.dispose();
  }
  return results;
}
