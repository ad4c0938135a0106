import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, readlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { packDataset } from '@shardline/pack';
import { type Manifest, type Payload, ShardMismatchError, splitShards } from '@shardline/shards';
import { collect, packDefaults, tempDir, writeFiles } from '@shardline/test-support';
import { frameRecord, ReadBufferPool, readTFRecords } from '@shardline/tfrecord/internal';
import {
  applyAugmentation,
  cachedBatches,
  cacheFeatures,
  decide,
  EpochMeans,
  evaluateModel,
  fileSaveHandler,
  type InputOptions,
  imageTensor,
  initBackend,
  labelledImageGroups,
  labelledImages,
  labelTensor,
  loadModel,
  makeAugmenter,
  NO_AUGMENTATION,
  partRecords,
  predictFiles,
  shardDataset,
  summarize,
  trainModel,
} from '@shardline/train/internal';
import * as tf from '@tensorflow/tfjs';
import sharp from 'sharp';
import { tinyCnn } from './helpers/tiny-cnn';

/** Two easy classes: dark and bright images with a little noise. */
async function darkBrightShards(
  perClass: number,
  size = 8,
  shardBytes = 1500,
  payload: Payload = 'raw',
): Promise<{ dir: string; manifest: Manifest; src: string }> {
  const src = tempDir();
  const files: Record<string, Buffer> = {};
  for (let i = 0; i < perClass; i++) {
    for (const [name, level] of [
      ['dark', 30],
      ['bright', 220],
    ] as const) {
      const pixels = Buffer.alloc(12 * 12 * 3, 0).map((_, j) => level + ((i * 13 + j * 7) % 20));
      files[`${name}/${i}.png`] = await sharp(pixels, { raw: { width: 12, height: 12, channels: 3 } })
        .png()
        .toBuffer();
    }
  }
  writeFiles(src, files);
  const dir = tempDir();
  const { manifest } = await packDataset(packDefaults(src, dir, { width: size, height: size, shardBytes, payload }));
  return { dir, manifest, src };
}

async function epochLabels(
  dataset: tf.data.Dataset<{ xs: tf.Tensor4D; ys: tf.Tensor2D }>,
): Promise<{ labels: number[]; min: number; max: number; shapes: number[][] }> {
  const labels: number[] = [];
  const shapes: number[][] = [];
  let [min, max] = [Infinity, -Infinity];
  await dataset.forEachAsync((batch) => {
    labels.push(...(batch.ys.dataSync() as Float32Array));
    shapes.push(batch.xs.shape);
    min = Math.min(min, batch.xs.min().dataSync()[0]!);
    max = Math.max(max, batch.xs.max().dataSync()[0]!);
    tf.dispose([batch.xs, batch.ys]);
  });
  return { labels, min, max, shapes };
}

function maxDifference(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => a.sub(b).abs().max().dataSync()[0]!);
}

/** Where an fd link points; '' if it closed meanwhile. */
function readlinkTarget(link: string): string {
  try {
    return readlinkSync(link);
  } catch {
    return '';
  }
}

