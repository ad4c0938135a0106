import { SPLIT_ORDER, type SplitName, shuffle } from '@shardline/shards';
import seedrandom from 'seedrandom';
import type { SourceItems } from './source-items';

/** Each split's inputs as indices into the source's items, in packing order. */
export type Splits = Record<SplitName, Uint32Array>;

/**
 * Stratified, deterministic split: for each class, a seeded shuffle picks
 * round(n * fraction) validation items. Each split is then shuffled so every
 * shard mixes classes, which a bounded shuffle buffer at training time relies on.
 */
export function assignSplits(items: SourceItems, validationFraction: number, seed: number): Splits {
  const random = seedrandom(String(seed));
  const splits: Record<SplitName, number[]> = { train: [], validation: [], test: [] };
  const byClass = new Map<number, number[]>();
  for (let index = 0; index < items.length; index++) {
    const fixed = items.split(index);
    const label = items.label(index);
    if (fixed) splits[fixed].push(index);
    else if (byClass.has(label)) byClass.get(label)!.push(index);
    else byClass.set(label, [index]);
  }
  for (const label of [...byClass.keys()].sort((a, b) => a - b)) {
    const members = shuffle(byClass.get(label)!, random);
    const validationCount = Math.round(members.length * validationFraction);
    // A loop, not push(...members): a spread of a few hundred thousand arguments overflows the stack.
    for (const [i, index] of members.entries()) splits[i < validationCount ? 'validation' : 'train'].push(index);
  }
  const shuffled = {} as Splits;
  for (const name of SPLIT_ORDER) shuffled[name] = Uint32Array.from(shuffle(splits[name], random));
  return shuffled;
}
