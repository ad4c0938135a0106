/**
 * Pulls exact byte counts out of a stream of chunks. Returns views into the
 * chunk when a request fits in it (no copy), and copies only across chunk edges.
 */
export class ChunkReader {
  private current: Buffer = Buffer.alloc(0);
  private position = 0;
  private done = false;
  private pulled = 0;

  constructor(private readonly source: AsyncIterator<Buffer>) {}

  /** Reads exactly n bytes, or fewer only at end of stream. */
  async read(n: number): Promise<Buffer> {
    if (this.current.length - this.position >= n) return this.take(n);
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
    const next = await this.source.next();
    if (next.done) {
      this.done = true;
      return false;
    }
    this.current = next.value;
    this.pulled++;
    this.position = 0;
    return true;
  }
}
