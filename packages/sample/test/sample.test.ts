import assert from 'node:assert/strict';
import { readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { listSource } from '@shardline/pack';
import { generateSample, SAMPLE_MARKER } from '@shardline/sample';
import { tempDir } from '@shardline/test-support';

/** Every file of a sample with its modification time. */
function files(dir: string): Map<string, number> {
  const found = new Map<string, number>();
  for (const name of readdirSync(dir, { recursive: true }) as string[]) {
    const info = statSync(join(dir, name));
    if (info.isFile()) found.set(name, info.mtimeMs);
  }
  return found;
}

describe('sample', () => {
  test('reuse keeps a complete sample made with the same options, and draws it again otherwise', async () => {
    const out = join(tempDir(), 'shapes');
    const options = { out, count: 7, width: 32, height: 24, seed: 3 };
    const first = await generateSample(options);
    assert.deepEqual([first.reused, first.perClass], [false, [3, 2, 2]]);
    const made = files(out);
    assert.equal(made.size, 8, '7 images and the marker');

    const kept = await generateSample({ ...options, reuse: true });
    assert.deepEqual([kept.reused, kept.perClass], [true, [3, 2, 2]]);
    assert.deepEqual(files(out), made, 'nothing written again');

    assert.equal((await generateSample({ ...options, seed: 4, reuse: true })).reused, false, 'another seed');
    assert.equal((await generateSample({ ...options, reuse: false })).reused, false, 'reuse not asked');
    rmSync(join(out, SAMPLE_MARKER));
    assert.equal((await generateSample({ ...options, reuse: true })).reused, false, 'no marker: interrupted');
  });

  test('pack lists the sample without its hidden marker', async () => {
    const out = join(tempDir(), 'shapes');
    await generateSample({ out, count: 6, width: 32, height: 24 });
    const listing = await listSource(out);
    assert.equal(listing.items.length, 6);
    assert.deepEqual(listing.skipped, []);
  });
});
