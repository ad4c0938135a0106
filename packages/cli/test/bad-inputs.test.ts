import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { OptionError } from '@shardline/errors';
import type { DeepPartial } from '@shardline/options';
import { listSource, packDataset } from '@shardline/pack';
import { readManifest } from '@shardline/shards';
import {
  bmp,
  CLI,
  FIXTURES,
  idxFiles,
  imageBytes,
  packDefaults,
  ppm,
  REPO_ROOT,
  tempDir,
  writeFiles,
} from '@shardline/test-support';
import { encodeExample, frameRecord, int64Feature, readIndex } from '@shardline/tfrecord/internal';
import { buildCnn, fileSaveHandler, type TrainOptions, trainModel } from '@shardline/train/internal';

function cli(...args: string[]): { status: number | null; stderr: string } {
  const run = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
  return { status: run.status, stderr: run.stderr };
}

function cliAsync(...args: string[]): Promise<{ status: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('close', (status) => resolve({ status, stderr }));
  });
}

describe('the CLI names the bad input and exits non-zero', () => {
  test('a missing source folder', () => {
    const run = cli('pack', '--src', '/nonexistent/photos', '--out', tempDir());
    assert.equal(run.status, 1);
    assert.match(run.stderr, /shardline: source \/nonexistent\/photos does not exist/);
  });

  /** Each: the command's arguments, and the start of what the line must say after "shardline: ". */
  const badOptions: [string[], string][] = [
    [
      ['pack', '--image-size', '64xlarge'],
      '--image-size 64xlarge: must be N (for NxN) or HEIGHTxWIDTH (Keras target_size order)',
    ],
    [['pack', '--image-size', '0'], '--image-size 0: must be an integer from 1 to 4096'],
    [['pack', '--shard-size', 'lots'], '--shard-size lots: must be a size such as 64MB'],
    [['pack', '--shard-size', '0'], '--shard-size 0: must be an integer of at least 1'],
    [['pack', '--workers', 'abc'], '--workers abc: must be an integer from 0 to '],
    [['pack', '--workers', '-1'], '--workers -1: must be an integer from 0 to '],
    [['pack', '--workers', '1000'], '--workers 1000: must be an integer from 0 to '],
    [['pack', '--jpeg-quality', '0'], '--jpeg-quality 0: must be an integer from 1 to 100'],
    [['pack', '--jpeg-quality', '101'], '--jpeg-quality 101: must be an integer from 1 to 100'],
    [['pack', '--max-pixels', '-1'], '--max-pixels -1: must be an integer of at least 1'],
    [['pack', '--max-pixels', '0'], '--max-pixels 0: must be an integer of at least 1'],
    [['pack', '--validation-split', '1'], '--validation-split 1: must be a number from 0 and below 1'],
    [['train', '--batch-size', '0'], '--batch-size 0: must be an integer of at least 1'],
    [['train', '--num-shards', '3', '--shard-index', '3'], '--shard-index 3: must be below --num-shards (3)'],
    [['train', '--num-shards', '0'], '--num-shards 0: must be an integer of at least 1'],
    [['train', '--batch-size', '-1'], '--batch-size -1: must be an integer of at least 1'],
    [['train', '--batch-size', '1.5'], '--batch-size 1.5: must be an integer of at least 1'],
    [['train', '--brightness-range', 'abc'], '--brightness-range abc: must be a [low, high] pair of 2 values'],
    [
      ['train', '--brightness-range', '1.2,0.8'],
      '--brightness-range 1.2,0.8: must be a [low, high] pair with low <= high',
    ],
    [['train', '--dropout', '1.5'], '--dropout 1.5: must be a number from 0 and below 1'],
    [['train', '--zoom-range', '5'], '--zoom-range 5: must be a number from 0 and below 1'],
    [['train', '--learning-rate', '0'], '--learning-rate 0: must be a number above 0'],
    [['train', '--learning-rate', '-1'], '--learning-rate -1: must be a number above 0'],
    [['train', '--learning-rate', 'NaN'], '--learning-rate NaN: must be a number above 0'],
    [['train', '--shuffle-buffer', '-1'], '--shuffle-buffer -1: must be an integer of at least 0'],
    [['train', '--cycle-length', '0'], '--cycle-length 0: must be an integer of at least 1'],
    [['train', '--filters', '16,x'], '--filters 16,x: every value must be an integer of at least 1'],
    [['train', '--threads', '9'], '--threads 9: must be an integer from 1 to 8'],
    [['evaluate', '--threads', '0'], '--threads 0: must be an integer from 1 to 8'],
    [
      ['bench', 'train', '--models', 'demo,foo'],
      '--models demo,foo: every value must be one of "demo", "fmnist", "catsdogs150"',
    ],
    [['bench', 'train', '--rounds', '0'], '--rounds 0: must be an integer of at least 1'],
    [['bench', 'io', '--batch-size', '0'], '--batch-size 0: must be an integer of at least 1'],
    [['sample', '--count', '0'], '--count 0: must be an integer from 3 to 1000000'],
    [['sample', '--image-size', '8x8'], '--image-size 8x8: must be an integer from 16 to 4096'],
    [['inspect', '/nonexistent', '--records', '-1'], '--records -1: must be an integer of at least 0'],
  ];
  test('every bad option value is refused before any work: one line naming the option, the value and the range, exit 2', async () => {
    const src = tempDir();
    writeFiles(src, { 'a/1.png': await imageBytes('png'), 'b/1.png': await imageBytes('png') });
    const runs = await Promise.all(
      badOptions.map(async ([args]) => {
        const out = join(tempDir(), 'out');
        const where =
          { pack: ['--src', src, '--out', out], train: ['--shards', src, '--out', out], sample: ['--out', out] }[
            args[0] as string
          ] ?? [];
        return { out, run: await cliAsync(...args, ...where) };
      }),
    );
    runs.forEach(({ out, run }, i) => {
      const [args, expected] = badOptions[i]!;
      assert.equal(run.status, 2, `${args.join(' ')}: ${run.stderr}`);
      assert.ok(run.stderr.startsWith(`shardline: ${expected}`), `${args.join(' ')}: ${run.stderr}`);
      assert.equal(run.stderr.trim().split('\n').length, 1, 'one line');
      assert.equal(existsSync(out), false, `${args.join(' ')}: nothing written`);
    });
  });

  test('pack refuses an output folder inside the source, one class, and a split that leaves a class nothing to train on', async () => {
    const src = tempDir();
    writeFiles(src, {
      'a/1.png': await imageBytes('png'),
      'a/2.png': await imageBytes('png'),
      'b/1.png': await imageBytes('png'),
    });
    const inside = cli('pack', '--src', src, '--out', join(src, 'shards'));
    assert.equal(inside.status, 2);
    assert.match(inside.stderr, /^shardline: --out \S+shards: must not be inside the source folder/);
    const split = cli('pack', '--src', src, '--out', tempDir(), '--validation-split', '0.999');
    assert.equal(split.status, 2);
    assert.match(
      split.stderr,
      /^shardline: --validation-split 0\.999: leaves class\(es\) a, b with no training images/,
    );
    const one = tempDir();
    writeFiles(one, { 'only/1.png': await imageBytes('png') });
    const single = cli('pack', '--src', one, '--out', tempDir());
    assert.equal(single.status, 1);
    assert.match(single.stderr, /^shardline: \S+ has one class \(only\): a classifier needs at least two/);
  });

  test('sample refuses to replace a folder that is not an earlier sample', () => {
    const out = tempDir();
    writeFileSync(join(out, 'thesis.tex'), 'years of work');
    const run = cli('sample', '--out', out, '--count', '3');
    assert.equal(run.status, 1);
    assert.match(run.stderr, /holds thesis\.tex, which a sample does not/);
    assert.equal(readFileSync(join(out, 'thesis.tex'), 'utf8'), 'years of work');
  });

  test('pack in which every input is skipped exits non-zero, listing reasons, and writes no manifest', async () => {
    const src = tempDir();
    writeFiles(src, { 'a/x.jpg': 'not a JPEG', 'b/y.png': Buffer.alloc(0) });
    const out = tempDir();
    const run = cli('pack', '--src', src, '--out', out);
    assert.equal(run.status, 1);
    assert.match(
      run.stderr,
      /shardline: every one of the 2 inputs in \S+ was skipped, so nothing was packed \(b\/y\.png: empty file; a\/x\.jpg: not an image/,
    );
    assert.equal(existsSync(join(out, 'manifest.json')), false);
  });

  test('an unexpected error is printed with its stack and called a bug; a known one is one line', () => {
    const run = spawnSync(
      process.execPath,
      [
        '-e',
        `require(${JSON.stringify(join(REPO_ROOT, 'packages', 'cli', 'dist', 'errors-output.js'))}).reportError(new TypeError('x is undefined'), [])`,
      ],
      { encoding: 'utf8' },
    );
    assert.match(run.stderr, /^TypeError: x is undefined\n\s+at /);
    assert.match(run.stderr, /shardline: this is a bug in shardline/);
    const known = cli('verify', '/nonexistent/shards');
    assert.equal(known.stderr.trim().split('\n').length, 1);
  });

  test('verify and train on a folder that is not a pack output', () => {
    const dir = tempDir();
    for (const args of [
      ['verify', dir],
      ['train', '--shards', dir, '--backend', 'cpu'],
    ]) {
      const run = cli(...args);
      assert.equal(run.status, 1);
      assert.match(run.stderr, /manifest\.json not found: is .* a folder written by 'shardline pack'\?/);
    }
  });

  test('inspect on a corrupted file, or on records that are not Examples, names the file and offset', () => {
    const file = join(tempDir(), 'bad.tfrecord');
    const example = encodeExample({ label: int64Feature(1) });
    const bytes = Buffer.concat([frameRecord(example), frameRecord(example)]);
    bytes[bytes.length - 1]! ^= 1;
    writeFileSync(file, bytes);
    const corrupt = cli('inspect', file);
    assert.equal(corrupt.status, 1);
    assert.match(
      corrupt.stderr,
      new RegExp(`${file}: corrupt record data: CRC mismatch .*\\(record at byte offset ${16 + example.length}\\)`),
    );

    writeFileSync(file, Buffer.concat([frameRecord(example), frameRecord(Buffer.from('plain text'))]));
    const notExample = cli('inspect', file);
    assert.equal(notExample.status, 1);
    assert.match(
      notExample.stderr,
      new RegExp(`${file}: record at byte offset ${16 + example.length} is not a tf.train.Example`),
    );
  });

  test('inspect shows the feature lists of a SequenceExample, and --compression overrides the guess', () => {
    const fixture = join(FIXTURES, 'pytorch-data_sequence_example.tfrecord');
    const run = spawnSync(process.execPath, [CLI, 'inspect', fixture, '--records', '4'], { encoding: 'utf8' });
    assert.equal(run.status, 0, run.stderr);
    assert.match(
      run.stdout,
      /record 3 @\d+: SequenceExample; context .*x_byte: bytes\[1\] "test str".*; feature lists .*x_float_seq: 9 step\(s\) \[float\[10\] 30,31,32,33 \|/,
    );

    const file = join(tempDir(), 'damaged-first-header.tfrecord');
    const bytes = Buffer.from(frameRecord(Buffer.from('x')));
    bytes.set([0x1f, 0x8b], 0);
    writeFileSync(file, bytes);
    assert.match(cli('inspect', file).stderr, /gzip compression was guessed from the file's first bytes/);
    assert.match(
      cli('inspect', file, '--compression', 'none').stderr,
      /corrupt length field: CRC mismatch .*\(record at byte offset 0\)$/m,
    );
  });

  test('an unknown option is refused with help', () => {
    const run = cli('pack', '--src', 'x', '--colour-mode', 'rgb');
    assert.equal(run.status, 2);
    assert.match(run.stderr, /Unknown arguments: colour-mode/);
  });
});

describe('library errors name the file and the cause', () => {
  test('manifest: invalid JSON and unknown format', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'manifest.json'), '{ not json');
    await assert.rejects(readManifest(dir), /manifest\.json is not valid JSON/);
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify({ format: 'something-else/9' }));
    await assert.rejects(readManifest(dir), /unknown manifest format 'something-else\/9'/);
  });

  test('IDX: bad magic, label count mismatch, truncated data, a label with no class name', async () => {
    const badMagic = tempDir();
    writeFileSync(join(badMagic, 'train-images-idx3-ubyte.gz'), gzipSync(Buffer.from('GIF89a not idx')));
    const labels = Buffer.alloc(9);
    labels.writeUInt32BE(0x0801, 0);
    labels.writeUInt32BE(1, 4);
    writeFileSync(join(badMagic, 'train-labels-idx1-ubyte.gz'), gzipSync(labels)); // valid, so only the images file is at fault
    await assert.rejects(listSource(badMagic), /train-images-idx3-ubyte\.gz: not an IDX file \(bad magic\)/);

    const mismatch = tempDir();
    idxFiles(mismatch, 'train', [Buffer.alloc(784), Buffer.alloc(784)], [1]);
    await assert.rejects(listSource(mismatch), /has 1 labels for 2 images/);

    const truncated = tempDir();
    idxFiles(truncated, 'train', [Buffer.alloc(784)], [1]);
    const header = Buffer.alloc(16);
    header.writeUInt32BE(0x0803, 0);
    header.writeUInt32BE(5, 4);
    header.writeUInt32BE(28, 8);
    header.writeUInt32BE(28, 12);
    writeFileSync(join(truncated, 'train-images-idx3-ubyte.gz'), gzipSync(Buffer.concat([header, Buffer.alloc(784)])));
    await assert.rejects(listSource(truncated), /IDX dimensions 5x28x28 need 3920 bytes of data, file has 784/);

    const unnamed = tempDir();
    idxFiles(unnamed, 'train', [Buffer.alloc(784), Buffer.alloc(784), Buffer.alloc(784)], [3, 4, 10]);
    await assert.rejects(
      listSource(unnamed),
      /train-labels-idx1-ubyte\.gz: label 10 at index 2 but only 10 class names/,
    );
  });

  test('sources: no class folders, and a label pattern that matches nothing', async () => {
    const flat = tempDir();
    writeFiles(flat, { 'cat.1.jpg': await imageBytes('jpeg') });
    await assert.rejects(listSource(flat), /has no class sub-folders .* use --label-pattern/);
    await assert.rejects(
      listSource(flat, { labelPattern: '^(dog)\\.' }),
      /no file name in .* matches --label-pattern \^\(dog\)\\\./,
    );
  });

  test('PPM, PGM and BMP: truncated pixels and a malformed header are skipped with a reason that says which', async () => {
    const src = tempDir();
    const noPixels = bmp(4, 4, 1).subarray(0, 54);
    writeFiles(src, {
      'a/good.ppm': ppm(4, 4, 1),
      'b/good.bmp': bmp(4, 4, 1),
      'a/short.ppm': ppm(4, 4, 1).subarray(0, 30),
      'a/ascii.pgm': 'P2\n4 4\n255\n1 2 3 4 5\n',
      'a/header.ppm': Buffer.from('P6\nwide 4\n255\n'),
      'b/no-pixels.bmp': noPixels,
    });
    const { manifest } = await packDataset(packDefaults(src, tempDir(), { validationSplit: 0 }));
    const reasons = Object.fromEntries(manifest.skipped.map((s) => [s.file, s.reason]));
    assert.match(reasons['a/short.ppm']!, /^truncated PGM\/PPM pixel data: needs 48 bytes, has \d+$/);
    assert.match(reasons['a/ascii.pgm']!, /^truncated PGM\/PPM pixel data: needs 16 values, has 5$/);
    assert.match(reasons['a/header.ppm']!, /invalid PGM\/PPM width 'wide'/);
    assert.match(reasons['b/no-pixels.bmp']!, /^truncated BMP pixel data: 4x4 needs 48 bytes from offset 54, has 0$/);
    assert.equal(manifest.splits.train?.records, 2);
  });

  test('index file: a malformed line names the file and line', async () => {
    const file = join(tempDir(), 'x.index');
    writeFileSync(file, '0 20\n20 abc\n');
    await assert.rejects(readIndex(file), /x\.index:2: malformed index line '20 abc'/);
  });
});

