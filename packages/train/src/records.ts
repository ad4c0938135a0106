import { join } from 'node:path';
import seedrandom from 'seedrandom';
import sharp from 'sharp';
import { type Manifest, type SplitName, decodeImageExample, shuffle } from '@shardline/pack';
import { readTFRecords } from '@shardline/tfrecord';

export interface LabelledPixels {
  /** HWC uint8 pixels. */
  pixels: Uint8Array;
  label: number;
  filename: string;
}

export interface RecordStreamOptions {
  /** Shards read at once, one record from each in turn (tf.data interleave). */
  cycleLength: number;
  /** Records held for random draws; 0 keeps file order. */
  shuffleBuffer: number;
  seed: number;
}

export function shardPaths(dir: string, manifest: Manifest, split: SplitName): string[] {
  const info = manifest.splits[split];
  if (!info) throw new Error(`${dir} has no '${split}' split (has: ${Object.keys(manifest.splits).join(', ')})`);
  return info.shards.map((s) => join(dir, s.file));
}

/** Decoded images of one split: shards interleaved, then a bounded shuffle buffer. Memory stays flat. */
export async function* labelledImages(files: string[], manifest: Manifest, options: RecordStreamOptions): AsyncGenerator<LabelledPixels> {
  const random = seedrandom(String(options.seed));
  const order = options.shuffleBuffer > 0 ? shuffle(files, random) : files;
  const decoded = mapRecords(interleave(order, options.cycleLength), (data) => toPixels(data, manifest));
  yield* options.shuffleBuffer > 0 ? shuffleBuffer(decoded, options.shuffleBuffer, random) : decoded;
}

/** Round-robin over up to cycleLength open shards; a finished shard is replaced by the next. */
async function* interleave(files: string[], cycleLength: number): AsyncGenerator<Uint8Array> {
  const pending = files.slice();
  const open: AsyncGenerator<{ data: Buffer }>[] = [];
  const refill = () => {
    while (open.length < Math.max(1, cycleLength) && pending.length > 0) open.push(readTFRecords(pending.shift()!));
  };
  refill();
  for (let i = 0; open.length > 0; ) {
    i %= open.length;
    const next = await open[i]!.next();
    if (next.done) {
      open.splice(i, 1);
      refill();
      continue;
    }
    yield next.value.data;
    i++;
  }
}

async function* mapRecords<T>(records: AsyncIterable<Uint8Array>, fn: (data: Uint8Array) => Promise<T>): AsyncGenerator<T> {
  for await (const data of records) yield await fn(data);
}

async function* shuffleBuffer<T>(items: AsyncIterable<T>, size: number, random: () => number): AsyncGenerator<T> {
  const buffer: T[] = [];
  for await (const item of items) {
    if (buffer.length < size) {
      buffer.push(item);
      continue;
    }
    const i = Math.floor(random() * size);
    yield buffer[i]!;
    buffer[i] = item;
  }
  yield* shuffle(buffer, random);
}

async function toPixels(data: Uint8Array, manifest: Manifest): Promise<LabelledPixels> {
  const record = decodeImageExample(data);
  const { width, height, channels } = manifest.image;
  const pixels = record.format === 'raw' ? record.encoded : await decodeJpeg(record.encoded, channels);
  if (pixels.length !== width * height * channels) throw new Error(`record ${record.filename}: ${pixels.length} pixel bytes, expected ${width}x${height}x${channels}`);
  return { pixels, label: record.label, filename: record.filename };
}

async function decodeJpeg(jpeg: Uint8Array, channels: number): Promise<Uint8Array> {
  const image = sharp(jpeg);
  return channels === 1 ? image.grayscale().raw().toBuffer() : image.removeAlpha().raw().toBuffer();
}
