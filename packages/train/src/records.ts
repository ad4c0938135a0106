import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ShardlineError } from '@shardline/errors';
import seedrandom from 'seedrandom';
import sharp from 'sharp';
import { type ImageRecord, type Manifest, type ShardInfo, type SplitName, decodeImageExample, shuffle } from '@shardline/pack';
import { type ChunkLease, type Compression, type ReadBufferPool, type TFRecord, TFRecordError, readTFRecordGroups } from '@shardline/tfrecord';

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

/** One shard of a split, with what the manifest says it holds. */
export interface ShardRef {
  path: string;
  info: ShardInfo;
}

export function splitShards(dir: string, manifest: Manifest, split: SplitName): ShardRef[] {
  const info = manifest.splits[split];
  if (!info) throw new ShardlineError('ERR_INPUT', `${dir} has no '${split}' split (has: ${Object.keys(manifest.splits).join(', ')})`);
  return info.shards.map((shard) => ({ path: join(dir, shard.file), info: shard }));
}

/** A shard that does not hold what manifest.json says it holds. */
export class ShardMismatchError extends ShardlineError {
  constructor(
    readonly file: string,
    readonly reason: string,
  ) {
    super('ERR_DATA', `${file}: ${reason}; it was changed after pack wrote it (check with 'shardline verify')`);
  }
}

/** Fails, naming the shard, if one is missing or its size is not the manifest's: before any record is read. */
export async function checkShardFiles(shards: ShardRef[]): Promise<void> {
  await Promise.all(
    shards.map(async ({ path, info }) => {
      const size = await stat(path).then(
        (s) => s.size,
        () => undefined,
      );
      if (size === undefined) throw new ShardMismatchError(path, `missing, but manifest.json lists it with ${info.records} records`);
      if (size !== info.bytes) throw new ShardMismatchError(path, `${size} bytes, but manifest.json lists ${info.bytes}`);
    }),
  );
}

/** Decoded images of one split: shards interleaved, then a bounded shuffle buffer. Memory stays flat. */
export async function* labelledImages(shards: ShardRef[], manifest: Manifest, options: RecordStreamOptions): AsyncGenerator<LabelledPixels> {
  for await (const group of labelledImageGroups(shards, manifest, options)) yield* group;
}

/**
 * The same stream, in groups of a few hundred images. Stepping an async generator
 * costs more than decoding a raw record, so the pipeline steps once per group and
 * loops over the group synchronously. Shard sizes are checked first, and each shard's
 * record and class counts once it is read to its end.
 */
