import type { ChunkLease } from './buffer-pool';
import type { Chunk } from './compression';

const EMPTY = Buffer.alloc(0);

/**
 * Pulls exact byte counts out of a stream of chunks. Returns views into the
 * chunk when a request fits in it (no copy), and copies only across chunk edges.
 * It holds the lease of the current chunk (if pooled) until it moves on or is disposed.
 */
export class ChunkReader {
  private current: Buffer = EMPTY;
  private currentLease: ChunkLease | undefined;
  private position = 0;
  private done = false;
  private pulled = 0;

  constructor(private readonly source: AsyncIterator<Chunk>) {}

  /**
   * Reads exactly n bytes, or fewer only at end of stream. Always a copy from a pooled
   * chunk: reading on may give that chunk back to the pool before the caller is done.
   */
  async read(n: number): Promise<Buffer> {
    if (this.current.length - this.position >= n) return this.currentLease ? Buffer.from(this.take(n)) : this.take(n);
    const out = Buffer.allocUnsafe(n);
    let filled = 0;
    while (filled < n) {
      if (this.position === this.current.length && !(await this.pull())) return out.subarray(0, filled);
      const part = this.take(Math.min(n - filled, this.current.length - this.position));
      part.copy(out, filled);
      filled += part.length;
    }
    return out;
  }

  /** The lease of the current chunk, which take() and peek() return views into; undefined if not pooled. */
  get lease(): ChunkLease | undefined {
    return this.currentLease;
  }

  /** Gives back the current chunk; the reader reads nothing after this. */
  dispose(): void {
    this.currentLease?.release();
    this.currentLease = undefined;
    this.done = true;
  }

  /** Chunks pulled from the source so far. */
  get chunksRead(): number {
    return this.pulled;
  }

  /** Bytes of the current chunk not yet read: this much can be read without waiting. */
  get buffered(): number {
    return this.current.length - this.position;
  }

  /** True when the stream has no more bytes. */
  async atEnd(): Promise<boolean> {
    while (this.position === this.current.length) {
      if (!(await this.pull())) return true;
    }
    return false;
  }

  /** The next n bytes if the current chunk holds them (a view; nothing is consumed), else undefined. */
  peek(n: number): Buffer | undefined {
    return this.buffered >= n ? this.current.subarray(this.position, this.position + n) : undefined;
  }

  /** Consumes n bytes of the current chunk (n at most `buffered`) and returns them as a view. */
  take(n: number): Buffer {
    const view = this.current.subarray(this.position, this.position + n);
    this.position += n;
    return view;
  }

  private async pull(): Promise<boolean> {
    if (this.done) return false;
    this.currentLease?.release();
    this.currentLease = undefined;
    this.current = EMPTY;
    this.position = 0;
    const next = await this.source.next();
    if (next.done) {
      this.done = true;
      return false;
    }
    this.current = next.value.bytes;
    this.currentLease = next.value.lease;
    this.pulled++;
    return true;
  }
}
