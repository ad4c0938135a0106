import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { heapPoolTasks, initBackend, MIN_SPLIT_ELEMENTS } from '@shardline/train/internal';
import * as tf from '@tensorflow/tfjs';

/** Runs fn on a backend and returns plain arrays (so nothing stays tied to that backend). */
async function on(backend: 'cpu' | 'wasm', fn: () => tf.Tensor[]): Promise<Float32Array[]> {
  await tf.setBackend(backend);
  const tensors = tf.tidy(fn);
  const values = await Promise.all(tensors.map((t) => t.data() as Promise<Float32Array>));
  tf.dispose(tensors);
  return values;
}

function assertClose(actual: Float32Array[], expected: Float32Array[], what: string): void {
  assert.equal(actual.length, expected.length);
  actual.forEach((a, i) => {
    const e = expected[i]!;
    assert.equal(a.length, e.length, `${what}: gradient ${i} size`);
    const scale = e.reduce((m, v) => Math.max(m, Math.abs(v)), 1);
    const worst = a.reduce((m, v, j) => Math.max(m, Math.abs(v - e[j]!)), 0);
    assert.ok(worst <= 1e-3 * scale, `${what}: gradient ${i} differs by ${worst} (scale ${scale})`);
  });
}

function seeded(shape: number[], seed: number): tf.Tensor {
  return tf.randomUniform(shape, -1, 1, 'float32', seed);
}

