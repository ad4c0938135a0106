import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { formatIoTable, runIoBench, writeIoReport } from '@shardline/bench';
import { generateSample } from '@shardline/sample';
import { tempDir } from '@shardline/test-support';

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
  assert.equal(report.ceilingPasses, 20, 'a read pass after every timed epoch of every path');
  assert.deepEqual(
    report.rawStages.stages.map((s) => s.images),
    [24, 24, 24, 24],
    'every stage runs over the whole split',
  );
  assert.ok(report.rawStages.bareMinimumMicros > 0);
  const table = formatIoTable(report);
  assert.match(
    table,
    /raw read ceiling \(page cache, 1 MiB reads into one buffer\): \d+ images\/s, median of 20 passes between epochs \(readFile, a fresh buffer per file, for comparison: \d+ images\/s\)/,
  );
  assert.equal(
    table
      .split('\n')
      .filter((l) => /^ {2}(read and frame records|\+ .*) +-?\d+\.\d\d us {2}\(\d+\.\d\d us so far\)$/.test(l)).length,
    4,
  );
  assert.match(table, /^bare minimum, for comparison: \d+\.\d\d us per image \(\d+\.\d% of the ceiling\)/m);
  assert.equal(table.split('\n').filter((l) => /^(directory|shards)/.test(l)).length, 10);
  await writeIoReport(report, out);
  assert.equal(JSON.parse(readFileSync(join(out, 'io.json'), 'utf8')).results.length, 10);
  assert.ok(existsSync(join(out, 'io.png')));
});
