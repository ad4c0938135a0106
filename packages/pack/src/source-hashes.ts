import { type CrossSplitDuplicate, SPLIT_ORDER, type SplitName } from '@shardline/shards';
import type { SourceItems } from './source-items';

/** Slots per image: the table is at most two thirds full, which keeps linear probing short. */
const SLOTS_PER_IMAGE = 1.5;

/**
 * Packed images by their source bytes' SHA-256, to find one image in two splits. The held-out images
 * (validation and test) are added first and kept; training images are looked up among them and kept
 * only when they match. An open-addressing table in typed arrays keeps the hash's first 96 bits and
 * the image's index and split: 17 bytes a slot, where a Map of strings and objects took about 100
 * bytes an image and grew the heap with the source. It is sized once: doubling it as it filled kept
 * up to four slots an image, and the two copies of each step at once. Two different images share a
 * key with odds of about 1 in 10^13 at 100 million images.
 */
export class SourceHashes {
  private readonly keys: Uint32Array;
  /** 1 + the image's index in the source; 0 marks an empty slot. */
  private readonly indices: Uint32Array;
  private readonly splits: Uint8Array;
  private readonly repeats = new Map<string, { sha256: string; members: { split: SplitName; index: number }[] }>();
  /** The key being looked up, reused: an array per image was most of pack's garbage. */
  private readonly key = new Uint32Array(3);

  constructor(heldOutImages: number) {
    const slots = Math.max(16, Math.ceil(heldOutImages * SLOTS_PER_IMAGE));
    this.keys = new Uint32Array(3 * slots);
    this.indices = new Uint32Array(slots);
    this.splits = new Uint8Array(slots);
  }

  /** Every held-out image must be added before the first training one. */
  add(sha256: string, split: SplitName, index: number): void {
    const key = this.key;
    for (let word = 0; word < 3; word++) key[word] = hexWord(sha256, 8 * word);
    const slot = this.slotOf(key);
    if (this.indices[slot] === 0) {
      if (split !== 'train') this.insert(slot, split, index);
      return;
    }
    const first = { split: SPLIT_ORDER[this.splits[slot]!]!, index: this.indices[slot]! - 1 };
    const group = this.repeats.get(sha256) ?? { sha256, members: [first] };
    group.members.push({ split, index });
    this.repeats.set(sha256, group);
  }

  /** Groups of identical images that span more than one split: the model is scored on images it trained on. */
  crossSplit(items: SourceItems): CrossSplitDuplicate[] {
    return [...this.repeats.values()]
      .filter(({ members }) => new Set(members.map((m) => m.split)).size > 1)
      .map(({ sha256, members }) => ({
        sha256,
        files: members.map(({ split, index }) => ({ split, file: items.name(index) })),
      }));
  }

  /** The key's slot, or the empty slot where it belongs (sha256 bits are uniform: the first word picks the slot). */
  private slotOf(key: Uint32Array): number {
    const { keys, indices } = this;
    const slots = indices.length;
    for (let probes = 0, slot = key[0]! % slots; probes < slots; probes++, slot = slot + 1 === slots ? 0 : slot + 1) {
      if (indices[slot] === 0) return slot;
      if (keys[3 * slot] === key[0] && keys[3 * slot + 1] === key[1] && keys[3 * slot + 2] === key[2]) return slot;
    }
    throw new Error(
      `the table of source hashes is full (${slots} slots): more held-out images were added than it was sized for`,
    );
  }

  private insert(slot: number, split: SplitName, index: number): void {
    this.keys.set(this.key, 3 * slot);
    this.indices[slot] = index + 1;
    this.splits[slot] = SPLIT_ORDER.indexOf(split);
  }
}

/** The 32-bit word of hex digits at `at`, without slicing the string. */
function hexWord(hex: string, at: number): number {
  let word = 0;
  for (let i = at; i < at + 8; i++) {
    const code = hex.charCodeAt(i);
    word = word * 16 + (code <= 0x39 ? code - 0x30 : (code | 0x20) - 0x57);
  }
  return word;
}