describe('wasm gradients match the cpu backend', () => {
  const convCases = [
    { name: '3x3 stride 1 same', k: 3, strides: 1, pad: 'same', dilations: 1, size: 9 },
    { name: '3x3 stride 2 same', k: 3, strides: 2, pad: 'same', dilations: 1, size: 9 },
    { name: '5x5 stride 1 valid', k: 5, strides: 1, pad: 'valid', dilations: 1, size: 10 },
    { name: '3x3 stride 2 valid, even size', k: 3, strides: 2, pad: 'valid', dilations: 1, size: 10 },
    { name: '1x1 stride 1', k: 1, strides: 1, pad: 'same', dilations: 1, size: 6 },
    // Patches past 16M elements: dW as one convolution over the batch instead of a patch matrix.
    {
      name: '3x3 stride 1 same, large',
      k: 3,
      strides: 1,
      pad: 'same',
      dilations: 1,
      size: 128,
      batch: 8,
      channels: 16,
    },
    // tfjs-core itself has no conv2d gradient for dilations > 1, on any backend.
  ] as const;

  for (const c of convCases) {
    test(`conv2d ${c.name}: dx and dW`, async () => {
      await initBackend({ choice: 'wasm', threads: 2 });
      const compute = () => {
        const [batch, channels] = 'batch' in c ? [c.batch, c.channels] : [3, 4];
        const x = seeded([batch, c.size, c.size, channels], 1);
        const w = seeded([c.k, c.k, channels, 5], 2);
        const conv = (xx: tf.Tensor, ww: tf.Tensor) =>
          tf.conv2d(xx as tf.Tensor4D, ww as tf.Tensor4D, c.strides, c.pad, 'NHWC', c.dilations);
        const upstream = seeded(conv(x, w).shape, 3);
        return tf.grads((xx: tf.Tensor, ww: tf.Tensor) => conv(xx, ww).mul(upstream).sum())([x, w]);
      };
      assertClose(await on('wasm', compute), await on('cpu', compute), c.name);
    });
  }

  test('matMul: all four transpose combinations, a batched product and a vector match the cpu backend', async () => {
    await initBackend({ choice: 'wasm', threads: 2 });
    const cases = [
      { a: [5, 7], b: [7, 3], ta: false, tb: false },
      { a: [7, 5], b: [7, 3], ta: true, tb: false },
      { a: [5, 7], b: [3, 7], ta: false, tb: true },
      { a: [7, 5], b: [3, 7], ta: true, tb: true },
      { a: [1, 4, 9], b: [1, 9, 2], ta: false, tb: false },
      { a: [3, 4, 9], b: [3, 9, 2], ta: false, tb: false },
      { a: [1, 64], b: [64, 200], ta: false, tb: false },
    ];
    for (const c of cases) {
      const compute = () => [tf.matMul(seeded(c.a, 1), seeded(c.b, 2), c.ta, c.tb)];
      assertClose(await on('wasm', compute), await on('cpu', compute), `matMul ${c.a} x ${c.b} (${c.ta}, ${c.tb})`);
    }
  });

  test('sum and mean over leading, trailing and middle axes, with and without keepDims, match the cpu backend', async () => {
    await initBackend({ choice: 'wasm', threads: 2 });
    for (const axis of [[0], [0, 1, 2], [3], [1, 2], [0, 1, 2, 3], [-4, -3]]) {
      for (const keepDims of [false, true]) {
        const compute = () => {
          const x = seeded([3, 5, 4, 6], 4);
          return [x.sum(axis, keepDims), x.mean(axis, keepDims)];
        };
        assertClose(await on('wasm', compute), await on('cpu', compute), `reduce ${axis} keepDims ${keepDims}`);
      }
    }
  });

  test('sum and mean gradients spread dy over the reduced axes, divided by their size for mean', async () => {
    await initBackend({ choice: 'wasm', threads: 2 });
    const shape = [3, 5, 4, 6];
    for (const backend of ['wasm', 'cpu'] as const) {
      for (const [axis, keepDims] of [
        [[0, 1, 2], false],
        [[3], true],
        [[1, 3], false],
      ] as const) {
        for (const mean of [false, true]) {
          const [x, up, dx] = await on(backend, () => {
            const xx = seeded(shape, 15);
            const reduce = (t: tf.Tensor) => (mean ? t.mean([...axis], keepDims) : t.sum([...axis], keepDims));
            const upstream = seeded(reduce(xx).shape, 16);
            return [xx, upstream, tf.grad((t: tf.Tensor) => reduce(t).mul(upstream).sum())(xx)];
          });
          const reducedSize = (axis as readonly number[]).reduce((n, a) => n * shape[a]!, 1);
          const strides = [shape[1]! * shape[2]! * shape[3]!, shape[2]! * shape[3]!, shape[3]!, 1];
          const expected = Float32Array.from(x!, (_, i) => {
            const index = strides.map((s, d) => Math.floor(i / s) % shape[d]!);
            const kept = index.filter((_, d) => !(axis as readonly number[]).includes(d));
            const keptShape = shape.filter((_, d) => !(axis as readonly number[]).includes(d));
            const upIndex = kept.reduce((flat, v, d) => flat * keptShape[d]! + v, 0);
            return up![upIndex]! / (mean ? reducedSize : 1);
          });
          assertClose([dx!], [expected], `${backend} ${mean ? 'mean' : 'sum'} over ${axis}`);
        }
      }
    }
  });

  test('max-pool gradient: tiled windows with ties and odd sizes, overlapping windows and same padding match the cpu backend', async () => {
    await initBackend({ choice: 'wasm', threads: 2 });
    const pools = [
      { size: 2, stride: 2, pad: 'valid', h: 6, w: 6 },
      { size: 2, stride: 2, pad: 'valid', h: 7, w: 5 },
      { size: 3, stride: 3, pad: 'valid', h: 9, w: 9 },
      { size: 3, stride: 2, pad: 'same', h: 7, w: 7 },
      { size: 2, stride: 2, pad: 'same', h: 5, w: 5 },
    ] as const;
    for (const p of pools) {
      const compute = () => {
        // Rounded to tenths, so windows hold ties: the first maximum must get the gradient.
        const x = seeded([2, p.h, p.w, 3], 7).mul(5).round().div(10);
        const pool = (xx: tf.Tensor) => tf.maxPool(xx as tf.Tensor4D, p.size, p.stride, p.pad);
        const upstream = seeded(pool(x).shape, 8);
        return [tf.grad((xx: tf.Tensor) => pool(xx).mul(upstream).sum())(x)];
      };
      assertClose(await on('wasm', compute), await on('cpu', compute), `maxPool ${JSON.stringify(p)}`);
    }
  });

  test('transpose: every permutation of a 4-D tensor, float and int, with size-1 axes, matches the cpu backend', async () => {
    await initBackend({ choice: 'wasm', threads: 2 });
    const permutations = (items: number[]): number[][] =>
      items.length <= 1
        ? [items]
        : items.flatMap((item, i) =>
            permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]),
          );
    for (const shape of [
      [3, 40, 1, 37],
      [2, 3, 4, 5],
    ]) {
      for (const perm of permutations([0, 1, 2, 3])) {
        // int32 values near -5e6 have the bit patterns of signalling NaNs: they must come through unchanged.
        const compute = () => [
          tf.transpose(seeded(shape, 9), perm),
          tf.transpose(seeded(shape, 9).mul(100).toInt().sub(5_000_000), perm).add(5_000_000).toFloat(),
        ];
        assertClose(await on('wasm', compute), await on('cpu', compute), `transpose ${shape} by ${perm}`);
      }
    }
  });

  test('identity and same-dtype casts share memory safely: the source can be disposed first', async () => {
    await initBackend({ choice: 'wasm', threads: 2 });
    await tf.setBackend('wasm');
    const x = seeded([4, 5], 10);
    const expected = await x.data();
    const copies = [x.clone(), tf.cast(x, 'float32')];
    x.dispose();
    for (const copy of copies) assert.deepEqual(await copy.data(), expected);
    tf.dispose(copies);
  });

  test('large sums, means, max-pool gradients, transposes and filter-gradient patches split over the heap workers match the cpu backend', async () => {
    await initBackend({ choice: 'wasm', threads: 2 });
    const shape = [9, 66, 66, 32]; // odd batch and rows: the parts are unequal
    assert.ok(shape.reduce((a, b) => a * b, 1) >= MIN_SPLIT_ELEMENTS);
    const before = heapPoolTasks();
    const compute = () => {
      const x = seeded(shape, 17).mul(5).round().div(10);
      const pool = (xx: tf.Tensor) => tf.maxPool(xx as tf.Tensor4D, 2, 2, 'valid');
      const upstream = seeded(pool(x).shape, 18);
      const xc = seeded([9, 34, 34, 16], 19); // 3x3 patches: 9 * 16 x 9 * 34 * 34 elements
      const dy = seeded([9, 34, 34, 8], 20);
      const filterGrad = tf
        .engine()
        .runKernel(
          'Conv2DBackpropFilter',
          { x: xc, dy },
          { strides: [1, 1], pad: 'same', dataFormat: 'NHWC', dilations: [1, 1], filterShape: [3, 3, 16, 8] },
        ) as tf.Tensor;
      return [
        x.sum([0, 1, 2]),
        x.mean([0, 1]),
        tf.grad((xx: tf.Tensor) => pool(xx).mul(upstream).sum())(x),
        x.transpose([3, 1, 2, 0]),
        x.transpose([1, 2, 0, 3]),
        filterGrad,
      ];
    };
    assertClose(await on('wasm', compute), await on('cpu', compute), 'split kernels');
    assert.equal(
      heapPoolTasks() - before,
      6,
      'the sum, the mean, the pooling gradient, both transposes and the patches ran on the pool',
    );
  });

  test('tile: broadcast and general repeats match the cpu backend', async () => {
    await initBackend({ choice: 'wasm', threads: 2 });
    for (const [shape, reps] of [
      [
        [1, 1, 1, 5],
        [3, 4, 2, 1],
      ],
      [
        [2, 3],
        [2, 2],
      ],
      [
        [1, 3],
        [4, 1],
      ],
    ] as const) {
      const compute = () => [tf.tile(seeded([...shape], 6), [...reps])];
      assertClose(await on('wasm', compute), await on('cpu', compute), `tile ${shape} x ${reps}`);
    }
  });

  test('every layer of the classic CNN: conv, batch norm, pooling, dense, dropout off', async () => {
    await initBackend({ choice: 'wasm', threads: 2 });
    await tf.setBackend('cpu');
    const model = tf.sequential({
      layers: [
        tf.layers.conv2d({
          inputShape: [12, 12, 3],
          filters: 4,
          kernelSize: 3,
          padding: 'same',
          kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }),
        }),
        tf.layers.batchNormalization(),
        tf.layers.activation({ activation: 'relu' }),
        tf.layers.maxPooling2d({ poolSize: 2 }),
        tf.layers.conv2d({
          filters: 6,
          kernelSize: 3,
          strides: 2,
          padding: 'valid',
          kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }),
        }),
        tf.layers.averagePooling2d({ poolSize: 2 }),
        tf.layers.flatten(),
        tf.layers.dense({
          units: 3,
          activation: 'softmax',
          kernelInitializer: tf.initializers.glorotUniform({ seed: 3 }),
        }),
      ],
    });
    const x = await on('cpu', () => [seeded([4, 12, 12, 3], 5)]);
    const compute = () => {
      const xs = tf.tensor4d(x[0]!, [4, 12, 12, 3]);
      const ys = tf.oneHot(tf.tensor1d([0, 1, 2, 1], 'int32'), 3);
      const { grads } = tf.variableGrads(
        () => tf.losses.softmaxCrossEntropy(ys, model.apply(xs, { training: true }) as tf.Tensor) as tf.Scalar,
      );
      return model.trainableWeights.map((w) => grads[w.originalName]!);
    };
    assertClose(await on('wasm', compute), await on('cpu', compute), 'model');
    model.dispose();
  });
});