describe('train refuses inconsistent inputs', () => {
  async function packedTwoClasses(validationSplit: number): Promise<string> {
    const src = tempDir();
    writeFiles(src, {
      'a/1.png': await imageBytes('png'),
      'a/2.png': await imageBytes('png'),
      'b/1.png': await imageBytes('png'),
      'b/2.png': await imageBytes('png'),
    });
    const out = tempDir();
    await packDataset(packDefaults(src, out, { width: 8, height: 8, validationSplit }));
    return out;
  }

  function options(shards: string, extra: DeepPartial<TrainOptions> = {}): DeepPartial<TrainOptions> {
    return {
      shards,
      out: tempDir(),
      backend: { choice: 'cpu' },
      input: { batchSize: 2, shuffleBuffer: 0 },
      model: { filters: [2], denseUnits: 2 },
      schedule: { epochs: 1 },
      ...extra,
    };
  }

  test('shards without a validation or test split', async () => {
    const shards = await packedTwoClasses(0);
    await assert.rejects(
      trainModel(options(shards)),
      /has no validation or test split: pack with --validation-split > 0/,
    );
  });

  test('a checkpoint trained on other classes', async () => {
    const shards = await packedTwoClasses(0.5);
    const checkpoint = tempDir();
    await buildCnn({
      inputShape: [8, 8, 3],
      classCount: 2,
      filters: [2],
      denseUnits: 2,
      dropout: 0,
      learningRate: 0.01,
    }).save(fileSaveHandler(checkpoint));
    writeFileSync(join(checkpoint, 'training.json'), JSON.stringify({ epoch: 3, classes: ['cat', 'dog'] }));
    await assert.rejects(
      trainModel(options(shards, { resume: checkpoint })),
      /was trained on classes \[cat,dog\], shards have \[a,b\]/,
    );
  });

  test('programmatic callers get the same OptionError, before any work', async () => {
    const shards = await packedTwoClasses(0.5);
    const cases: [DeepPartial<TrainOptions>, string, string][] = [
      [{ input: { batchSize: 0 } }, 'input.batchSize', '--batch-size'],
      [{ augment: { zoomRange: 5 } }, 'augment.zoomRange', '--zoom-range'],
      [{ backend: { threads: 0 } }, 'backend.threads', '--threads'],
      [{ backend: { choice: 'gpu' as 'cpu' } }, 'backend.choice', '--backend'],
      [{ model: { filters: [] } }, 'model.filters', '--filters'],
    ];
    for (const [extra, option, flag] of cases) {
      await assert.rejects(
        trainModel(options(shards, extra)),
        (err: unknown) =>
          err instanceof OptionError && err.option === option && err.flag === flag && err.code === 'ERR_OPTION',
      );
    }
    const out = join(tempDir(), 'never');
    await assert.rejects(
      packDataset(packDefaults(tempDir(), out, { workers: -1 })),
      (err: unknown) => err instanceof OptionError && err.option === 'workers',
    );
    assert.equal(existsSync(out), false);
  });

  test('shards of a single class are refused before training', async () => {
    const shards = await packedTwoClasses(0.5);
    const manifestFile = join(shards, 'manifest.json');
    const manifest = JSON.parse(readFileSync(manifestFile, 'utf8')) as { classes: string[] };
    writeFileSync(manifestFile, JSON.stringify({ ...manifest, classes: ['a'] }));
    await assert.rejects(trainModel(options(shards)), /has one class \(a\): a classifier needs at least two/);
  });

  test('a --base model file that does not exist', async () => {
    const shards = await packedTwoClasses(0.5);
    await assert.rejects(
      trainModel(options(shards, { model: { base: '/nonexistent/model.json' } })),
      /cannot read model \/nonexistent\/model\.json/,
    );
  });
});
