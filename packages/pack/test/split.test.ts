import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { assignSplits, type SourceItems } from '@shardline/pack/internal';
import type { SplitName } from '@shardline/shards';

/** Inputs known only by label and fixed split, as a long pixel CSV lists them. */
function items(labels: number[], fixed: (SplitName | undefined)[] = []): SourceItems {
  const item = (index: number) => ({
    input: { kind: 'file' as const, path: `${index}.png` },
    label: labels[index]!,
    name: `${index}.png`,
  });
  return {
    length: labels.length,
    label: (index) => labels[index]!,
    split: (index) => fixed[index],
    name: (index) => `${index}.png`,
    item,
    *[Symbol.iterator]() {
      for (let i = 0; i < labels.length; i++) yield item(i);
    },
  };
}

describe('assignSplits', () => {
  test('400,000 inputs of two classes: stratified, each once, with no stack overflow', () => {
    const labels = Array.from({ length: 400_000 }, (_, i) => i % 2);
    const splits = assignSplits(items(labels), 0.2, 7);
    const count = (split: SplitName, label: number) => splits[split].filter((i) => labels[i] === label).length;
    assert.deepEqual([count('validation', 0), count('validation', 1)], [40_000, 40_000]);
    assert.deepEqual([count('train', 0), count('train', 1)], [160_000, 160_000]);
    assert.equal(new Set([...splits.train, ...splits.validation]).size, 400_000);
  });

  test('fixed splits are kept; the same seed gives the same order, another seed another', () => {
    const labels = Array.from({ length: 40 }, (_, i) => i % 2);
    const fixed = labels.map((_, i) => (i >= 30 ? ('test' as const) : undefined));
    const splits = assignSplits(items(labels, fixed), 0.5, 1);
    assert.deepEqual(
      [...splits.test].sort((a, b) => a - b),
      [30, 31, 32, 33, 34, 35, 36, 37, 38, 39],
    );
    assert.equal(splits.validation.length, 16);
    assert.deepEqual(assignSplits(items(labels, fixed), 0.5, 1), splits);
    assert.notDeepEqual(assignSplits(items(labels, fixed), 0.5, 2).train, splits.train);
  });

  test('a seed gives the split it gave before the split moved to typed arrays (values from 937c589)', () => {
    const labels = Array.from({ length: 40 }, (_, i) => (i * 7) % 3);
    const fixed: (SplitName | undefined)[] = [];
    Object.assign(fixed, { 5: 'test', 17: 'test', 9: 'validation', 30: 'train' });
    const splits = assignSplits(items(labels, fixed), 0.25, 11);
    assert.deepEqual(
      { train: [...splits.train], validation: [...splits.validation], test: [...splits.test] },
      {
        train: [
          39, 29, 13, 35, 12, 19, 30, 18, 4, 32, 1, 2, 38, 36, 24, 16, 7, 6, 20, 3, 25, 11, 27, 37, 10, 15, 22, 8,
        ],
        validation: [34, 21, 33, 14, 26, 28, 23, 31, 9, 0],
        test: [5, 17],
      },
    );
  });
});