describe('training pipeline', () => {
  before(async () => {
    await initBackend({ choice: 'wasm' });
  });

  test('one epoch streams every record once, rescaled, interleaved and reshuffled per epoch', async () => {
    const { dir, manifest } = await darkBrightShards(20);
    assert.ok(manifest.splits.train!.shards.length >= 3, 'several shards to interleave');
    const options = { batchSize: 7, rescale: 1 / 255, prefetch: 2, cycleLength: 2, seed: 3, shuffleBuffer: 10 };
    const dataset = shardDataset(dir, manifest, 'train', options);
    const first = await epochLabels(dataset);
    const second = await epochLabels(dataset);
    assert.equal(first.labels.length, manifest.splits.train!.records);
    assert.equal(first.labels.filter((l) => l === 1).length, manifest.splits.train!.classCounts[1]);
    assert.deepEqual(first.shapes[0], [7, 8, 8, 3]);
    assert.ok(
      first.min >= 0 && first.max <= 1 && first.max > 0.8,
      `pixels rescaled into [0, 1]: ${first.min}..${first.max}`,
    );
    assert.notDeepEqual(first.labels, second.labels, 'a new order each epoch');
    const again = await epochLabels(shardDataset(dir, manifest, 'train', options));
    assert.deepEqual(again.labels, first.labels, 'the same seed gives the same order');
  });

  test('data-parallel parts (Dataset.shard) are disjoint, make up the epoch, differ by one record at most, and still check every shard', async () => {
    const { dir, manifest } = await darkBrightShards(20);
    const shards = splitShards(dir, manifest, 'train');
    const options = { cycleLength: 2, seed: 5, shuffleBuffer: 6 };
    const names = async (part: { numShards: number; shardIndex: number }, bufferPool?: ReadBufferPool) => {
      const read: string[] = [];
      for await (const image of labelledImages(shards, manifest, { ...options, ...part, bufferPool })) {
        read.push(image.filename);
        image.lease?.release();
      }
      return read;
    };
    const whole = await names({ numShards: 1, shardIndex: 0 });
    const pool = new ReadBufferPool(512);
    const parts = [];
    for (let shardIndex = 0; shardIndex < 3; shardIndex++) parts.push(await names({ numShards: 3, shardIndex }, pool));
    assert.equal(whole.length, manifest.splits.train!.records);
    assert.deepEqual(parts.flat().sort(), [...whole].sort(), 'together, every record once');
    assert.deepEqual(
      parts.map((part) => part.length),
      [0, 1, 2].map((shardIndex) => partRecords(whole.length, { numShards: 3, shardIndex } as InputOptions)),
    );
    assert.ok(Math.max(...parts.map((p) => p.length)) - Math.min(...parts.map((p) => p.length)) <= 1);
    assert.equal(pool.buffersIdle, pool.buffersAllocated, 'the records of other parts give their buffers back too');
  });

  for (const payload of ['raw', 'jpeg'] as const) {
    test(`pooled read buffers, ${payload} payload: an epoch gives the same batches as reading without a pool, and every buffer comes back`, async () => {
      // More records than the 256 the interleave hands on at a time, in 2 KiB reads of several records each.
      const { dir, manifest } = await darkBrightShards(600, 8, 100_000, payload);
      const options = { batchSize: 5, rescale: 1, prefetch: 2, cycleLength: 2, seed: 4, shuffleBuffer: 6 };
      const pool = new ReadBufferPool(2048);
      const batches: number[] = [];
      await shardDataset(dir, manifest, 'train', { ...options, bufferPool: pool }).forEachAsync((batch) => {
        batches.push(...batch.xs.dataSync());
        tf.dispose([batch.xs, batch.ys]);
      });
      const reference: number[] = [];
      for await (const image of labelledImages(splitShards(dir, manifest, 'train'), manifest, options))
        reference.push(...image.pixels);
      assert.equal(batches.length, manifest.splits.train!.records * 8 * 8 * 3);
      assert.deepEqual(batches, reference);
      const chunks = manifest.splits.train!.shards.reduce((n, s) => n + Math.ceil(s.bytes / 2048), 0);
      assert.ok(pool.buffersAllocated < chunks / 2, `${pool.buffersAllocated} buffers for ${chunks} chunks`);
      assert.equal(pool.buffersIdle, pool.buffersAllocated, 'every read buffer is back in the pool after the epoch');
    });
  }

  test('an epoch abandoned after its first images leaves no shard file open', async () => {
    // Two 4 MB shards of 64x64 images: the first record group (256) is taken before either shard is read to its end.
    const { dir, manifest } = await darkBrightShards(400, 64, 4_000_000);
    const openShards = () =>
      readdirSync('/proc/self/fd').filter((fd) => readlinkTarget(`/proc/self/fd/${fd}`).startsWith(dir));
    let openWhileReading = 0;
    for await (const image of labelledImages(splitShards(dir, manifest, 'train'), manifest, {
      cycleLength: 2,
      shuffleBuffer: 0,
      seed: 1,
    })) {
      assert.equal(image.pixels.length, 64 * 64 * 3);
      openWhileReading = openShards().length;
      break;
    }
    assert.ok(openWhileReading >= 2, `shards were open while reading (${openWhileReading})`);
    assert.deepEqual(openShards(), []);
  });

  test('a corrupt record mid-epoch fails the epoch, naming the shard and offset, and closes every shard', async () => {
    const { dir, manifest } = await darkBrightShards(20);
    const shard = join(dir, manifest.splits.train!.shards[1]!.file);
    const bytes = readFileSync(shard);
    bytes[bytes.length - 30]! ^= 0xff; // inside the last record's pixels
    writeFileSync(shard, bytes);
    const dataset = shardDataset(dir, manifest, 'train', {
      batchSize: 4,
      rescale: 1 / 255,
      prefetch: 2,
      cycleLength: 2,
      seed: 1,
      shuffleBuffer: 8,
    });
    const named = new RegExp(`^${shard}: corrupt record data: CRC mismatch .*\\(record at byte offset \\d+\\)$`);
    await assert.rejects(epochLabels(dataset), (err: unknown) => err instanceof Error && named.test(err.message));
    assert.deepEqual(
      readdirSync('/proc/self/fd').filter((fd) => readlinkTarget(`/proc/self/fd/${fd}`).startsWith(dir)),
      [],
    );
  });

  test("batch tensors hold every image's pixels in order, times rescale", () => {
    const image = { width: 3, height: 2, channels: 3 as const, colorMode: 'rgb' as const, payload: 'raw' as const };
    const images = [0, 1].map((n) => ({
      pixels: Uint8Array.from({ length: 18 }, (_, i) => (i * 37 + n * 101) % 256),
      label: n,
      filename: `${n}`,
    }));
    const expected = images.flatMap((img) => Array.from(img.pixels));
    const raw = imageTensor(images, image, 1);
    assert.deepEqual(raw.shape, [2, 2, 3, 3]);
    assert.deepEqual(Array.from(raw.dataSync()), expected);
    const scaled = imageTensor(images, image, 1 / 255).dataSync();
    for (const [i, p] of expected.entries())
      assert.ok(Math.abs(scaled[i]! - p / 255) < 1e-6, `element ${i}: ${scaled[i]} vs ${p / 255}`);
    tf.dispose(raw);
  });

  test('label tensors: class indices for two classes, one-hot rows otherwise; a label out of range is refused', () => {
    // Written into reused wasm memory: dirty it first, so rows that were not zeroed would show.
    tf.dispose(tf.fill([64], 7));
    assert.deepEqual(labelTensor([1, 0, 1], 2).arraySync(), [[1], [0], [1]]);
    assert.deepEqual(labelTensor([2, 0, 1, 2], 3).arraySync(), [
      [0, 0, 1],
      [1, 0, 0],
      [0, 1, 0],
      [0, 0, 1],
    ]);
    assert.throws(() => labelTensor([0, 3], 3), /label 3 is not a class index for 3 classes/);
    assert.throws(() => labelTensor([-1], 2), /label -1 is not a class index for 2 classes/);
    assert.throws(() => labelTensor([0.5], 2), /label 0.5 is not a class index for 2 classes/);
  });

  test('a record whose label the manifest has no class for fails the epoch, naming the shard, offset and image', async () => {
    const { dir, manifest } = await darkBrightShards(4);
    const oneClass = { ...manifest, classes: manifest.classes.slice(0, 1) };
    const dataset = shardDataset(dir, oneClass, 'train', {
      batchSize: 4,
      rescale: 1,
      prefetch: 1,
      cycleLength: 1,
      seed: 1,
      shuffleBuffer: 0,
    });
    await assert.rejects(
      epochLabels(dataset),
      /^TFRecordError: \S+\.tfrecord-\d{5}-of-\d{5}: not a shardline image record: image \S+\.png has label 1, but the manifest lists 1 classes \(record at byte offset \d+\)$/,
    );
  });

  test('augmentation: random flips give each image or its mirror, and both occur', () => {
    const images = tf.randomUniform([8, 7, 5, 3], 0, 1, 'float32', 1) as tf.Tensor4D;
    for (const [option, axis] of [
      ['horizontalFlip', 2],
      ['verticalFlip', 1],
    ] as const) {
      const flipped = makeAugmenter({ ...NO_AUGMENTATION, [option]: true }, 1)(images);
      const mirror = tf.reverse(images, axis);
      const kinds = Array.from({ length: 8 }, (_, i) => {
        const out = flipped.slice(i, 1);
        if (maxDifference(out, images.slice(i, 1)) < 1e-6) return 'same';
        return maxDifference(out, mirror.slice(i, 1)) < 1e-6 ? 'mirrored' : 'neither';
      });
      assert.deepEqual(new Set(kinds), new Set(['same', 'mirrored']), `${option}: ${kinds.join(' ')}`);
      tf.dispose([flipped, mirror]);
    }
    tf.dispose(images);
  });

  test('augmentation: flips folded into the affine transform equal transforming, then flipping', () => {
    const [n, h, w] = [4, 7, 5];
    const images = tf.randomUniform([n, h, w, 3], 0, 1, 'float32', 2) as tf.Tensor4D;
    const options = { ...NO_AUGMENTATION, rotationRange: 20, horizontalFlip: true, verticalFlip: true };
    const angle = (20 * Math.PI) / 180;
    const [cos, sin, cx, cy] = [Math.cos(angle), Math.sin(angle), (w - 1) / 2, (h - 1) / 2];
    const rotation = [cos, -sin, cx - cos * cx + sin * cy, sin, cos, cy - sin * cx - cos * cy, 0, 0];
    const flips = [
      [false, false],
      [true, false],
      [false, true],
      [true, true],
    ] as const;
    const draws = flips.map(([horizontalFlip, verticalFlip]) => ({ rotation: angle, horizontalFlip, verticalFlip }));
    const folded = applyAugmentation(images, draws, options);
    const rotated = tf.image.transform(images, tf.tensor2d([rotation], [1, 8]), 'bilinear', 'nearest');
    flips.forEach(([horizontal, vertical], i) => {
      let expected = rotated.slice(i, 1);
      if (horizontal) expected = tf.reverse(expected, 2);
      if (vertical) expected = tf.reverse(expected, 1);
      assert.ok(maxDifference(folded.slice(i, 1), expected) < 1e-5, `image ${i}: flips ${horizontal}/${vertical}`);
    });
    assert.ok(maxDifference(rotated.slice(0, 1), images.slice(0, 1)) > 0.01, 'the rotation moves pixels');
    tf.dispose([images, folded, rotated]);
  });

  test('augmentation: shift, rotation, shear and zoom compose into the one matrix Keras builds (about the centre, then shifted)', () => {
    const [n, h, w] = [1, 9, 7];
    const images = tf.randomUniform([n, h, w, 3], 0, 1, 'float32', 3) as tf.Tensor4D;
    const options = {
      ...NO_AUGMENTATION,
      rotationRange: 30,
      shearRange: 10,
      zoomRange: 0.2,
      widthShiftRange: 0.2,
      heightShiftRange: 0.2,
    };
    const [theta, shear, zx, zy, tx, ty] = [0.3, 0.1, 0.9, 1.15, 1.4, -0.8];
    const composed = applyAugmentation(images, [{ shift: [tx, ty], rotation: theta, shear, zoom: [zx, zy] }], options);
    // Output->input: R(theta) * Shear * Zoom about the centre, then the shift.
    const [cos, sin, tan, cx, cy] = [Math.cos(theta), Math.sin(theta), Math.tan(shear), (w - 1) / 2, (h - 1) / 2];
    const [a, b, c, d] = [cos * zx, (cos * tan - sin) * zy, sin * zx, (sin * tan + cos) * zy];
    const row = [a, b, cx - a * cx - b * cy + tx, c, d, cy - c * cx - d * cy + ty, 0, 0];
    const expected = tf.image.transform(images, tf.tensor2d([row], [1, 8]), 'bilinear', 'nearest');
    assert.ok(maxDifference(composed, expected) < 1e-5, `differs by ${maxDifference(composed, expected)}`);
    tf.dispose([images, composed, expected]);
  });

  test('augmentation: channel shift adds one value in [-r, r] to every pixel and channel of an image', () => {
    const images = tf.randomUniform([16, 5, 4, 3], 0, 1, 'float32', 5) as tf.Tensor4D;
    const shifted = makeAugmenter({ ...NO_AUGMENTATION, channelShiftRange: 0.1 }, 1)(images);
    const difference = shifted.sub(images);
    const perImage = Array.from(difference.max([1, 2, 3]).dataSync());
    assert.ok(maxDifference(difference.min([1, 2, 3]), difference.max([1, 2, 3])) < 1e-6, 'one value per image');
    assert.ok(
      perImage.every((v) => Math.abs(v) <= 0.1 + 1e-6) && new Set(perImage.map((v) => v.toFixed(6))).size > 8,
      perImage.join(),
    );
    tf.dispose([images, shifted, difference]);
  });

  test('augmentation: brightness scales; geometry moves pixels; nothing set gives an equal new tensor', () => {
    const images = tf.randomUniform([6, 5, 4, 3], 0, 1, 'float32', 1) as tf.Tensor4D;
    const brighter = makeAugmenter({ ...NO_AUGMENTATION, brightnessRange: [2, 2] }, 1)(images);
    assert.ok(brighter.sub(images.mul(2)).abs().max().dataSync()[0]! < 1e-5);
    const unchanged = makeAugmenter(NO_AUGMENTATION, 1)(images);
    assert.notEqual(unchanged, images, 'a new tensor even with nothing set, so callers may dispose both');
    assert.equal(maxDifference(unchanged, images), 0);
    unchanged.dispose();
    assert.equal(images.isDisposed, false);
    const shifted = makeAugmenter(
      { ...NO_AUGMENTATION, widthShiftRange: 0.5, rotationRange: 30, fillMode: 'constant' },
      1,
    )(images);
    assert.deepEqual(shifted.shape, images.shape);
    assert.ok(shifted.sub(images).abs().max().dataSync()[0]! > 0.01, 'geometry changes pixels');
    tf.dispose([images, brighter, shifted]);
  });

  test('progress logs are epoch means weighted by batch size, not the last batch alone', () => {
    const means = new EpochMeans();
    assert.deepEqual(means.add({ batch: 0, size: 32, loss: 0.5, acc: 1 }), { loss: 0.5, acc: 1 });
    const after = means.add({ batch: 1, size: 1, loss: 5, acc: 0 });
    assert.ok(
      Math.abs(after.loss! - (32 * 0.5 + 5) / 33) < 1e-12 && Math.abs(after.acc! - 32 / 33) < 1e-12,
      JSON.stringify(after),
    );
  });

  test('confusion summary: accuracy, precision and recall', () => {
    const { accuracy, perClass } = summarize(
      [
        [8, 2],
        [1, 9],
      ],
      ['a', 'b'],
    );
    assert.equal(accuracy, 17 / 20);
    assert.deepEqual(
      perClass.map((c) => [c.precision, c.recall, c.support]),
      [
        [8 / 9, 8 / 10, 10],
        [9 / 11, 9 / 10, 10],
      ],
    );
    assert.deepEqual(decide([0.2]), { predicted: 0, confidence: 0.8 });
    assert.deepEqual(decide([0.1, 0.7, 0.2]), { predicted: 1, confidence: 0.7 });
  });

  test('a model saved without tfjs-node loads back with identical predictions', async () => {
    const model = tinyCnn({ classCount: 3 });
    const dir = tempDir();
    await model.save(fileSaveHandler(dir));
    const loaded = await loadModel(join(dir, 'model.json'));
    const x = tf.randomUniform([2, 8, 8, 3], 0, 1, 'float32', 4);
    const [a, b] = [model.predict(x) as tf.Tensor, loaded.predict(x) as tf.Tensor];
    assert.deepEqual(Array.from(a.dataSync()), Array.from(b.dataSync()));
    await assert.rejects(loadModel(join(dir, 'missing.json')), /cannot read model .*missing\.json/);
  });

  test('train learns an easy task end to end, writes the report, and the saved model evaluates and predicts', async () => {
    const { dir, src } = await darkBrightShards(16);
    const out = tempDir();
    const result = await trainModel({
      shards: dir,
      out,
      seed: 1,
      backend: { choice: 'wasm' },
      input: { batchSize: 8, shuffleBuffer: 32, cycleLength: 2, prefetch: 2 },
      augment: { horizontalFlip: true },
      model: { filters: [4], denseUnits: 8, dropout: 0 },
      schedule: { epochs: 6, learningRate: 0.01, patience: 0, lrPatience: 0 },
    });
    assert.equal(result.backend.name, 'wasm');
    assert.ok(result.evaluation.accuracy >= 0.9, `validation accuracy ${result.evaluation.accuracy}`);
    for (const file of [
      'index.html',
      'history.png',
      'confusion.png',
      'misclassified.png',
      'history.json',
      'confusion.json',
      'model/model.json',
      'checkpoint/model.json',
    ]) {
      assert.ok(existsSync(join(out, file)), `${file} written`);
    }
    const history = JSON.parse(readFileSync(join(out, 'history.json'), 'utf8')) as Record<string, number[]>;
    assert.equal(history.loss?.length, 6);

    const evaluation = await evaluateModel({ model: join(out, 'model'), shards: dir, backend: { choice: 'wasm' } });
    assert.equal(evaluation.split, 'validation');
    assert.equal(evaluation.accuracy, result.evaluation.accuracy);
    const predictions = await predictFiles({
      model: join(out, 'model'),
      backend: { choice: 'wasm' },
      files: [join(src, 'dark/0.png'), join(src, 'bright/0.png'), join(src, 'missing.png')],
    });
    assert.deepEqual(
      predictions.slice(0, 2).map((p) => p.className),
      ['dark', 'bright'],
    );
    assert.match(predictions[2]!.error!, /ENOENT/);
  });

  test('--resume keeps a better checkpoint: a worse epoch does not replace it, and its weights are the ones saved at the end', async () => {
    const { dir } = await darkBrightShards(8);
    const out = tempDir();
    const options = {
      shards: dir,
      out,
      backend: { choice: 'wasm' as const },
      input: { batchSize: 8, shuffleBuffer: 0, cycleLength: 1, prefetch: 1 },
      model: { filters: [2], denseUnits: 2, dropout: 0 },
      schedule: { epochs: 1, learningRate: 0.01, patience: 0, lrPatience: 0 },
    };
    await trainModel(options);
    const checkpoint = join(out, 'checkpoint');
    const info = JSON.parse(readFileSync(join(checkpoint, 'training.json'), 'utf8')) as {
      valLoss: number;
      epoch: number;
    };
    writeFileSync(join(checkpoint, 'training.json'), JSON.stringify({ ...info, valLoss: 1e-9 })); // no epoch can beat it
    const weights = readFileSync(join(checkpoint, 'weights.bin'));
    for (const resumedOut of [out, tempDir()]) {
      await trainModel({
        ...options,
        out: resumedOut,
        resume: checkpoint,
        schedule: { ...options.schedule, learningRate: 0.5 },
      });
      const kept = JSON.parse(readFileSync(join(resumedOut, 'checkpoint', 'training.json'), 'utf8')) as {
        valLoss: number;
        epoch: number;
      };
      assert.deepEqual([kept.valLoss, kept.epoch], [1e-9, info.epoch]);
      assert.deepEqual(readFileSync(join(resumedOut, 'checkpoint', 'weights.bin')), weights);
      assert.deepEqual(
        readFileSync(join(resumedOut, 'model', 'weights.bin')),
        weights,
        'the best weights are restored at the end',
      );
    }
  });

  test('transfer learning keeps the base frozen, and --fine-tune unfreezes its top layers', async () => {
    const base = tinyCnn({ classCount: 5, filters: [4, 8] });
    const baseDir = tempDir();
    await base.save(fileSaveHandler(baseDir));
    const { dir } = await darkBrightShards(8);
    const options = {
      shards: dir,
      backend: { choice: 'wasm' as const },
      input: { batchSize: 8, shuffleBuffer: 0, cycleLength: 1, prefetch: 1 },
      schedule: { epochs: 1, learningRate: 0.01, patience: 0, lrPatience: 0 },
    };
    const model = (fineTune: number) => ({
      filters: [4],
      denseUnits: 8,
      dropout: 0,
      base: join(baseDir, 'model.json'),
      fineTune,
    });
    // The base's first conv kernel, found by shape (the new head's weights come first in the combined model).
    const convKernel = (model: tf.LayersModel) =>
      model
        .getWeights()
        .find((w) => w.shape.join() === '3,3,3,4')!
        .dataSync();
    const firstConv = async (out: string) => convKernel(await loadModel(join(out, 'model', 'model.json')));
    const frozen = tempDir();
    await trainModel({ ...options, out: frozen, model: model(0) });
    const baseConv = convKernel(base);
    assert.deepEqual(Array.from(await firstConv(frozen)), Array.from(baseConv), 'frozen base weights unchanged');
    const tuned = tempDir();
    await trainModel({ ...options, out: tuned, model: model(100) });
    assert.notDeepEqual(Array.from(await firstConv(tuned)), Array.from(baseConv), 'fine-tuned base weights move');
  });

  test('a base served over HTTP: frozen, its features computed once per image, the head trained on them, the whole model checkpointed', async () => {
    const { dir, manifest } = await darkBrightShards(12);
    const common = {
      shards: dir,
      backend: { choice: 'wasm' as const },
      input: { batchSize: 8, shuffleBuffer: 0, cycleLength: 1, prefetch: 1 },
    };
    const model = { filters: [4, 8], denseUnits: 8, dropout: 0 };
    const schedule = (epochs: number, learningRate = 0.05) => ({ epochs, learningRate, patience: 0, lrPatience: 0 });
    const baseRun = tempDir();
    await trainModel({ ...common, out: baseRun, model, schedule: schedule(2) });
    const baseFolder = join(baseRun, 'model');
    const server = createServer((req, res) => {
      const file = join(baseFolder, (req.url ?? '/').slice(1));
      if (!existsSync(file)) return void res.writeHead(404).end();
      res.writeHead(200).end(readFileSync(file));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const base = await loadModel(join(baseFolder, 'model.json'));
      // Every base weight but those of its last layer, which the cut removes.
      const baseWeights = base.layers
        .slice(0, -1)
        .flatMap((layer) => layer.getWeights().map((w) => Array.from(w.dataSync())));
      const run = async (featureCache: boolean) => {
        const out = tempDir();
        const logs: string[] = [];
        const result = await trainModel({
          ...common,
          out,
          schedule: schedule(3),
          model: { ...model, base: `${url}/model.json`, featureCache },
          onLog: (m) => logs.push(m),
        });
        const saved = await loadModel(join(out, 'model', 'model.json'));
        const checkpoint = await loadModel(join(out, 'checkpoint', 'model.json'));
        return { out, logs, result, saved, checkpoint };
      };
      const cached = await run(true);
      const counts = `${manifest.splits.train!.records} + ${manifest.splits.validation!.records} images`;
      assert.ok(
        cached.logs.some((l) => l.startsWith(`feature cache: the frozen base ran once over ${counts}`)),
        cached.logs.join('\n'),
      );
      assert.equal(
        cached.saved.countParams(),
        cached.checkpoint.countParams(),
        'the checkpoint holds the whole model, not only the head',
      );
      const savedWeights = cached.saved.getWeights().map((w) => Array.from(w.dataSync()));
      for (const [k, w] of baseWeights.entries())
        assert.ok(
          savedWeights.some((s) => s.length === w.length && s.every((v, i) => v === w[i])),
          `frozen base weight ${k} is unchanged`,
        );
      // Stage two of the recipe: continue with the base's top two weighted layers unfrozen, at a low learning rate.
      // Without its val_loss the checkpoint is no best to keep: an epoch that does not beat it would otherwise
      // end with the checkpoint's weights restored, unmoved (what the --resume test checks).
      const checkpoint = join(cached.out, 'checkpoint');
      const { valLoss: _, ...info } = JSON.parse(readFileSync(join(checkpoint, 'training.json'), 'utf8')) as {
        valLoss?: number;
      };
      writeFileSync(join(checkpoint, 'training.json'), JSON.stringify(info));
      const stageTwo = tempDir();
      await trainModel({
        ...common,
        out: stageTwo,
        schedule: schedule(1, 1e-3),
        resume: checkpoint,
        model: { ...model, fineTune: 2 },
      });
      const weightOf = async (out: string, shape: string) =>
        (await loadModel(join(out, 'model', 'model.json')))
          .getWeights()
          .find((w) => w.shape.join() === shape)!
          .dataSync();
      assert.deepEqual(
        Array.from(await weightOf(stageTwo, '3,3,3,4')),
        Array.from(await weightOf(cached.out, '3,3,3,4')),
        'the first conv stays frozen',
      );
      assert.notDeepEqual(
        Array.from(await weightOf(stageTwo, '8,8')),
        Array.from(await weightOf(cached.out, '8,8')),
        'the top dense layer of the base moves',
      );
      const through = await run(false);
      assert.ok(
        !through.logs.some((l) => l.startsWith('feature cache')),
        'without the cache the head trains through the base',
      );
      await assert.rejects(
        trainModel({
          ...common,
          out: tempDir(),
          schedule: schedule(1),
          model: { ...model, base: `${url}/missing/model.json` },
        }),
        (err: Error) => err.message.includes(`${url}/missing/model.json`),
      );
      await assert.rejects(
        trainModel({
          ...common,
          out: tempDir(),
          schedule: schedule(1),
          model: { ...model, base: `${url}/model.json`, baseLayer: 'nope' },
        }),
        /--base-layer nope: the base has no such layer; its last layers are .*dense/,
      );
    } finally {
      server.close();
    }
  });

  test("cached features are the frozen part's outputs for every image; cached batches give every row once an epoch, reshuffled", async () => {
    await initBackend({ choice: 'wasm', threads: 2 });
    const { dir, manifest } = await darkBrightShards(6);
    const frozen = tf.sequential({
      layers: [
        tf.layers.flatten({ inputShape: [8, 8, 3] }),
        tf.layers.dense({ units: 4, kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }) }),
      ],
    });
    const data = () =>
      shardDataset(dir, manifest, 'train', {
        batchSize: 4,
        rescale: 1 / 255,
        prefetch: 1,
        cycleLength: 1,
        shuffleBuffer: 0,
        seed: 1,
      });
    const cache = await cacheFeatures(frozen, data());
    const expected: number[] = [];
    const labels: number[] = [];
    await data().forEachAsync((b) => {
      expected.push(...(frozen.predict(b.xs) as tf.Tensor).dataSync());
      labels.push(...b.ys.dataSync());
    });
    assert.equal(cache.count, manifest.splits.train!.records);
    assert.deepEqual(Array.from(cache.features), expected);
    assert.deepEqual(Array.from(cache.labels), labels);
    const rowsOfEpoch = async (dataset: tf.data.Dataset<tf.TensorContainerObject>) => {
      const rows: string[] = [];
      await dataset.forEachAsync((b) => {
        const xs = (b.xs as tf.Tensor).arraySync() as number[][];
        const ys = (b.ys as tf.Tensor).arraySync() as number[][];
        for (const [i, row] of xs.entries()) rows.push(`${row.join()}|${ys[i]!.join()}`);
      });
      return rows;
    };
    const batches = cachedBatches(cache, 4, 7);
    const [first, second] = [await rowsOfEpoch(batches), await rowsOfEpoch(batches)];
    const sortedRows = labels.map((label, k) => `${expected.slice(4 * k, 4 * k + 4).join()}|${label}`).sort();
    assert.deepEqual(first.slice().sort(), sortedRows, 'every row with its label once');
    assert.deepEqual(second.slice().sort(), sortedRows);
    assert.notDeepEqual(first, second, 'a new order each epoch');
  });
});

