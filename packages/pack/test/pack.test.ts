import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { isKnownError, OptionError, ShardlineError } from '@shardline/errors';
import { decodeImage } from '@shardline/images';
import { listSource, type PackProgress, packDataset, packOptions } from '@shardline/pack';
import { decodeImageExample, encodeImageExample, type Manifest, readManifest, verifyShards } from '@shardline/shards';
import {
  bmp,
  CLI,
  collect,
  csvImages,
  digitRecognizerCsv,
  idxFiles,
  imageBytes,
  packDefaults,
  ppm,
  tempDir,
  writeFiles,
} from '@shardline/test-support';
import { bytesFeature, decodeExample, encodeExample, getString, readTFRecords } from '@shardline/tfrecord';
import sharp from 'sharp';

async function allRecords(dir: string, manifest: Manifest) {
  const files = Object.values(manifest.splits).flatMap((s) => s!.shards.map((sh) => join(dir, sh.file)));
  const records = [];
  for (const file of files)
    for (const r of await collect(readTFRecords(file))) records.push(decodeImageExample(r.data));
  return records;
}

async function classFolderSource(perClass = 8): Promise<string> {
  const src = tempDir();
  const files: Record<string, Buffer> = {};
  for (let i = 0; i < perClass; i++) {
    files[`cats/cat.${i}.jpg`] = await imageBytes('jpeg', 40, 30, i);
    files[`dogs/dog.${i}.png`] = await imageBytes('png', 30, 40, 100 + i);
  }
  writeFiles(src, files);
  return src;
}