export async function* labelledImageGroups(shards: ShardRef[], manifest: Manifest, options: RecordStreamOptions): AsyncGenerator<LabelledPixels[]> {
  await checkShardFiles(shards);
  const random = seedrandom(String(options.seed));
  const order = options.shuffleBuffer > 0 ? shuffle(shards, random) : shards;
  const buffer = options.shuffleBuffer > 0 ? new ShuffleBuffer<LabelledPixels>(options.shuffleBuffer, random) : undefined;
  const reading = { compression: manifest.compression, bufferPool: options.bufferPool };
  for await (const group of interleave(order, options.cycleLength, reading)) {
    const images = await decodeGroup(group, manifest);
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

/** Records of several shards; from[i] is the shard records[i] came from. finished: shards read to their end meanwhile. */
interface RecordGroup {
  records: TFRecord[];
  from: ShardCursor[];
  finished: ShardCursor[];
}

interface ShardReading {
  compression: Compression;
  bufferPool: ReadBufferPool | undefined;
}

/**
 * Round-robin over up to cycleLength open shards, one record each in turn; a finished
 * shard is replaced by the next, which has been opened and read from in advance.
 */
async function* interleave(shards: ShardRef[], cycleLength: number, reading: ShardReading): AsyncGenerator<RecordGroup> {
  const pending = shards.slice();
  const openNext = () => (pending.length > 0 ? new ShardCursor(pending.shift()!, reading) : undefined);
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
  let group: RecordGroup = { records: [], from: [], finished: [] };
  try {
    for (let i = 0; open.length > 0; ) {
      i %= open.length;
      const cursor = open[i]!;
      const record = cursor.take() ?? (await cursor.load());
      if (record === undefined) {
        group.finished.push(cursor);
        open.splice(i, 1);
        refill();
        continue;
      }
      group.records.push(record);
      group.from.push(cursor);
      i++;
      if (group.records.length === GROUP_RECORDS) {
        yield group;
        group = { records: [], from: [], finished: [] };
      }
    }
    if (group.records.length > 0 || group.finished.length > 0) yield group;
  } finally {
    // An epoch abandoned early must not leave files open.
    await Promise.all([...open, ...(standby ? [standby] : [])].map((cursor) => cursor.close()));
  }
}

/**
 * Reads one shard a record group at a time, always one group ahead so the read
 * overlaps the work on the current group; take() is synchronous until the group is used up.
 * Counts the labels of its decoded records, to check them against the manifest at the end.
 */
class ShardCursor {
  private readonly groups: AsyncGenerator<TFRecord[]>;
  private ahead: Promise<IteratorResult<TFRecord[]>>;
  private records: TFRecord[] = [];
  private next = 0;
  readonly classCounts: number[];

  constructor(
    readonly shard: ShardRef,
    readonly reading: ShardReading,
  ) {
    this.groups = readTFRecordGroups(shard.path, reading);
    this.ahead = this.readAhead();
    this.classCounts = new Array<number>(shard.info.classCounts.length).fill(0);
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

  /** Once every record is decoded: the shard held what the manifest lists, or a ShardMismatchError. */
  checkCounts(): void {
    const { path, info } = this.shard;
    const records = this.classCounts.reduce((a, b) => a + b, 0);
    if (records !== info.records) throw new ShardMismatchError(path, `holds ${records} records, but manifest.json lists ${info.records}`);
    if (this.classCounts.some((n, label) => n !== info.classCounts[label])) {
      throw new ShardMismatchError(path, `holds [${this.classCounts}] records per class, but manifest.json lists [${info.classCounts}]`);
    }
  }

  /** An error about one of this shard's records, naming the shard and the record's offset. */
  recordError(record: TFRecord, err: unknown): TFRecordError {
    const reason = `not a shardline image record: ${err instanceof Error ? err.message : String(err)}`;
    return new TFRecordError(this.shard.path, record.offset, reason, this.reading.compression);
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
async function decodeGroup(group: RecordGroup, manifest: Manifest): Promise<LabelledPixels[]> {
  const decoded = group.records.map((record, i) => toPixels(record, group.from[i]!, manifest));
  const images = decoded.some((d) => d instanceof Promise) ? await Promise.all(decoded) : (decoded as LabelledPixels[]);
  for (const shard of group.finished) shard.checkCounts();
  return images;
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
function toPixels(record: TFRecord, shard: ShardCursor, manifest: Manifest): LabelledPixels | Promise<LabelledPixels> {
  const { data, lease } = record;
  let image: ImageRecord;
  try {
    image = decodeImageExample(data);
    if (image.format === 'raw') return checkedPixels(image.encoded, image, shard, manifest, lease);
  } catch (err) {
    throw shard.recordError(record, err);
  }
  return decodeJpeg(image.encoded, manifest.image.channels)
    .then((pixels) => {
      lease?.release();
      return checkedPixels(pixels, image, shard, manifest, undefined);
    })
    .catch((err: unknown) => {
      throw shard.recordError(record, err);
    });
}

/** The image once its size and label fit the manifest; counted for its shard. */
function checkedPixels(pixels: Uint8Array, record: ImageRecord, shard: ShardCursor, manifest: Manifest, lease: ChunkLease | undefined): LabelledPixels {
  const { width, height, channels } = manifest.image;
  if (pixels.length !== width * height * channels) throw new Error(`image ${record.filename} has ${pixels.length} pixel bytes, expected ${width}x${height}x${channels}`);
  if (!(record.label >= 0 && record.label < manifest.classes.length)) throw new Error(`image ${record.filename} has label ${record.label}, but the manifest lists ${manifest.classes.length} classes`);
  shard.classCounts[record.label]!++;
  return { pixels, label: record.label, filename: record.filename, lease };
}

async function decodeJpeg(jpeg: Uint8Array, channels: number): Promise<Uint8Array> {
  const image = sharp(jpeg);
  return channels === 1 ? image.grayscale().raw().toBuffer() : image.removeAlpha().raw().toBuffer();
}
