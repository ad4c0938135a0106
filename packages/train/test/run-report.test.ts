import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { OptionError } from '@shardline/errors';
import { packDataset } from '@shardline/pack';
import { readManifest } from '@shardline/shards';
import { packDefaults, tempDir, writeFiles } from '@shardline/test-support';
import {
  AUGMENT_PREVIEW_FILE,
  compareRuns,
  EpochRecorder,
  formatComparison,
  InputWaitMeter,
  initBackend,
  PlateauCallback,
  previewAugmentation,
  type RunRecord,
  readRunRecord,
  trainModel,
  trainOptions,
} from '@shardline/train/internal';
import * as tf from '@tensorflow/tfjs';
import sharp from 'sharp';
import { tinyCnn } from './helpers/tiny-cnn';

/** Three classes of 12x12 PNGs with a shape each, so augmentations visibly move something. */
async function shapeShards(perClass: number): Promise<string> {
  const src = tempDir();
  const files: Record<string, Buffer> = {};
  for (let i = 0; i < perClass; i++)
    for (const [name, draw] of Object.entries(SHAPES)) {
      const pixels = Buffer.alloc(12 * 12 * 3, 20);
      for (let y = 0; y < 12; y++)
        for (let x = 0; x < 12; x++)
          if (draw(x, y)) pixels.fill(200 + (i % 40), (y * 12 + x) * 3, (y * 12 + x + 1) * 3);
      files[`${name}/${i}.png`] = await sharp(pixels, { raw: { width: 12, height: 12, channels: 3 } })
        .png()
        .toBuffer();
    }
  writeFiles(src, files);
  const dir = tempDir();
  await packDataset(packDefaults(src, dir, { width: 12, height: 12, shardBytes: 4000 }));
  return dir;
}

const SHAPES: Record<string, (x: number, y: number) => boolean> = {
  bar: (x) => x >= 2 && x <= 4,
  block: (x, y) => x >= 6 && y >= 6,
  dot: (x, y) => (x - 6) ** 2 + (y - 6) ** 2 <= 4,
};

const TILE = 96;
/** One caption line under each tile. */
const CAPTION = 15;

/** The tiles of a preview grid as raw RGB, row by row. */
async function previewTiles(file: string, columns: number): Promise<Buffer[][]> {
  const { data, info } = await sharp(file).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const rowHeight = TILE + CAPTION;
  const rows = info.height / rowHeight;
  assert.ok(Number.isInteger(rows), `${info.height} px high: whole rows of tile and caption`);
  assert.equal(info.width, columns * TILE);
  return Array.from({ length: rows }, (_, r) =>
    Array.from({ length: columns }, (_, c) => {
      const tile = Buffer.alloc(TILE * TILE * 3);
      for (let y = 0; y < TILE; y++) {
        const start = ((r * rowHeight + y) * info.width + c * TILE) * 3;
        data.copy(tile, y * TILE * 3, start, start + TILE * 3);
      }
      return tile;
    }),
  );
}

/** Which of SHAPES a tile shows, from one source pixel inside each shape (tiles are scaled 8x). */
function shapeOf(tile: Buffer): string {
  const bright = (x: number, y: number) => tile[((y * 8 + 4) * TILE + x * 8 + 4) * 3]! > 100;
  return bright(3, 1) ? 'bar' : bright(10, 10) ? 'block' : 'dot';
}

describe('augmentation presets', () => {
  test('a preset sets its values, options given beside it override them, and an unknown one names --augment', () => {
    const keras = trainOptions({ augment: { preset: 'keras' } }).augment;
    assert.deepEqual(
      [keras.rotationRange, keras.widthShiftRange, keras.heightShiftRange, keras.shearRange, keras.zoomRange],
      [40, 0.2, 0.2, 0.2, 0.2],
    );
    assert.equal(keras.horizontalFlip, true);
    assert.equal(keras.fillMode, 'nearest');
    const overridden = trainOptions({
      augment: { preset: 'keras', rotationRange: 10, horizontalFlip: false, zoomRange: undefined },
    }).augment;
    assert.deepEqual([overridden.rotationRange, overridden.horizontalFlip, overridden.zoomRange], [10, false, 0.2]);
    const light = trainOptions({ augment: { preset: 'light' } }).augment;
    assert.deepEqual([light.horizontalFlip, light.widthShiftRange, light.rotationRange], [true, 0.1, 0]);
    assert.equal(trainOptions().augment.horizontalFlip, false);
    assert.throws(
      () => trainOptions({ augment: { preset: 'heavy' as never } }),
      (err) => err instanceof OptionError && err.flag === '--augment' && /must be one of/.test(err.message),
    );
  });
});