describe('pack', () => {
  test('class folders: stratified split, standard keys, pixels equal a direct decode', async () => {
    const src = await classFolderSource(8);
    const out = tempDir();
    const { manifest } = await packDataset(packDefaults(src, out));
    assert.deepEqual(manifest.classes, ['cats', 'dogs']);
    assert.deepEqual(manifest.splits.train?.classCounts, [6, 6]);
    assert.deepEqual(manifest.splits.validation?.classCounts, [2, 2]);
    const records = await allRecords(out, manifest);
    assert.equal(records.length, 16);
    const first = (await collect(readTFRecords(join(out, manifest.splits.train!.shards[0]!.file))))[0]!;
    const features = decodeExample(first.data);
    for (const key of Object.values(manifest.recordKeys)) assert.ok(features[key], `record has ${key}`);
    const record = records[0]!;
    assert.equal(getString(features, 'image/format'), 'raw');
    const direct = await decodeImage(
      { kind: 'file', path: join(src, record.filename) },
      { width: 16, height: 12, colorMode: 'rgb', payload: 'raw', jpegQuality: 90, maxPixels: 1e7 },
    );
    assert.ok(direct.ok);
    assert.deepEqual(Buffer.from(record.encoded), Buffer.from(direct.data));
    assert.equal(record.label, record.filename.startsWith('cats/') ? 0 : 1);
    assert.equal((await verifyShards(out)).ok, true);
  });

  test('image records: the payload format is matched whatever its case, and an unknown one is refused by name', () => {
    const image = {
      ok: true as const,
      data: new Uint8Array(12),
      width: 2,
      height: 2,
      channels: 3 as const,
      format: 'raw' as const,
    };
    assert.equal(decodeImageExample(encodeImageExample(image, 0, 'a', 'x.png')).format, 'raw');
    for (const [written, read] of [
      ['RAW', 'raw'],
      ['jpg', 'jpeg'],
      ['JPEG', 'jpeg'],
    ] as const) {
      const record = encodeExample({
        ...decodeExample(encodeImageExample(image, 0, 'a', 'x.png')),
        'image/format': bytesFeature(written),
      });
      assert.equal(decodeImageExample(record).format, read, written);
    }
    const png = encodeExample({
      ...decodeExample(encodeImageExample(image, 0, 'a', 'x.png')),
      'image/format': bytesFeature('png'),
    });
    assert.throws(() => decodeImageExample(png), /^Error: unsupported image\/format 'png'$/);
  });

  test('the same seed gives byte-identical shards whatever the worker count and pool; another seed changes the split', async () => {
    const src = await classFolderSource(6);
    const [a, b, c, d] = [tempDir(), tempDir(), tempDir(), tempDir()];
    const one = await packDataset(packDefaults(src, a, { workers: 0 }));
    const two = await packDataset(packDefaults(src, b, { workers: 2 }));
    const processes = await packDataset(packDefaults(src, d, { workers: 2, pool: 'processes' }));
    assert.deepEqual(two.manifest.splits, one.manifest.splits);
    assert.deepEqual(processes.manifest.splits, one.manifest.splits);
    const other = await packDataset(packDefaults(src, c, { seed: 8 }));
    assert.notDeepEqual(other.manifest.splits.train?.shards[0]?.sha256, one.manifest.splits.train?.shards[0]?.sha256);
  });

  test('label pattern on a flat folder (Kaggle cat.123.jpg)', async () => {
    const src = tempDir();
    writeFiles(src, {
      'cat.1.jpg': await imageBytes('jpeg'),
      'dog.1.jpg': await imageBytes('jpeg'),
      'cat.2.jpg': await imageBytes('jpeg'),
      'readme.txt': 'hello',
    });
    const out = tempDir();
    const { manifest } = await packDataset(
      packDefaults(src, out, { labelPattern: '^(cat|dog)\\.', validationSplit: 0 }),
    );
    assert.deepEqual(manifest.classes, ['cat', 'dog']);
    assert.equal(manifest.splits.train?.records, 3);
    assert.deepEqual(manifest.skipped, [
      { file: 'readme.txt', reason: 'file name does not match --label-pattern ^(cat|dog)\\.' },
    ]);
  });

  test('--class-names selects and orders class folders as Keras class_names; others are listed as skipped', async () => {
    const src = tempDir();
    writeFiles(src, {
      'ant/1.png': await imageBytes('png'),
      'bee/1.png': await imageBytes('png'),
      'cat/1.png': await imageBytes('png', 40, 30, 1),
    });
    const out = tempDir();
    const { manifest } = await packDataset(packDefaults(src, out, { classNames: ['cat', 'ant'], validationSplit: 0 }));
    assert.deepEqual(manifest.classes, ['cat', 'ant']);
    const labels = new Map((await allRecords(out, manifest)).map((r) => [r.filename, r.label]));
    assert.deepEqual(Object.fromEntries(labels), { 'cat/1.png': 0, 'ant/1.png': 1 });
    assert.deepEqual(manifest.skipped, [{ file: 'bee/', reason: 'class folder not in --class-names' }]);
    const refused = (err: unknown) =>
      err instanceof OptionError &&
      err.flag === '--class-names' &&
      /names dog, which .* has no folder for \(it has: ant, bee, cat\)/.test(err.rule);
    await assert.rejects(packDataset(packDefaults(src, tempDir(), { classNames: ['cat', 'dog'] })), refused);
  });

  test('options left out or given as undefined take their defaults, the worker count computed for this machine', () => {
    for (const given of [{}, { workers: undefined, seed: undefined }]) {
      const options = packOptions({ src: 'in', out: 'out', ...given });
      assert.deepEqual([options.workers, options.seed, options.width], [availableParallelism(), 1, 64]);
    }
  });

  test('--image-size is HEIGHTxWIDTH, as Keras target_size', async () => {
    const src = tempDir();
    writeFiles(src, { 'a/1.png': await imageBytes('png'), 'b/1.png': await imageBytes('png') });
    const out = tempDir();
    const run = spawnSync(
      process.execPath,
      [CLI, 'pack', '--src', src, '--out', out, '--image-size', '24x32', '--workers', '0'],
      { encoding: 'utf8' },
    );
    assert.equal(run.status, 0, run.stderr);
    const { image } = await readManifest(out);
    assert.deepEqual([image.height, image.width], [24, 32]);
  });

  test('reads JPEG, PNG, PPM, PGM, BMP, GIF, WebP and AVIF; grayscale gives one channel', async () => {
    const src = tempDir();
    writeFiles(src, {
      'a/x.avif': await imageBytes('avif'),
      'a/x.jpg': await imageBytes('jpeg'),
      'a/x.png': await imageBytes('png'),
      'a/x.webp': await imageBytes('webp'),
      'a/x.gif': await imageBytes('gif'),
      'b/x.ppm': ppm(20, 10, 1),
      'b/x.pgm': ppm(20, 10, 2, true),
      'b/x.bmp': bmp(13, 7, 3),
    });
    const out = tempDir();
    const { manifest } = await packDataset(packDefaults(src, out, { colorMode: 'grayscale', validationSplit: 0 }));
    assert.deepEqual(manifest.skipped, []);
    assert.equal(manifest.splits.train?.records, 8);
    for (const r of await allRecords(out, manifest)) assert.equal(r.encoded.length, 16 * 12 * 1);
  });

  test('PPM and BMP pixels decode exactly (no resize)', async () => {
    const src = tempDir();
    writeFiles(src, { 'x.ppm': ppm(5, 4, 9), 'x.bmp': bmp(5, 4, 9) });
    const options = {
      width: 5,
      height: 4,
      colorMode: 'rgb' as const,
      payload: 'raw' as const,
      jpegQuality: 90,
      maxPixels: 1e6,
    };
    for (const file of ['x.ppm', 'x.bmp']) {
      const decoded = await decodeImage({ kind: 'file', path: join(src, file) }, options);
      assert.ok(decoded.ok, file);
      const expected = Buffer.alloc(60);
      for (let i = 0; i < 60; i++) expected[i] = (i * 7 + 9 * 31) % 256;
      assert.deepEqual(Buffer.from(decoded.data), expected, file);
    }
  });

  test("grayscale is ITU-R 601 luma of the stored values, rounded, as PIL's convert('L') and Keras give", async () => {
    const [width, height] = [64, 48];
    const rgb = Buffer.alloc(width * height * 3).map((_, i) => (i * 7919 + (i >> 5) * 104729) % 256);
    // PIL's own integer form of 0.299 R + 0.587 G + 0.114 B (Convert.c, L24).
    const luma = (r: number, g: number, b: number) => (r * 19595 + g * 38470 + b * 7471 + 0x8000) >> 16;
    const expected = Buffer.alloc(width * height).map((_, i) => luma(rgb[3 * i]!, rgb[3 * i + 1]!, rgb[3 * i + 2]!));
    const rgba = Buffer.alloc(width * height * 4).map((_, i) => (i % 4 === 3 ? 255 : rgb[(i >> 2) * 3 + (i % 4)]!));
    const src = tempDir();
    writeFiles(src, {
      'x.png': await sharp(rgb, { raw: { width, height, channels: 3 } })
        .png()
        .toBuffer(),
      'alpha.png': await sharp(rgba, { raw: { width, height, channels: 4 } })
        .png()
        .toBuffer(),
      'gray.png': await sharp(expected, { raw: { width, height, channels: 1 } })
        .png()
        .toBuffer(),
    });
    const options = {
      width,
      height,
      colorMode: 'grayscale' as const,
      payload: 'raw' as const,
      jpegQuality: 90,
      maxPixels: 1e6,
    };
    for (const file of ['x.png', 'alpha.png', 'gray.png']) {
      const decoded = await decodeImage({ kind: 'file', path: join(src, file) }, options);
      assert.ok(decoded.ok && decoded.channels === 1, file);
      assert.deepEqual(Buffer.from(decoded.data), expected, file);
    }
    // Resized: luma of the resized colour image, within rounding.
    const small = { ...options, width: 20, height: 15 };
    const resized = await sharp(rgb, { raw: { width, height, channels: 3 } })
      .resize(20, 15, { fit: 'fill' })
      .raw()
      .toBuffer();
    const decoded = await decodeImage({ kind: 'file', path: join(src, 'x.png') }, small);
    assert.ok(decoded.ok);
    for (const [i, v] of decoded.data.entries())
      assert.ok(Math.abs(v - luma(resized[3 * i]!, resized[3 * i + 1]!, resized[3 * i + 2]!)) <= 1, `pixel ${i}`);
    const jpeg = await decodeImage({ kind: 'file', path: join(src, 'x.png') }, { ...options, payload: 'jpeg' });
    assert.ok(jpeg.ok);
    assert.equal((await sharp(jpeg.data).metadata()).channels, 1);
  });

  test('bad inputs are skipped with a reason and listed; nothing else is lost', async () => {
    const src = await classFolderSource(3);
    const jpeg = await imageBytes('jpeg', 64, 64);
    const hugePng = await sharp({ create: { width: 4000, height: 3000, channels: 3, background: 'red' } })
      .png()
      .toBuffer();
    writeFiles(src, {
      'cats/empty.jpg': Buffer.alloc(0),
      'cats/text.jpg': 'this is not a JPEG',
      'cats/truncated.jpg': jpeg.subarray(0, jpeg.length >> 1),
      'dogs/huge.ppm': Buffer.from('P6\n100000 100000\n255\n'),
      'dogs/huge.png': hugePng,
      'dogs/notes.txt': 'x',
      'stray.jpg': jpeg,
    });
    const out = tempDir();
    const { manifest } = await packDataset(packDefaults(src, out, { maxPixels: 1_000_000 }));
    const reasons = Object.fromEntries(manifest.skipped.map((s) => [s.file, s.reason]));
    assert.match(reasons['cats/empty.jpg']!, /empty file/);
    assert.match(reasons['cats/text.jpg']!, /not an image/);
    assert.match(reasons['cats/truncated.jpg']!, /premature end|truncated|corrupt/i);
    assert.match(reasons['dogs/huge.ppm']!, /100000x100000, over the limit of 1000000 pixels/);
    assert.match(reasons['dogs/huge.png']!, /pixel limit/);
    assert.match(reasons['dogs/notes.txt']!, /not an image file extension/);
    assert.match(reasons['stray.jpg']!, /not inside a class folder/);
    assert.equal(manifest.skipped.length, 7);
    assert.equal((manifest.splits.train?.records ?? 0) + (manifest.splits.validation?.records ?? 0), 6);
  });

  test('MNIST-style IDX files: train and t10k become train/validation and test', async () => {
    const src = tempDir();
    const images = Array.from({ length: 20 }, (_, i) => Buffer.alloc(28 * 28, i * 10));
    idxFiles(
      src,
      'train',
      images,
      images.map((_, i) => i % 2),
    );
    idxFiles(src, 't10k', images.slice(0, 4), [0, 1, 1, 0]);
    const listing = await listSource(src);
    assert.equal(listing.layout, 'idx');
    // Each item owns its pixels: a view would send the whole IDX buffer to a worker with every image.
    for (const item of listing.items)
      assert.equal(item.input.kind === 'pixels' && item.input.data.buffer.byteLength, 28 * 28);
    const out = tempDir();
    const { manifest } = await packDataset(
      packDefaults(src, out, { width: 28, height: 28, colorMode: 'grayscale', validationSplit: 0.2 }),
    );
    assert.deepEqual(manifest.classes.slice(0, 2), ['0', '1']);
    assert.equal(manifest.splits.train?.records, 16);
    assert.equal(manifest.splits.validation?.records, 4);
    assert.deepEqual(manifest.splits.test?.classCounts.slice(0, 2), [2, 2]);
    const record = (await allRecords(out, manifest)).find((r) => r.filename === 'train-images-idx3-ubyte.gz#3')!;
    assert.deepEqual(Buffer.from(record.encoded), Buffer.alloc(28 * 28, 30));
  });

  test('small shard size rolls over into several shards with matching index files; gzip shards read back', async () => {
    const src = await classFolderSource(10);
    for (const compression of ['none', 'gzip'] as const) {
      const out = tempDir();
      const { manifest } = await packDataset(packDefaults(src, out, { shardBytes: 2000, compression }));
      assert.ok(
        manifest.splits.train!.shards.length >= 5,
        `${compression}: ${manifest.splits.train!.shards.length} shards`,
      );
      assert.equal((await allRecords(out, manifest)).length, 20);
      assert.equal((await verifyShards(out)).ok, true);
      assert.equal(
        readdirSync(out).some((f) => f.endsWith('.index')),
        compression === 'none',
      );
      // A compression given overrides the manifest's: shards read as zlib fail the zlib header check.
      const misread = await verifyShards(out, { compression: 'zlib' });
      assert.match(misread.problems.join('\n'), /the zlib stream is damaged \(incorrect header check\)/);
    }
  });

  test('an output folder from a different job is refused without --force', async () => {
    const src = await classFolderSource(3);
    const out = tempDir();
    await packDataset(packDefaults(src, out));
    const again = await packDataset(packDefaults(src, out));
    assert.equal(again.alreadyComplete, true);
    const reordered = Object.fromEntries(Object.entries({ ...packDefaults(src, out), followLinks: false }).reverse());
    assert.equal((await packDataset(reordered)).alreadyComplete, true, 'options in another order, a default given');
    await assert.rejects(packDataset(packDefaults(src, out, { width: 20 })), /different pack job.*--force/);
    const forced = await packDataset(packDefaults(src, out, { width: 20, force: true }));
    assert.equal(forced.manifest.image.width, 20);
  });

  test('verify reports a corrupted shard by file and byte offset', async () => {
    const src = await classFolderSource(4);
    const out = tempDir();
    const { manifest } = await packDataset(packDefaults(src, out, { validationSplit: 0 }));
    const shard = join(out, manifest.splits.train!.shards[0]!.file);
    const bytes = readFileSync(shard);
    bytes[bytes.length - 100]! ^= 0xff;
    writeFileSync(shard, bytes);
    const report = await verifyShards(out);
    assert.equal(report.ok, false);
    assert.ok(
      report.problems.some((p) => p.includes(shard) && /SHA-256/.test(p)),
      report.problems.join('\n'),
    );
    assert.ok(
      report.problems.some((p) => p.includes(shard) && /CRC mismatch .*\(record at byte offset \d+\)/.test(p)),
      report.problems.join('\n'),
    );
    assert.equal((await readManifest(out)).splits.train?.records, 8);
  });

  test('verify counts every good record before a damaged one in a raw shard', async () => {
    const src = await classFolderSource(60);
    const out = tempDir();
    const { manifest } = await packDataset(
      packDefaults(src, out, { validationSplit: 0, width: 64, height: 64, shardBytes: 100 << 20 }),
    );
    const shard = join(out, manifest.splits.train!.shards[0]!.file);
    const records = await collect(readTFRecords(shard));
    assert.equal(records.length, 120);
    const bytes = readFileSync(shard);
    bytes[records[100]!.offset + 20]! ^= 0x01;
    writeFileSync(shard, bytes);
    const report = await verifyShards(out);
    assert.ok(
      report.problems.includes(`${shard}: holds 100 records, but manifest.json lists 120`),
      report.problems.join('\n'),
    );
  });
});

