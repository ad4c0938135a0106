import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { listSource, packDataset, readManifest } from '@shardline/pack';
import { encodeExample, frameRecord, int64Feature, readIndex } from '@shardline/tfrecord';
import { NO_AUGMENTATION, type TrainOptions, buildCnn, fileSaveHandler, trainModel } from '@shardline/train';
import { idxFiles, imageBytes, packDefaults, ppm, writeFiles } from './helpers/images';
import { FIXTURES, REPO_ROOT, tempDir } from './helpers/paths';

const CLI = join(REPO_ROOT, 'packages', 'cli', 'dist', 'main.js');

function cli(...args: string[]): { status: number | null; stderr: string } {
  const run = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
  return { status: run.status, stderr: run.stderr };
}

describe('the CLI names the bad input and exits non-zero', () => {
  test('a missing source folder', () => {
    const run = cli('pack', '--src', '/nonexistent/photos', '--out', tempDir());
    assert.equal(run.status, 1);
    assert.match(run.stderr, /shardline: source \/nonexistent\/photos does not exist/);
  });

  test('an unreadable image size and shard size', () => {
    assert.match(cli('pack', '--src', tempDir(), '--image-size', '64xlarge').stderr, /cannot read '64xlarge' as an image size/);
    assert.match(cli('pack', '--src', tempDir(), '--image-size', '0').stderr, /image size 0x0 is out of range/);
    assert.match(cli('pack', '--src', tempDir(), '--shard-size', 'lots').stderr, /cannot read 'lots' as a size/);
  });

  test('verify and train on a folder that is not a pack output', () => {
    const dir = tempDir();
    for (const args of [['verify', dir], ['train', '--shards', dir, '--backend', 'cpu']]) {
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
    assert.match(corrupt.stderr, new RegExp(`${file}: corrupt record data: CRC mismatch .*\\(record at byte offset ${16 + example.length}\\)`));

    writeFileSync(file, Buffer.concat([frameRecord(example), frameRecord(Buffer.from('plain text'))]));
    const notExample = cli('inspect', file);
    assert.equal(notExample.status, 1);
    assert.match(notExample.stderr, new RegExp(`${file}: record at byte offset ${16 + example.length} is not a tf.train.Example`));
  });

  test('inspect shows the feature lists of a SequenceExample, and --compression overrides the guess', () => {
    const fixture = join(FIXTURES, 'pytorch-data_sequence_example.tfrecord');
    const run = spawnSync(process.execPath, [CLI, 'inspect', fixture, '--records', '4'], { encoding: 'utf8' });
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /record 3 @\d+: SequenceExample; context .*x_byte: bytes\[1\] "test str".*; feature lists .*x_float_seq: 9 step\(s\) \[float\[10\] 30,31,32,33 \|/);

    const file = join(tempDir(), 'damaged-first-header.tfrecord');
    const bytes = Buffer.from(frameRecord(Buffer.from('x')));
    bytes.set([0x1f, 0x8b], 0);
    writeFileSync(file, bytes);
    assert.match(cli('inspect', file).stderr, /gzip compression was guessed from the file's first bytes/);
    assert.match(cli('inspect', file, '--compression', 'none').stderr, /corrupt length field: CRC mismatch .*\(record at byte offset 0\)$/m);
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

  test('IDX: bad magic, label count mismatch, truncated data', async () => {
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
  });

  test('sources: no class folders, and a label pattern that matches nothing', async () => {
    const flat = tempDir();
    writeFiles(flat, { 'cat.1.jpg': await imageBytes('jpeg') });
    await assert.rejects(listSource(flat), /has no class sub-folders .* use --label-pattern/);
    await assert.rejects(listSource(flat, { labelPattern: '^(dog)\\.' }), /no file name in .* matches --label-pattern \^\(dog\)\\\./);
  });

  test('PPM: truncated pixels and a malformed header are skipped with the reason', async () => {
    const src = tempDir();
    writeFiles(src, {
      'a/good.ppm': ppm(4, 4, 1),
      'a/short.ppm': ppm(4, 4, 1).subarray(0, 30),
      'a/header.ppm': Buffer.from('P6\nwide 4\n255\n'),
    });
    const { manifest } = await packDataset(packDefaults(src, tempDir(), { validationSplit: 0 }));
    const reasons = Object.fromEntries(manifest.skipped.map((s) => [s.file, s.reason]));
    assert.match(reasons['a/short.ppm']!, /truncated PGM\/PPM: needs 48 pixel bytes/);
    assert.match(reasons['a/header.ppm']!, /invalid PGM\/PPM width 'wide'/);
    assert.equal(manifest.splits.train?.records, 1);
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
    writeFiles(src, { 'a/1.png': await imageBytes('png'), 'a/2.png': await imageBytes('png'), 'b/1.png': await imageBytes('png'), 'b/2.png': await imageBytes('png') });
    const out = tempDir();
    await packDataset(packDefaults(src, out, { width: 8, height: 8, validationSplit }));
    return out;
  }

  function options(shards: string, extra: Partial<TrainOptions> = {}): TrainOptions {
    return {
      shards, out: tempDir(), backend: 'cpu', epochs: 1, batchSize: 2, learningRate: 0.01, shuffleBuffer: 0, cycleLength: 1, prefetch: 1, seed: 1,
      rescale: 1 / 255, augment: NO_AUGMENTATION, filters: [2], denseUnits: 2, dropout: 0, fineTune: 0, patience: 0, lrPatience: 0, lrFactor: 0.5, minLearningRate: 1e-5,
      ...extra,
    };
  }

  test('shards without a validation or test split', async () => {
    const shards = await packedTwoClasses(0);
    await assert.rejects(trainModel(options(shards)), /has no validation or test split: pack with --validation-split > 0/);
  });

  test('a checkpoint trained on other classes', async () => {
    const shards = await packedTwoClasses(0.5);
    const checkpoint = tempDir();
    await buildCnn({ inputShape: [8, 8, 3], classCount: 2, filters: [2], denseUnits: 2, dropout: 0, learningRate: 0.01 }).save(fileSaveHandler(checkpoint));
    writeFileSync(join(checkpoint, 'training.json'), JSON.stringify({ epoch: 3, classes: ['cat', 'dog'] }));
    await assert.rejects(trainModel(options(shards, { resume: checkpoint })), /was trained on classes \[cat,dog\], shards have \[a,b\]/);
  });

  test('a --base model file that does not exist', async () => {
    const shards = await packedTwoClasses(0.5);
    await assert.rejects(trainModel(options(shards, { base: '/nonexistent/model.json' })), /cannot read model \/nonexistent\/model\.json/);
  });
});
