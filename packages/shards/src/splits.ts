export type SplitName = 'train' | 'validation' | 'test';
/** The order splits are written in and listed. */
export const SPLIT_ORDER: readonly SplitName[] = ['train', 'validation', 'test'];

/** Fisher-Yates on a copy. */
export function shuffle<T>(items: readonly T[], random: () => number): T[] {
  const out = items.slice();
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}