describe('augmentation preview', () => {
  test('draws each class first, repeats the original with no augmentation, and is reproducible by seed', async () => {
    const shards = await shapeShards(4);
    await initBackend({ choice: 'wasm' });
    const out = tempDir();
    const plain = await previewAugmentation({
      shards,
      out: join(out, 'none.png'),
      images: 3,
      versions: 2,
      backend: { choice: 'wasm' },
    });
    const rows = await previewTiles(plain, 3);
    assert.equal(rows.length, 3);
    for (const row of rows) for (const tile of row.slice(1)) assert.ok(tile.equals(row[0]!), 'unaugmented copy');
    assert.deepEqual(rows.map((row) => shapeOf(row[0]!)).sort(), ['bar', 'block', 'dot'], 'one image of each class');

    const draw = (seed: number, name: string) =>
      previewAugmentation({
        shards,
        out: join(out, name),
        images: 3,
        versions: 2,
        seed,
        augment: { preset: 'keras' },
        backend: { choice: 'wasm' },
      });
    const [a, b, c] = [await draw(1, 'a.png'), await draw(1, 'b.png'), await draw(2, 'c.png')];
    assert.ok(readFileSync(a).equals(readFileSync(b)), 'same seed, same preview');
    assert.ok(!readFileSync(a).equals(readFileSync(c)), 'another seed draws other augmentations');
    const augmented = await previewTiles(a, 3);
    assert.ok(
      augmented.every((row, r) => row[0]!.equals(rows[r]![0]!)),
      'originals in the first column',
    );
    assert.ok(
      augmented.every((row) => !row[1]!.equals(row[0]!)),
      'augmented versions differ from the original',
    );

    const manifest = await readManifest(shards);
    const validationOnly = tempDir();
    writeFiles(validationOnly, {
      'manifest.json': JSON.stringify({ ...manifest, splits: { validation: manifest.splits.validation } }),
    });
    await assert.rejects(
      previewAugmentation({ shards: validationOnly, out: join(out, 'x.png'), backend: { choice: 'wasm' } }),
      new RegExp(`${validationOnly} has no 'train' split`),
    );
  });
});

