import { shuffle } from '@shardline/shards';

/** A bounded shuffle buffer (tf.data shuffle): each new item replaces a random held one, which is emitted. */
export class ShuffleBuffer<T> {
  private readonly held: T[] = [];

  constructor(
    private readonly size: number,
    private readonly random: () => number,
  ) {}

  exchange(items: T[]): T[] {
    const out: T[] = [];
    for (const item of items) {
      if (this.held.length < this.size) {
        this.held.push(item);
        continue;
      }
      const i = Math.floor(this.random() * this.size);
      out.push(this.held[i]!);
      this.held[i] = item;
    }
    return out;
  }

  drain(): T[] {
    return shuffle(this.held.splice(0), this.random);
  }
}
