import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, test } from 'node:test';
import { setImmediate } from 'node:timers/promises';
import { ChunkedColumn, collectionEvery, SourceHashes, type SourceItems } from '@shardline/pack/internal';

describe('ChunkedColumn', () => {
  test('values set across chunk edges read back, byte offsets past 2^32 included', () => {
    const offsets = new ChunkedColumn(Float64Array);
    const indices = [0, 1, 8191, 8192, 8193, 16383, 16384, 40000];
    for (const i of indices) offsets.set(i, 2 ** 33 + i);
    assert.deepEqual(
      indices.map((i) => offsets.get(i)),
      indices.map((i) => 2 ** 33 + i),
    );
    assert.equal(offsets.length, 40001);
    assert.equal(offsets.get(8190), 0, 'an entry never set reads as 0');
  });

  test('push appends after the highest index set', () => {
    const lengths = new ChunkedColumn(Uint32Array);
    for (let i = 0; i < 20000; i++) lengths.push(i * 3);
    assert.equal(lengths.length, 20000);
    assert.deepEqual(
      [0, 8191, 8192, 19999].map((i) => lengths.get(i)),
      [0, 8191 * 3, 8192 * 3, 19999 * 3],
    );
  });
});

describe('SourceHashes', () => {
  const sha = (i: number) => createHash('sha256').update(String(i)).digest('hex');
  const items = { name: (index: number) => `img${index}` } as SourceItems;

  test('held-out images are kept and training ones only looked up: a table sized for the held-out ones takes them all', () => {
    const hashes = new SourceHashes(1000);
    for (let i = 0; i < 1000; i++) hashes.add(sha(i), i < 500 ? 'validation' : 'test', i);
    for (let i = 0; i < 5000; i++) hashes.add(sha(2000 + i), 'train', 2000 + i);
    hashes.add(sha(999), 'train', 9000);
    assert.deepEqual(
      hashes.crossSplit(items).map(({ files }) => files.map((f) => `${f.split} ${f.file}`)),
      [['test img999', 'train img9000']],
    );
  });

  test('every copy across splits is found: validation in test, test twice in train', () => {
    const hashes = new SourceHashes(1001);
    for (let i = 0; i < 1000; i++) hashes.add(sha(i), i < 500 ? 'validation' : 'test', i);
    hashes.add(sha(7), 'test', 1000);
    for (let i = 0; i < 5000; i++) hashes.add(sha(2000 + i), 'train', 2000 + i);
    hashes.add(sha(600), 'train', 9000);
    hashes.add(sha(2001), 'train', 9001);
    hashes.add(sha(600), 'train', 9002);
    assert.deepEqual(
      hashes.crossSplit(items).map(({ sha256, files }) => [sha256, files.map((f) => `${f.split} ${f.file}`)]),
      [
        [sha(7), ['validation img7', 'test img1000']],
        [sha(600), ['test img600', 'train img9000', 'train img9002']],
      ],
    );
  });
});

describe('collectionEvery', () => {
  /** An object only a WeakRef holds, made in an earlier turn: V8 keeps a WeakRef's target through the turn that made it. */
  async function unreachable(): Promise<WeakRef<object>> {
    const ref = new WeakRef({ payload: new Array(1000).fill(1) });
    await setImmediate();
    return ref;
  }

  test('collects when the count reaches the first mark, then `every` images after each collection', async () => {
    const collect = collectionEvery(100, 50);
    const reached: number[] = [];
    for (const images of [10, 49, 50, 120, 149, 170, 260, 270]) {
      const ref = await unreachable();
      collect(images);
      if (ref.deref() === undefined) reached.push(images);
    }
    assert.deepEqual(reached, [50, 170, 270]);
  });
});
