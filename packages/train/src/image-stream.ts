import { decodeStoredJpeg } from '@shardline/images';
import {
  checkShardFiles,
  decodeImageExample,
  type ImageRecord,
  type Manifest,
  recordProblem,
  type ShardRef,
  shuffle,
} from '@shardline/shards';
import type { ChunkLease, ReadBufferPool, TFRecord } from '@shardline/tfrecord';
import seedrandom from 'seedrandom';
import { interleave, type RecordGroup, type ShardCursor } from './interleave';
import { ShuffleBuffer } from './shuffle-buffer';

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
  /**
   * Data-parallel reading, as tf.data's Dataset.shard(numShards, shardIndex): only every numShards-th
   * record of the interleaved stream, from record shardIndex, becomes an image. Processes that share
   * the seed and cycleLength see the same stream, so their parts are disjoint and make up the whole.
   * Defaults to 1 and 0: every record.
   */
  numShards?: number;
  shardIndex?: number;
}

/** Decoded images of one split: shards interleaved, then a bounded shuffle buffer. Memory stays flat. */
export async function* labelledImages(
  shards: ShardRef[],
  manifest: Manifest,
  options: RecordStreamOptions,
): AsyncGenerator<LabelledPixels> {
  for await (const group of labelledImageGroups(shards, manifest, options)) yield* group;
}

/**
 * The same stream, in groups of a few hundred images. Stepping an async generator
 * costs more than decoding a raw record, so the pipeline steps once per group and
 * loops over the group synchronously. Shard sizes are checked first, and each shard's
 * record and class counts once it is read to its end.
 */
export async function* labelledImageGroups(
  shards: ShardRef[],
  manifest: Manifest,
  options: RecordStreamOptions,
): AsyncGenerator<LabelledPixels[]> {
  await checkShardFiles(shards);
  const random = seedrandom(String(options.seed));
  const order = options.shuffleBuffer > 0 ? shuffle(shards, random) : shards;
  const buffer =
    options.shuffleBuffer > 0 ? new ShuffleBuffer<LabelledPixels>(options.shuffleBuffer, random) : undefined;
  const reading = { compression: manifest.compression, bufferPool: options.bufferPool };
  const part = new StreamPart(options.numShards ?? 1, options.shardIndex ?? 0);
  for await (const group of interleave(order, options.cycleLength, reading)) {
    const images = await decodeGroup(group, manifest, part);
    const out = buffer ? buffer.exchange(images) : images;
    if (out.length > 0) yield out;
  }
  const rest = buffer?.drain() ?? [];
  if (rest.length > 0) yield rest;
}

/** Cuts a stream of image groups into batches of batchSize (the last may be smaller). */
export async function* imageBatches(
  groups: AsyncIterable<LabelledPixels[]>,
  batchSize: number,
): AsyncGenerator<LabelledPixels[]> {
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

/** Which records of the stream are this reader's: every numShards-th, from shardIndex. */
class StreamPart {
  private position = 0;

  constructor(
    private readonly numShards: number,
    private readonly shardIndex: number,
  ) {}

  /** Whether the stream's next record is ours. */
  takesNext(): boolean {
    return this.position++ % this.numShards === this.shardIndex;
  }
}

/**
 * Raw records decode synchronously, and so do JPEG payloads where @napi-rs/image reads them; sharp,
 * where it does not, runs on libuv threads. Records of another part are checked and counted, so each
 * shard's counts are still checked, but not decoded.
 */
async function decodeGroup(group: RecordGroup, manifest: Manifest, part: StreamPart): Promise<LabelledPixels[]> {
  const decoded: (LabelledPixels | Promise<LabelledPixels>)[] = [];
  group.records.forEach((record, i) => {
    if (part.takesNext()) decoded.push(toPixels(record, group.from[i]!, manifest));
    else countOnly(record, group.from[i]!, manifest);
  });
  const images = decoded.some((d) => d instanceof Promise) ? await Promise.all(decoded) : (decoded as LabelledPixels[]);
  for (const shard of group.finished) shard.checkCounts();
  return images;
}

/** A record another reader decodes: checked and tallied, its buffer released. */
function countOnly(record: TFRecord, shard: ShardCursor, manifest: Manifest): void {
  shard.tally.add(checkedRecord(record, shard, manifest).label);
  record.lease?.release();
}

/** The record's Example, checked against the manifest; errors name the shard and offset. */
function checkedRecord(record: TFRecord, shard: ShardCursor, manifest: Manifest): ImageRecord {
  try {
    const image = decodeImageExample(record.data);
    const problem = recordProblem(manifest, image);
    if (problem) throw new Error(problem);
    return image;
  } catch (err) {
    throw shard.recordError(record, err);
  }
}

/** Raw pixels stay a view into the read buffer (and keep its lease); decoded JPEG pixels are fresh, so the lease goes back at once. */
function toPixels(record: TFRecord, shard: ShardCursor, manifest: Manifest): LabelledPixels | Promise<LabelledPixels> {
  const { lease } = record;
  const image = checkedRecord(record, shard, manifest);
  if (image.format === 'raw') return counted(image.encoded, image, shard, lease);
  const { width, height, channels } = manifest.image;
  return decodeStoredJpeg(image.encoded, { width, height }, channels)
    .then((pixels) => {
      lease?.release();
      return counted(checkedJpegPixels(pixels, manifest), image, shard, undefined);
    })
    .catch((err: unknown) => {
      throw shard.recordError(record, err);
    });
}

function counted(
  pixels: Uint8Array,
  record: ImageRecord,
  shard: ShardCursor,
  lease: ChunkLease | undefined,
): LabelledPixels {
  shard.tally.add(record.label);
  return { pixels, label: record.label, filename: record.filename, lease };
}

/** A JPEG's header can claim a size its pixels do not have. */
function checkedJpegPixels(pixels: Uint8Array, manifest: Manifest): Uint8Array {
  const { width, height, channels } = manifest.image;
  if (pixels.length !== width * height * channels)
    throw new Error(`decoded JPEG has ${pixels.length} pixel bytes, expected ${width}x${height}x${channels}`);
  return pixels;
}