describe('pack: links, leakage and junk', () => {
  /** Class folders a/ and b/ with two images each, plus every kind of link. */
  async function sourceWithLinks(): Promise<string> {
    const root = tempDir();
    const src = join(root, 'src');
    writeFiles(root, {
      'src/a/1.png': await imageBytes('png', 20, 20, 1),
      'src/a/2.png': await imageBytes('png', 20, 20, 2),
      'src/b/1.png': await imageBytes('png', 20, 20, 3),
      'src/b/2.png': await imageBytes('png', 20, 20, 4),
      'elsewhere/photo.png': await imageBytes('png', 20, 20, 5),
      'extra/1.png': await imageBytes('png', 20, 20, 6),
      'extra/2.png': await imageBytes('png', 20, 20, 7),
    });
    symlinkSync(join(root, 'elsewhere', 'photo.png'), join(src, 'a', 'linked.png'));
    symlinkSync(join(root, 'extra'), join(src, 'c'));
    symlinkSync(join(src, 'b'), join(src, 'b', 'loop'));
    symlinkSync(join(root, 'missing.png'), join(src, 'a', 'broken.png'));
    return src;
  }

  test('without --follow-links every link is skipped and listed with its reason', async () => {
    const src = await sourceWithLinks();
    const { manifest } = await packDataset(packDefaults(src, tempDir(), { validationSplit: 0 }));
    assert.deepEqual(manifest.classes, ['a', 'b']);
    assert.equal(manifest.splits.train?.records, 4);
    const reasons = Object.fromEntries(manifest.skipped.map((s) => [s.file, s.reason]));
    for (const link of ['a/linked.png', 'a/broken.png', 'b/loop', 'c'])
      assert.equal(reasons[link], 'a symbolic link (pass --follow-links to follow links)', link);
  });

  test('with --follow-links, links to files and folders are followed; a loop and a broken link are skipped and listed', async () => {
    const src = await sourceWithLinks();
    const { manifest } = await packDataset(packDefaults(src, tempDir(), { validationSplit: 0, followLinks: true }));
    assert.deepEqual(manifest.classes, ['a', 'b', 'c']);
    assert.deepEqual(manifest.splits.train?.classCounts, [3, 2, 2]);
    assert.deepEqual(manifest.skipped, [
      { file: 'a/broken.png', reason: 'a symbolic link whose target does not exist' },
      { file: 'b/loop', reason: 'a symbolic link loop: it points to a folder that contains it' },
    ]);
  });

  test('the pack thread reports to the caller: progress, skips and the outcome, in order; its errors keep class and code', async () => {
    const src = await classFolderSource(8);
    writeFileSync(join(src, 'cats', 'broken.png'), 'not a png');
    const events: string[] = [];
    const progress: PackProgress[] = [];
    const packed = packDataset(
      packDefaults(src, tempDir(), {
        onProgress: (p) => {
          progress.push(p);
          events.push('progress');
        },
        onSkip: (s) => events.push(`skip ${s.file}`),
      }),
    ).then(() => events.push('resolved'));
    await packed;
    assert.ok(events.includes('skip cats/broken.png'));
    assert.equal(events.at(-1), 'resolved');
    assert.ok(progress.every((p, i) => i === 0 || (p !== progress[i - 1] && p.done > progress[i - 1]!.done)));
    assert.deepEqual(progress.at(-1), { done: 17, total: 17, skipped: 1 });

    await assert.rejects(packDataset(packDefaults(join(src, 'missing'), tempDir())), (err) => {
      return err instanceof ShardlineError && err.code === 'ERR_INPUT' && /missing does not exist/.test(err.message);
    });
    const file = join(tempDir(), 'a-file');
    writeFileSync(file, '');
    await assert.rejects(packDataset(packDefaults(src, file)), (err) => {
      return isKnownError(err) && (err as NodeJS.ErrnoException).syscall === 'mkdir';
    });
  });

  test('the same image in train and validation is warned of and listed by content hash', async () => {
    const src = tempDir();
    const files: Record<string, Buffer> = {};
    for (let i = 0; i < 8; i++) {
      const image = await imageBytes('png', 20, 20, 10 + i);
      files[`a/${i}.png`] = image;
      files[`a/${i}-copy.png`] = image;
      files[`b/${i}.png`] = await imageBytes('png', 20, 20, 50 + i);
    }
    writeFiles(src, files);
    const warnings: string[] = [];
    const { manifest } = await packDataset(
      packDefaults(src, tempDir(), { validationSplit: 0.5, onWarning: (m) => warnings.push(m) }),
    );
    const duplicates = manifest.crossSplitDuplicates ?? [];
    assert.ok(duplicates.length > 0, 'some copies land in the other split');
    for (const { sha256, files: group } of duplicates) {
      assert.deepEqual(new Set(group.map((f) => f.split)), new Set(['train', 'validation']));
      assert.deepEqual(group.map((f) => f.file.replace('-copy', '')).sort(), [
        group[0]!.file.replace('-copy', ''),
        group[0]!.file.replace('-copy', ''),
      ]);
      assert.equal(
        createHash('sha256')
          .update(readFileSync(join(src, group[0]!.file)))
          .digest('hex'),
        sha256,
      );
    }
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!, new RegExp(`^${duplicates.length} image\\(s\\) appear in more than one split`));
  });

  test('a huge junk .jpg is refused by its first bytes, not read whole', async () => {
    const src = await classFolderSource(2);
    const junk = join(src, 'cats', 'junk.jpg');
    writeFileSync(junk, 'this is not a JPEG');
    truncateSync(junk, 3 * 1024 ** 3); // sparse: 3 GiB, more than readFile would even take
    const { manifest } = await packDataset(packDefaults(src, tempDir(), { validationSplit: 0 }));
    const skipped = manifest.skipped.find((s) => s.file === 'cats/junk.jpg');
    assert.match(
      skipped?.reason ?? '',
      /^not an image: its first bytes \(7468697320697320\) are not JPEG, PNG, GIF, WebP, TIFF, AVIF, BMP or PGM\/PPM; the other 3221225456 bytes were not read$/,
    );
  });
});

describe('manifest', () => {
  test("each shard's sha256 and bytes are those of its file, for shards over a megabyte", async () => {
    const src = join(tempDir(), 'rows.csv');
    writeFileSync(src, digitRecognizerCsv(csvImages(200, 2)));
    const out = tempDir();
    const { manifest } = await packDataset(packDefaults(src, out, { width: 64, height: 64, validationSplit: 0.5 }));
    const shards = Object.values(manifest.splits).flatMap((split) => split?.shards ?? []);
    assert.ok(shards.every((shard) => shard.bytes > 1 << 20));
    for (const shard of shards) {
      const bytes = readFileSync(join(out, shard.file));
      assert.deepEqual(
        { sha256: shard.sha256, bytes: shard.bytes },
        { sha256: createHash('sha256').update(bytes).digest('hex'), bytes: bytes.length },
      );
    }
  });
});
