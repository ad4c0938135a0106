import type { ImageInput } from '@shardline/images';
import type { SkippedFile, SourceLayout, SplitName } from '@shardline/shards';

export interface SourceItem {
  input: ImageInput;
  label: number;
  /** Path relative to the source (or IDX file#index): stored as image/filename. */
  name: string;
  /** Set when the source itself fixes the split (IDX t10k files are the test split; a CSV's split column). */
  split?: SplitName;
}

export interface SourceListing {
  layout: SourceLayout;
  classes: string[];
  items: SourceItems;
  skipped: SkippedFile[];
}

/** A source's inputs by index: a long pixel CSV keeps its rows in typed arrays, not an object each. */
export interface SourceItems extends Iterable<SourceItem> {
  readonly length: number;
  label(index: number): number;
  /** The split the source fixes for this input, if any. */
  split(index: number): SplitName | undefined;
  /** The input's name (its path in the source, a CSV's file:line), without making the whole item. */
  name(index: number): string;
  /** The input as a SourceItem, made when asked. */
  item(index: number): SourceItem;
}

/** Input `index` of a source that makes its items when asked, around the input it made. */
export function itemWith(items: SourceItems, index: number, input: ImageInput): SourceItem {
  const split = items.split(index);
  return { input, label: items.label(index), name: items.name(index), ...(split ? { split } : {}) };
}

/** Each item in index order: the iterator of SourceItems that make their items when asked. */
export function* eachItem(items: SourceItems): Generator<SourceItem> {
  for (let index = 0; index < items.length; index++) yield items.item(index);
}

/** SourceItems held as SourceItem objects. */
export class ItemArray implements SourceItems {
  constructor(private readonly items: readonly SourceItem[]) {}

  get length(): number {
    return this.items.length;
  }

  label(index: number): number {
    return this.items[index]!.label;
  }

  split(index: number): SplitName | undefined {
    return this.items[index]!.split;
  }

  name(index: number): string {
    return this.items[index]!.name;
  }

  item(index: number): SourceItem {
    return this.items[index]!;
  }

  [Symbol.iterator](): Iterator<SourceItem> {
    return this.items[Symbol.iterator]();
  }
}
