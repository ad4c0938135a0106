import { SPLIT_ORDER, type SplitName, shuffle } from '@shardline/shards';
import seedrandom from 'seedrandom';
import type { SourceItem } from './sources';

export type Splits = Record<SplitName, SourceItem[]>;

/**
 * Stratified, deterministic split: for each class, a seeded shuffle picks
 * round(n * fraction) validation items. Each split is then shuffled so every
 * shard mixes classes, which a bounded shuffle buffer at training time relies on.
 */
export function assignSplits(items: SourceItem[], validationFraction: number, seed: number): Splits {
  const random = seedrandom(String(seed));
  const splits: Splits = { train: [], validation: [], test: [] };
  const byClass = new Map<number, SourceItem[]>();
  for (const item of items) {
    if (item.split) splits[item.split].push(item);
    else if (byClass.has(item.label)) byClass.get(item.label)!.push(item);
    else byClass.set(item.label, [item]);
  }
  for (const label of [...byClass.keys()].sort((a, b) => a - b)) {
    const members = shuffle(byClass.get(label)!, random);
    const validationCount = Math.round(members.length * validationFraction);
    splits.validation.push(...members.slice(0, validationCount));
    splits.train.push(...members.slice(validationCount));
  }
  for (const name of SPLIT_ORDER) splits[name] = shuffle(splits[name], random);
  return splits;
}
