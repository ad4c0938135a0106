import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { packDataset } from '@shardline/pack';
import type { Manifest } from '@shardline/shards';
import {
  CLI,
  csvImages,
  fer2013Csv,
  gtsrbTrainingFiles,
  packDefaults,
  tempDir,
  writeFiles,
} from '@shardline/test-support';
import type { RunRecord } from '@shardline/train';
import sharp from 'sharp';

function cli(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const run = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

/** Two classes of 8x8 PNGs, dark and bright. */
async function darkBright(): Promise<{ src: string; shards: string }> {
  const src = tempDir();
  const files: Record<string, Buffer> = {};
  for (let i = 0; i < 6; i++)
    for (const [name, level] of Object.entries({ dark: 30, bright: 220 }))
      files[`${name}/${i}.png`] = await sharp(Buffer.alloc(8 * 8 * 3, level + i), {
        raw: { width: 8, height: 8, channels: 3 },
      })
        .png()
        .toBuffer();
  writeFiles(src, files);
  const shards = tempDir();
  await packDataset(packDefaults(src, shards, { width: 8, height: 8 }));
  return { src, shards };
}

describe('preview, compare, predict --json, pack from CSV and inspect from the command line', () => {
  let data: { src: string; shards: string };
  before(async () => {
    data = await darkBright();
  });

  test('preview draws a grid without training', async () => {
    const out = join(tempDir(), 'grid.png');
    const run = cli(
      'preview',
      '--shards',
      data.shards,
      '--out',
      out,
      '--augment',
      'keras',
      '--images',
      '2',
      '--versions',
      '3',
      '--backend',
      'wasm',
    );
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /Augmentation preview: .*grid\.png/);
    const { width, height } = await sharp(out).metadata();
    assert.deepEqual([width, height], [4 * 96, 2 * (96 + 15)]);
  });

  test('two training runs compare side by side; predict --json prints one parsable array', () => {
    const train = (out: string, ...extra: string[]) =>
      cli(
        'train',
        '--shards',
        data.shards,
        '--out',
        out,
        '--epochs',
        '1',
        '--filters',
        '2',
        '--dense-units',
        '2',
        '--batch-size',
        '4',
        '--backend',
        'wasm',
        ...extra,
      );
    const [a, b] = [tempDir(), tempDir()];
    for (const run of [train(a, '--augment', 'light'), train(b, '--learning-rate', '0.001')])
      assert.equal(run.status, 0, run.stderr);
    const plot = join(tempDir(), 'both.png');
    const compared = cli('compare', a, b, '--out', plot);
    assert.equal(compared.status, 0, compared.stderr);
    assert.match(compared.stdout, /^--augment\s+light \(.*\)\s+none$/m);
    assert.match(compared.stdout, /^--learning-rate\s+0\.002\s+0\.001$/m);
    assert.match(compared.stdout, /^accuracy\s+[\d.]+% \(validation\)\s+[\d.]+% \(validation\)$/m);
    assert.ok(existsSync(plot));
    assert.equal(cli('compare', a).status, 2, 'one run is an option error');

    const predicted = cli(
      'predict',
      '--json',
      '--model',
      join(a, 'model'),
      '--backend',
      'wasm',
      join(data.src, 'dark/0.png'),
      join(data.src, 'missing.png'),
    );
    assert.equal(predicted.status, 1, 'a file that cannot be classified sets the exit code');
    const rows = JSON.parse(predicted.stdout) as {
      file: string;
      className?: string;
      confidence?: number;
      error?: string;
    }[];
    assert.equal(rows.length, 2);
    assert.ok(['dark', 'bright'].includes(rows[0]!.className!));
    assert.ok(rows[0]!.confidence! >= 0.5 && rows[0]!.confidence! <= 1);
    assert.match(rows[1]!.error!, /ENOENT/);
  });

  test("the demo trains with the light preset and its report shows the preview and the run's record", () => {
    const [data, shards, out] = [tempDir(), tempDir(), tempDir()];
    const run = cli(
      'demo',
      '--count',
      '60',
      '--epochs',
      '1',
      '--data',
      data,
      '--shards',
      shards,
      '--out',
      out,
      '--backend',
      'wasm',
    );
    assert.equal(run.status, 0, run.stderr);
    const record = JSON.parse(readFileSync(join(out, 'run.json'), 'utf8')) as RunRecord;
    assert.equal(record.options.augment.preset, 'light');
    assert.deepEqual([record.options.augment.horizontalFlip, record.options.augment.widthShiftRange], [true, 0.1]);
    assert.ok(record.command.includes('demo'));
    assert.equal(record.shards.path, shards);
    assert.equal(record.epochs.length, 1);
    const { epochs, lrPatience, patience } = record.options.schedule;
    assert.deepEqual([epochs, lrPatience, patience], [1, 3, 0], "the flag, then the demo's own defaults");
    assert.equal(record.keptEpoch, 1);
    const html = readFileSync(join(out, 'index.html'), 'utf8');
    assert.match(html, /<img src="augment\.png"/);
    assert.ok(existsSync(join(out, 'augment.png')));
    assert.match(html, /<td>command<\/td><td[^>]*><code>[^<]*demo --count 60/);
    assert.match(html, new RegExp(`<td>shards</td><td[^>]*>${shards}: train \\d+ in \\d+ shard\\(s\\)`));
  });

  test('pack reads a pixel CSV and label tables from their flags, and refuses a bad shape with its flag', () => {
    const dir = tempDir();
    writeFiles(dir, { 'fer.csv': fer2013Csv(csvImages(10, 2), (i) => (i % 5 === 4 ? 'PrivateTest' : 'Training')) });
    const out = tempDir();
    const packed = cli(
      'pack',
      '--src',
      join(dir, 'fer.csv'),
      '--out',
      out,
      '--label-column',
      'emotion',
      '--split-column',
      'Usage',
      '--color-mode',
      'grayscale',
      '--image-size',
      '8',
    );
    assert.equal(packed.status, 0, packed.stderr);
    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as Manifest;
    assert.deepEqual([manifest.splits.train?.records, manifest.splits.test?.records], [8, 2]);
    const badShape = cli(
      'pack',
      '--src',
      join(dir, 'fer.csv'),
      '--out',
      tempDir(),
      '--label-column',
      'emotion',
      '--image-shape',
      '8x8',
    );
    assert.equal(badShape.status, 2);
    assert.match(badShape.stderr, /--image-shape 8x8: must be HEIGHTxWIDTHxCHANNELS/);

    const gtsrb = tempDir();
    writeFiles(gtsrb, gtsrbTrainingFiles(2, 3));
    const labelled = cli(
      'pack',
      '--src',
      gtsrb,
      '--out',
      tempDir(),
      '--labels',
      '*/GT-*.csv',
      '--filename-column',
      'Filename',
      '--label-column',
      'ClassId',
      '--roi-columns',
      'Roi.X1,Roi.Y1,Roi.X2,Roi.Y2',
      '--image-size',
      '4',
    );
    assert.equal(labelled.status, 0, labelled.stderr);
    assert.match(labelled.stdout, /^total\s+\d+\s+\d+$/m);
  });

  test('inspect names the shard-file counts once', () => {
    const run = cli('inspect', data.shards);
    assert.equal(run.status, 0, run.stderr);
    assert.equal(run.stdout.match(/train \d+, validation \d+/g)?.length, 1);
    assert.match(run.stdout, /^shard files: train 1, validation 1$/m);
  });

  test('pack, inspect and verify run without loading tfjs; train loads it', () => {
    const loadsTfjs = (...args: string[]) => {
      const script = `process.argv = [process.execPath, ${JSON.stringify(CLI)}, ...${JSON.stringify(args)}];
        process.on('exit', () => console.error('tfjs loaded: ' + Object.keys(require.cache).some((m) => m.includes('@tensorflow'))));
        require(${JSON.stringify(CLI)});`;
      // A time limit: a decode process that ran this script again would start packs without end.
      const run = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 120_000 });
      return /tfjs loaded: (\w+)/.exec(run.stderr)?.[1];
    };
    assert.equal(loadsTfjs('inspect', data.shards), 'false');
    assert.equal(loadsTfjs('verify', data.shards), 'false');
    assert.equal(loadsTfjs('pack', '--src', data.src, '--out', tempDir(), '--image-size', '8'), 'false');
    assert.equal(loadsTfjs('train', '--help'), 'true');
  });
});