describe('shards that no longer hold what the manifest lists', () => {
  /** Images read from the train split, and the error that ended the read. */
  async function readTrainSplit(dir: string, manifest: Manifest): Promise<{ images: number; error: unknown }> {
    let images = 0;
    try {
      for await (const group of labelledImageGroups(splitShards(dir, manifest, 'train'), manifest, {
        cycleLength: 2,
        shuffleBuffer: 0,
        seed: 1,
      }))
        images += group.length;
    } catch (error) {
      return { images, error };
    }
    return { images, error: undefined };
  }

  function expectShardError(error: unknown, shard: string, reason: RegExp): void {
    assert.ok(error instanceof Error, `an error: ${String(error)}`);
    assert.ok(error.message.startsWith(`${shard}: `), error.message);
    assert.match(error.message, reason);
  }

  const cuts = {
    'an emptied shard': () => 0,
    'a shard cut at a record boundary': (offsets: number[]) => offsets[2]!,
  };
  for (const [name, cutAt] of Object.entries(cuts)) {
    test(`${name} is refused before any image is read, naming the shard`, async () => {
      const { dir, manifest } = await darkBrightShards(20);
      const shard = join(dir, manifest.splits.train!.shards[1]!.file);
      const offsets = (await collect(readTFRecords(shard))).map((r) => r.offset);
      truncateSync(shard, cutAt(offsets));
      const { images, error } = await readTrainSplit(dir, manifest);
      assert.equal(images, 0);
      expectShardError(
        error,
        shard,
        new RegExp(
          `^\\S+: ${cutAt(offsets)} bytes, but manifest.json lists ${manifest.splits.train!.shards[1]!.bytes};`,
        ),
      );
      assert.ok(error instanceof ShardMismatchError);
    });
  }

  test('a shard holding fewer records than its manifest entry says is named once read', async () => {
    const { dir, manifest } = await darkBrightShards(20);
    const entry = manifest.splits.train!.shards[0]!;
    const edited = structuredClone(manifest);
    edited.splits.train!.shards[0]!.records += 1;
    const { error } = await readTrainSplit(dir, edited);
    expectShardError(
      error,
      join(dir, entry.file),
      new RegExp(`holds ${entry.records} records, but manifest.json lists ${entry.records + 1}`),
    );
  });

  test('a shard whose classes differ from its manifest entry (a swapped shard of the same size) is named', async () => {
    const { dir, manifest } = await darkBrightShards(20);
    const edited = structuredClone(manifest);
    const entry = edited.splits.train!.shards.find((s) => s.classCounts[0] !== s.classCounts[1])!;
    entry.classCounts.reverse();
    const { error } = await readTrainSplit(dir, edited);
    expectShardError(error, join(dir, entry.file), /records per class, but manifest\.json lists/);
  });

  test('a record with valid CRCs but malformed protobuf names the shard and the offset', async () => {
    const { dir, manifest } = await darkBrightShards(20);
    const shard = join(dir, manifest.splits.train!.shards[0]!.file);
    const records = await collect(readTFRecords(shard));
    const bad = records[1]!;
    // Same length, valid frame: a nested message whose length runs past the record's end.
    const garbage = Buffer.alloc(bad.data.length, 0xff);
    garbage[0] = 0x0a;
    const bytes = readFileSync(shard);
    frameRecord(garbage).copy(bytes, bad.offset);
    writeFileSync(shard, bytes);
    const { error } = await readTrainSplit(dir, manifest);
    expectShardError(
      error,
      shard,
      new RegExp(
        `not a shardline image record: malformed tf\\.train\\.Example: .*\\(record at byte offset ${bad.offset}\\)$`,
      ),
    );
  });
});
