import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { formatIoTable, parsePixelCsv, runIoBench, writeIoReport, writePixelCsvCopy } from '@shardline/bench';
import { packDataset } from '@shardline/pack';
import { generateSample } from '@shardline/sample';
import { packedRecords, tempDir } from '@shardline/test-support';

test("the pixel CSV copy holds the raw shards' images, and parses back to them", async () => {
  const src = tempDir();
  await generateSample({ out: src, count: 6, width: 80, height: 60, seed: 2 });
  const shards = tempDir();
  const { manifest } = await packDataset({ src, out: shards, width: 5, height: 4, validationSplit: 0, workers: 0 });
  const file = join(tempDir(), 'copy.csv');
  await writePixelCsvCopy(shards, manifest, file);
  const text = readFileSync(file, 'utf8');
  assert.match(text, /^label,pixel0,pixel1,.*,pixel59\n/);
  const { labels, pixels } = parsePixelCsv(readFileSync(file), 60);
  const records = [...(await packedRecords(shards, manifest)).values()].map(({ label, pixels }) => ({ label, pixels }));
  assert.deepEqual(
    labels.map((label, r) => ({ label, pixels: [...pixels.subarray(r * 60, (r + 1) * 60)] })),
    records,
  );
});

test('bench io measures every path on the same images and reports them', async () => {
  const src = tempDir();
  await generateSample({ out: src, count: 24, width: 80, height: 60, seed: 5 });
  const out = tempDir();
  const report = await runIoBench({
    src,
    shards: join(out, 'shards'),
    width: 16,
    height: 16,
    batchSize: 8,
    epochs: 2,
    workers: 1,
    minTimedSeconds: 0,
    peer: 'none',
  });
  assert.equal(report.peerNote, 'peer skipped (--peer none)');
  assert.match(formatIoTable(report), /peer skipped \(--peer none\)/);
  const paths = [
    'directory, sequential',
    'directory, 1 worker',
    'pixel CSV, parsed each epoch',
    'shards, raw',
    'shards, JPEG payload',
    'shards, raw + GZIP',
  ];
  assert.deepEqual(
    report.results.map((r) => `${r.path}|${r.augmentation}`),
    [...paths.map((p) => `${p}|false`), ...paths.map((p) => `${p}|true`)],
  );
  for (const r of report.results) {
    assert.equal(r.images, 24, `${r.path}: every image once per epoch`);
    assert.equal(r.epochSeconds.length, 2);
    assert.ok(r.minSeconds <= r.medianSeconds && r.imagesPerSecond > 0 && r.peakRssMiB > 0);
  }
  assert.ok(report.results.filter((r) => r.path === 'directory, sequential').every((r) => r.speedup === 1));
  assert.ok(report.ceilingImagesPerSecond > 0 && report.readFileImagesPerSecond > 0);
  assert.equal(report.ceilingPasses, 24, 'a read pass after every timed epoch of every path');
  assert.deepEqual(
    report.rawStages.stages.map((s) => s.images),
    [24, 24, 24, 24],
    'every stage runs over the whole split',
  );
  assert.ok(report.rawStages.bareMinimumMicros > 0);
  const table = formatIoTable(report);
  assert.match(
    table,
    /raw read ceiling \(page cache, 1 MiB reads into one buffer\): \d+ images\/s, median of 24 passes between epochs \(readFile, a fresh buffer per file, for comparison: \d+ images\/s\)/,
  );
  assert.equal(
    table
      .split('\n')
      .filter((l) => /^ {2}(read and frame records|\+ .*) +-?\d+\.\d\d us {2}\(\d+\.\d\d us so far\)$/.test(l)).length,
    4,
  );
  assert.match(table, /^bare minimum, for comparison: \d+\.\d\d us per image \(\d+\.\d% of the ceiling\)/m);
  assert.equal(table.split('\n').filter((l) => /^(directory|pixel CSV|shards)/.test(l)).length, 12);
  await writeIoReport(report, out);
  assert.equal(JSON.parse(readFileSync(join(out, 'io.json'), 'utf8')).results.length, 12);

  const csvSource = join(out, 'shards', 'pixels.csv');
  const fromCsv = await runIoBench({
    src: csvSource,
    shards: join(tempDir(), 'shards'),
    width: 16,
    height: 16,
    batchSize: 8,
    epochs: 1,
    workers: 1,
    minTimedSeconds: 0,
    peer: 'none',
    csv: { imageShape: '16x16x3' },
  });
  assert.deepEqual(
    fromCsv.results.filter((r) => !r.augmentation).map((r) => r.path),
    paths.slice(2),
    'a CSV source: no directory rows',
  );
  assert.ok(fromCsv.results.every((r) => r.images === 24));
  assert.match(fromCsv.peerNote!, /--src is a CSV/);
  assert.ok(existsSync(join(out, 'io.png')));
});
