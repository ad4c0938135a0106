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
});
