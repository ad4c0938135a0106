export type SplitName = 'train' | 'validation' | 'test';
/** The order splits are listed in (manifests, shard tables); pack writes validation and test first. */
export const SPLIT_ORDER: readonly SplitName[] = ['train', 'validation', 'test'];

/** Fisher-Yates on a copy. */
export function shuffle<T>(items: readonly T[], random: () => number): T[] {
  return shuffleInPlace(items.slice(), random);
}

/** Fisher-Yates in place, on an array or a typed array; the same draws as shuffle. */
export function shuffleInPlace<A extends { length: number; [index: number]: T }, T>(items: A, random: () => number): A {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}
