import { join } from 'node:path';
import seedrandom from 'seedrandom';
import sharp from 'sharp';
import { type ImageRecord, type Manifest, type SplitName, decodeImageExample, shuffle } from '@shardline/pack';
import { type ChunkLease, type ReadBufferPool, type TFRecord, readTFRecordGroups } from '@shardline/tfrecord';

export interface LabelledPixels {
  /** HWC uint8 pixels. */
  pixels: Uint8Array;
  label: number;
  filename: string;
  /** Set when pixels is a view into a pooled read buffer: release() once they are copied out, and do not touch them after. */
  lease?: ChunkLease;
}

export interface RecordStreamOptions {
  /** Shards read at once, one record from each in turn (tf.data interleave). */
  cycleLength: number;
  /** Records held for random draws; 0 keeps file order. */
  shuffleBuffer: number;
  seed: number;
  /** Read shards into this pool's buffers; images then come with a lease to release. */
  bufferPool?: ReadBufferPool;
}

export function shardPaths(dir: string, manifest: Manifest, split: SplitName): string[] {
  const info = manifest.splits[split];
  if (!info) throw new Error(`${dir} has no '${split}' split (has: ${Object.keys(manifest.splits).join(', ')})`);
  return info.shards.map((s) => join(dir, s.file));
}

/** Decoded images of one split: shards interleaved, then a bounded shuffle buffer. Memory stays flat. */
export async function* labelledImages(files: string[], manifest: Manifest, options: RecordStreamOptions): AsyncGenerator<LabelledPixels> {
  for await (const group of labelledImageGroups(files, manifest, options)) yield* group;
}

/**
 * The same stream, in groups of a few hundred images. Stepping an async generator
 * costs more than decoding a raw record, so the pipeline steps once per group and
 * loops over the group synchronously.
 */
export async function* labelledImageGroups(files: string[], manifest: Manifest, options: RecordStreamOptions): AsyncGenerator<LabelledPixels[]> {
  const random = seedrandom(String(options.seed));
  const order = options.shuffleBuffer > 0 ? shuffle(files, random) : files;
  const buffer = options.shuffleBuffer > 0 ? new ShuffleBuffer<LabelledPixels>(options.shuffleBuffer, random) : undefined;
  for await (const records of interleave(order, options.cycleLength, options.bufferPool)) {
    const images = await decodeGroup(records, manifest);
    const out = buffer ? buffer.exchange(images) : images;
    if (out.length > 0) yield out;
  }
  const rest = buffer?.drain() ?? [];
  if (rest.length > 0) yield rest;
}

/** Cuts a stream of image groups into batches of batchSize (the last may be smaller). */
export async function* imageBatches(groups: AsyncIterable<LabelledPixels[]>, batchSize: number): AsyncGenerator<LabelledPixels[]> {
  let pending: LabelledPixels[] = [];
  for await (const group of groups) {
    for (const image of group) {
      pending.push(image);
      if (pending.length === batchSize) {
        yield pending;
        pending = [];
      }
    }
  }
  if (pending.length > 0) yield pending;
}

const GROUP_RECORDS = 256;

/**
 * Round-robin over up to cycleLength open shards, one record each in turn; a finished
 * shard is replaced by the next, which has been opened and read from in advance.
 */
async function* interleave(files: string[], cycleLength: number, pool: ReadBufferPool | undefined): AsyncGenerator<TFRecord[]> {
  const pending = files.slice();
  const openNext = () => (pending.length > 0 ? new ShardCursor(pending.shift()!, pool) : undefined);
  const open: ShardCursor[] = [];
  // Opening a shard takes several file-system round trips; the next one is started early.
  let standby = openNext();
  const refill = () => {
    while (open.length < Math.max(1, cycleLength) && standby) {
      open.push(standby);
      standby = openNext();
    }
  };
  refill();
  let group: TFRecord[] = [];
  try {
    for (let i = 0; open.length > 0; ) {
      i %= open.length;
      const record = open[i]!.take() ?? (await open[i]!.load());
      if (record === undefined) {
        open.splice(i, 1);
        refill();
        continue;
      }
      group.push(record);
      i++;
      if (group.length === GROUP_RECORDS) {
        yield group;
        group = [];
      }
    }
    if (group.length > 0) yield group;
  } finally {
    // An epoch abandoned early must not leave files open.
    await Promise.all([...open, ...(standby ? [standby] : [])].map((cursor) => cursor.close()));
  }
}

/**
 * Reads one shard a record group at a time, always one group ahead so the read
 * overlaps the work on the current group; take() is synchronous until the group is used up.
 */
class ShardCursor {
  private readonly groups: AsyncGenerator<TFRecord[]>;
  private ahead: Promise<IteratorResult<TFRecord[]>>;
  private records: TFRecord[] = [];
  private next = 0;

  constructor(file: string, pool: ReadBufferPool | undefined) {
    this.groups = readTFRecordGroups(file, { bufferPool: pool });
    this.ahead = this.readAhead();
  }

  take(): TFRecord | undefined {
    return this.records[this.next++];
  }

  /** Moves to the next group and takes its first record; undefined at the end of the shard. */
  async load(): Promise<TFRecord | undefined> {
    const next = await this.ahead;
    if (next.done) return undefined;
    this.ahead = this.readAhead();
    this.records = next.value;
    this.next = 0;
    return this.take();
  }

  async close(): Promise<void> {
    await this.ahead.catch(() => undefined);
    await this.groups.return(undefined);
  }

  private readAhead(): Promise<IteratorResult<TFRecord[]>> {
    const next = this.groups.next();
    next.catch(() => undefined); // a read error is rethrown by the load() that awaits it
    return next;
  }
}

/** Raw records decode synchronously; JPEG payloads are decoded concurrently (sharp runs them on libuv threads). */
async function decodeGroup(records: TFRecord[], manifest: Manifest): Promise<LabelledPixels[]> {
  const decoded = records.map((record) => toPixels(record, manifest));
  return decoded.some((d) => d instanceof Promise) ? Promise.all(decoded) : (decoded as LabelledPixels[]);
}

/** A bounded shuffle buffer (tf.data shuffle): each new item replaces a random held one, which is emitted. */
class ShuffleBuffer<T> {
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

/** Raw pixels stay a view into the read buffer (and keep its lease); decoded JPEG pixels are fresh, so the lease goes back at once. */
function toPixels({ data, lease }: TFRecord, manifest: Manifest): LabelledPixels | Promise<LabelledPixels> {
  const record = decodeImageExample(data);
  if (record.format === 'raw') return checkedPixels(record.encoded, record, manifest, lease);
  return decodeJpeg(record.encoded, manifest.image.channels).then((pixels) => {
    lease?.release();
    return checkedPixels(pixels, record, manifest, undefined);
  });
}

function checkedPixels(pixels: Uint8Array, record: ImageRecord, manifest: Manifest, lease: ChunkLease | undefined): LabelledPixels {
  const { width, height, channels } = manifest.image;
  if (pixels.length !== width * height * channels) throw new Error(`record ${record.filename}: ${pixels.length} pixel bytes, expected ${width}x${height}x${channels}`);
  if (!(record.label >= 0 && record.label < manifest.classes.length)) throw new Error(`record ${record.filename}: label ${record.label}, but the manifest lists ${manifest.classes.length} classes`);
  return { pixels, label: record.label, filename: record.filename, lease };
}

async function decodeJpeg(jpeg: Uint8Array, channels: number): Promise<Uint8Array> {
  const image = sharp(jpeg);
  return channels === 1 ? image.grayscale().raw().toBuffer() : image.removeAlpha().raw().toBuffer();
}
