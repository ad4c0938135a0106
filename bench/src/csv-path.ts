import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { decodeImageExample, type Manifest, shuffle, splitShards } from '@shardline/shards';
import { readTFRecords } from '@shardline/tfrecord';
import { type LabelledPixels, toBatch } from '@shardline/train/internal';
import seedrandom from 'seedrandom';
import type { InputPath } from './io';

/**
 * Writes the train split of a raw shard folder as a pixel CSV (`label,pixel0,...`, HWC order): the
 * same images at the same size as every other path of `bench io`. Not timed.
 */
export async function writePixelCsvCopy(shards: string, manifest: Manifest, file: string): Promise<void> {
  const { width, height, channels } = manifest.image;
  const out = createWriteStream(file);
  const columns = Array.from({ length: width * height * channels }, (_, i) => `pixel${i}`);
  out.write(`label,${columns.join(',')}\n`);
  for (const shard of splitShards(shards, manifest, 'train'))
    for await (const { data } of readTFRecords(shard.path)) {
      const record = decodeImageExample(data);
      if (!out.write(`${record.label},${record.encoded.join(',')}\n`)) await once(out, 'drain');
    }
  out.end();
  await once(out, 'finish');
}

/** Every row of a pixel CSV of integers, parsed as pandas' C tokenizer does: one pass over the bytes. */
export function parsePixelCsv(bytes: Uint8Array, pixelsPerRow: number): { labels: number[]; pixels: Uint8Array } {
  const labels: number[] = [];
  const rows: Uint8Array[] = [];
  let i = bytes.indexOf(10) + 1; // after the header
  while (i < bytes.length) {
    const row = new Uint8Array(pixelsPerRow);
    let field = -1;
    let value = 0;
    for (; i < bytes.length; i++) {
      const c = bytes[i]!;
      if (c >= 48 && c <= 57) value = value * 10 + c - 48;
      else if (c === 44 || c === 10) {
        if (field < 0) labels.push(value);
        else row[field] = value;
        field++;
        value = 0;
        if (c === 10) break;
      }
    }
    i++;
    if (field > 0) rows.push(row);
  }
  const pixels = new Uint8Array(rows.length * pixelsPerRow);
  for (const [r, row] of rows.entries()) pixels.set(row, r * pixelsPerRow);
  return { labels, pixels };
}

/**
 * The CSV way of course material: each epoch reads the whole pixel CSV and parses it (pandas.read_csv),
 * then shuffles the rows into batches.
 */
export async function csvPath(file: string, manifest: Manifest, batchSize: number): Promise<InputPath> {
  const { width, height, channels } = manifest.image;
  const size = width * height * channels;
  return {
    name: 'pixel CSV, parsed each epoch',
    bytesPerEpoch: (await stat(file)).size,
    epoch: async (consume, epochIndex) => {
      const { labels, pixels } = parsePixelCsv(await readFile(file), size);
      const rows: LabelledPixels[] = labels.map((label, r) => ({
        label,
        pixels: pixels.subarray(r * size, (r + 1) * size),
        filename: String(r),
      }));
      const order = shuffle(rows, seedrandom(`csv:${epochIndex}`));
      for (let start = 0; start < order.length; start += batchSize)
        consume(toBatch(order.slice(start, start + batchSize), manifest, 1 / 255));
      return order.length;
    },
  };
}
