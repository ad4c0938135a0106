import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { benchPackSpeed, formatPackSpeedTable, packSpeedJson } from '@shardline/bench';
import { generateSample } from '@shardline/sample';
import { tempDir } from '@shardline/test-support';

test('bench pack times every pool beside the decoder ceiling, and writes the JSON the issue asks for', async () => {
  const src = tempDir();
  await generateSample({ out: src, count: 24, width: 80, height: 60, seed: 5 });
  const report = await benchPackSpeed({
    src,
    out: join(tempDir(), 'out'),
    width: 16,
    height: 16,
    repetitions: 1,
    peer: 'none',
  });
  assert.equal(report.images, 24);
  assert.ok(report.ceilingImagesPerSecond > 0 && report.twoDecodersImagesPerSecond > 0);
  assert.deepEqual(
    report.rows.map((r) => [r.pool, r.workers]),
    [
      ['threads', 1],
      ['threads', 2],
      ['processes', 1],
      ['processes', 2],
    ],
  );
  for (const row of report.rows) {
    const share = row.imagesPerSecond / (row.workers * report.ceilingImagesPerSecond);
    assert.ok(Math.abs(row.ceilingShare - share) < 1e-9, `${row.pool} ${row.workers}`);
    // The steady rate leaves out starting the thread and the workers, which the whole run pays.
    assert.ok(row.steadyImagesPerSecond > row.imagesPerSecond, `${row.pool} ${row.workers}: steady rate`);
  }
  assert.equal(report.peerNote, 'peer skipped (--peer none)');
  const table = formatPackSpeedTable(report);
  assert.match(table, /decoder ceiling \(one worker, one image at a time\): \d+ images\/s/);
  assert.match(table, /^two decoders at once, no pack: \d+ images\/s \(\d+% of 2 x the ceiling/m);
  const json = JSON.parse(packSpeedJson(report)) as {
    decoder_ceiling_images_per_s: number;
    two_decoders_images_per_s: number;
    rows: object[];
  };
  assert.ok(json.decoder_ceiling_images_per_s > 0);
  assert.equal(json.two_decoders_images_per_s, Math.round(report.twoDecodersImagesPerSecond));
  assert.deepEqual(Object.keys(json.rows[0]!).sort(), ['images_per_s', 'pool', 'steady_images_per_s', 'workers']);
});
