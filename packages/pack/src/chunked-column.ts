type NumberArray = Float64Array | Uint32Array | Uint8Array;

const CHUNK_SHIFT = 13;
/** Entries per chunk: 8,192 Float64 values are 64 KiB. */
const CHUNK_ENTRIES = 1 << CHUNK_SHIFT;
const CHUNK_MASK = CHUNK_ENTRIES - 1;

/**
 * A typed array of numbers that grows a chunk of 8,192 entries at a time. A doubling array copies
 * itself and frees the old copy at each step, and glibc answers the free of a block over 128 KiB by
 * keeping blocks up to that size in its heaps for the rest of the process.
 */
export class ChunkedColumn<T extends NumberArray> {
  private readonly chunks: T[] = [];
  /** One past the highest index set. */
  length = 0;

  constructor(private readonly make: new (length: number) => T) {}

  get(index: number): number {
    return this.chunks[index >>> CHUNK_SHIFT]![index & CHUNK_MASK]!;
  }

  set(index: number, value: number): void {
    const chunk = index >>> CHUNK_SHIFT;
    while (this.chunks.length <= chunk) this.chunks.push(new this.make(CHUNK_ENTRIES));
    this.chunks[chunk]![index & CHUNK_MASK] = value;
    this.length = Math.max(this.length, index + 1);
  }

  push(value: number): void {
    this.set(this.length, value);
  }
}