describe('run record', () => {
  test('run.json records options, shards, backend, epochs and versions; the report shows them; compare reads two runs', async () => {
    const shards = await shapeShards(8);
    const manifest = await readManifest(shards);
    const common = {
      shards,
      backend: { choice: 'wasm' as const },
      input: { batchSize: 8, shuffleBuffer: 16, cycleLength: 2, prefetch: 1 },
      model: { filters: [4], denseUnits: 8, dropout: 0 },
      schedule: { epochs: 3, learningRate: 0.01, patience: 0, lrPatience: 0 },
    };
    const light = tempDir();
    const result = await trainModel({ ...common, out: light, augment: { preset: 'light', heightShiftRange: 0.05 } });
    const run = JSON.parse(readFileSync(join(light, 'run.json'), 'utf8')) as RunRecord;
    assert.deepEqual(run, JSON.parse(JSON.stringify(result.run)));
    assert.equal(run.format, 'shardline-run/1');
    assert.ok(Array.isArray(run.command) && run.command.length > 0);
    assert.deepEqual(
      [run.options.augment.preset, run.options.augment.widthShiftRange, run.options.augment.heightShiftRange],
      ['light', 0.1, 0.05],
    );
    assert.equal(run.options.schedule.epochs, 3);
    assert.equal(run.options.input.rescale, 1 / 255, 'defaults filled in');
    assert.deepEqual(run.shards.classes, ['bar', 'block', 'dot']);
    assert.equal(run.shards.splits.train?.records, manifest.splits.train?.records);
    assert.equal(run.shards.splits.train?.shards, manifest.splits.train?.shards.length);
    assert.deepEqual(run.shards.image, manifest.image);
    assert.equal(run.backend.name, 'wasm');
    assert.ok(run.backend.threads >= 1);
    assert.deepEqual(
      run.epochs.map((e) => e.epoch),
      [1, 2, 3],
    );
    for (const epoch of run.epochs) {
      assert.ok(epoch.seconds > 0 && epoch.imagesPerSecond > 0);
      assert.ok(epoch.inputWaitShare >= 0 && epoch.inputWaitShare <= 1);
      assert.equal(epoch.learningRate, 0.01);
      assert.deepEqual(Object.keys(epoch.metrics).sort(), ['acc', 'loss', 'val_acc', 'val_loss']);
    }
    const valLosses = run.epochs.map((e) => e.metrics.val_loss!);
    assert.equal(run.keptEpoch, valLosses.indexOf(Math.min(...valLosses)) + 1);
    assert.equal(run.bestValLoss, Math.min(...valLosses));
    assert.equal(run.versions.tfjs, tf.version.tfjs);
    assert.match(run.versions.shardline, /^\d+\.\d+\.\d+/);
    assert.equal(run.evaluation.accuracy, result.evaluation.accuracy);

    const html = readFileSync(join(light, 'index.html'), 'utf8');
    assert.match(html, new RegExp(`<img src="${AUGMENT_PREVIEW_FILE}"`));
    assert.match(html, new RegExp(`Weights kept from epoch ${run.keptEpoch} `));
    assert.match(html, /<td>2( \(kept\))?<\/td><td>[\d.]+<\/td><td>\d+<\/td><td>[\d.]+%<\/td><td>0\.0100<\/td>/);
    assert.ok(existsSync(join(light, AUGMENT_PREVIEW_FILE)));

    const plain = tempDir();
    await trainModel({ ...common, out: plain, seed: 2 });
    assert.ok(!existsSync(join(plain, AUGMENT_PREVIEW_FILE)), 'no preview without augmentation');
    assert.match(readFileSync(join(plain, 'index.html'), 'utf8'), /None \(<code>--augment none<\/code>\)/);

    const plot = join(tempDir(), 'compare.png');
    const comparison = await compareRuns({ runs: [light, plain], out: plot });
    const rows = new Map(comparison.table.map(([label, ...cells]) => [label, cells]));
    assert.deepEqual(rows.get('--augment'), [
      'light (horizontalFlip=true widthShiftRange=0.1 heightShiftRange=0.05)',
      'none',
    ]);
    assert.deepEqual(rows.get('--seed'), ['1', '2']);
    assert.equal(rows.get('accuracy')?.length, 2);
    assert.ok(existsSync(plot));
    assert.match(formatComparison(comparison.table), /^run\s+\S+\s+\S+$/m);
    await assert.rejects(
      compareRuns({ runs: [light, shards], out: plot }),
      /is not a training run folder: .*run\.json/,
    );
    await assert.rejects(compareRuns({ runs: [light], out: plot }), /needs two run folders or more/);
    await assert.rejects(readRunRecord(shards), (err: Error) => err.message.includes(shards));
  });

  test('the epoch record follows reduce-on-plateau: each cut shows in the next epoch', async () => {
    await initBackend({ choice: 'wasm' });
    const model = tinyCnn({
      inputShape: [4, 4, 1],
      filters: [1],
      head: 'global-average',
      denseUnits: 2,
      learningRate: 0.4,
    });
    const plateau = new PlateauCallback({
      patience: 0,
      lrPatience: 1,
      lrFactor: 0.5,
      minLearningRate: 0.15,
      checkpointDir: join(tempDir(), 'checkpoint'),
      info: {
        classes: ['a', 'b'],
        image: { width: 4, height: 4, channels: 1, colorMode: 'grayscale', payload: 'raw' },
        rescale: 1,
      },
    });
    const recorder = new EpochRecorder(new InputWaitMeter(), 10);
    for (const callback of [plateau, recorder]) callback.setModel(model);
    for (const [epoch, valLoss] of [1, 1, 1, 0.5].entries()) {
      await recorder.onEpochBegin();
      await plateau.onEpochEnd(epoch, { val_loss: valLoss });
      await recorder.onEpochEnd(epoch, { val_loss: valLoss });
    }
    assert.deepEqual(
      recorder.epochs.map((e) => e.learningRate),
      [0.4, 0.4, 0.2, 0.15],
    );
  });
});
