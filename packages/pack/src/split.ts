import { SPLIT_ORDER, type SplitName, shuffleInPlace } from '@shardline/shards';
import seedrandom from 'seedrandom';
import type { SourceItems } from './source-items';

/** Each split's inputs as indices into the source's items, in packing order. */
export type Splits = Record<SplitName, Uint32Array>;

/**
 * Stratified, deterministic split: for each class, a seeded shuffle picks
 * round(n * fraction) validation items. Each split is then shuffled so every
 * shard mixes classes, which a bounded shuffle buffer at training time relies on.
 * Indices stay in typed arrays sized once: with arrays of numbers grown by push, a
 * 300,000-row CSV's pack peaked at 123 MiB as it began writing, against 108 MiB.
 */
export function assignSplits(items: SourceItems, validationFraction: number, seed: number): Splits {
  const random = seedrandom(String(seed));
  const { fixed, byClass } = groupedIndices(items);
  const validationCounts = byClass.map((members) => Math.round(members.length * validationFraction));
  const validationTotal = validationCounts.reduce((n, count) => n + count, 0);
  const splits: Splits = {
    train: new Uint32Array(fixed.train.length + (sumOfLengths(byClass) - validationTotal)),
    validation: new Uint32Array(fixed.validation.length + validationTotal),
    test: new Uint32Array(fixed.test.length),
  };
  const filled = { train: 0, validation: 0, test: 0 };
  const put = (split: SplitName, index: number) => {
    splits[split][filled[split]++] = index;
  };
  for (const split of SPLIT_ORDER) for (const index of fixed[split]) put(split, index);
  byClass.forEach((members, label) => {
    shuffleInPlace(members, random);
    for (const [i, index] of members.entries()) put(i < validationCounts[label]! ? 'validation' : 'train', index);
  });
  for (const split of SPLIT_ORDER) shuffleInPlace(splits[split], random);
  return splits;
}

/** The indices the source fixes a split for, by split, and the others by label; each in source order. */
function groupedIndices(items: SourceItems): { fixed: Splits; byClass: Uint32Array[] } {
  const fixedCounts = { train: 0, validation: 0, test: 0 };
  const classCounts: number[] = [];
  for (let index = 0; index < items.length; index++) {
    const split = items.split(index);
    if (split) fixedCounts[split]++;
    else classCounts[items.label(index)] = (classCounts[items.label(index)] ?? 0) + 1;
  }
  const fixed: Splits = {
    train: new Uint32Array(fixedCounts.train),
    validation: new Uint32Array(fixedCounts.validation),
    test: new Uint32Array(fixedCounts.test),
  };
  const byClass = Array.from(classCounts, (count) => new Uint32Array(count ?? 0));
  const fixedFilled = { train: 0, validation: 0, test: 0 };
  const classFilled = byClass.map(() => 0);
  for (let index = 0; index < items.length; index++) {
    const split = items.split(index);
    if (split) fixed[split][fixedFilled[split]++] = index;
    else byClass[items.label(index)]![classFilled[items.label(index)]!++] = index;
  }
  return { fixed, byClass };
}

function sumOfLengths(arrays: Uint32Array[]): number {
  return arrays.reduce((n, array) => n + array.length, 0);
}
