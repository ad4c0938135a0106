import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { PackOptions } from '@shardline/pack';
import sharp from 'sharp';
import { tempDir } from './paths';

/** A small solid-colour image with a gradient, encoded as the given sharp format. */
export async function imageBytes(
  format: 'jpeg' | 'png' | 'webp' | 'gif' | 'avif',
  width = 40,
  height = 30,
  seed = 0,
): Promise<Buffer> {
  return sharp(gradient(width, height, seed), { raw: { width, height, channels: 3 } })
    .toFormat(format)
    .toBuffer();
}

export function gradient(width: number, height: number, seed: number, channels = 3): Buffer {
  const pixels = Buffer.alloc(width * height * channels);
  for (let i = 0; i < pixels.length; i++) pixels[i] = (i * 7 + seed * 31) % 256;
  return pixels;
}

export function ppm(width: number, height: number, seed: number, gray = false): Buffer {
  const header = Buffer.from(`${gray ? 'P5' : 'P6'}\n# written by the test\n${width} ${height}\n255\n`);
  return Buffer.concat([header, gradient(width, height, seed, gray ? 1 : 3)]);
}

/** A 24-bit BMP of gradient(): rows stored bottom-up, pixels as B, G, R. */
export function bmp(width: number, height: number, seed: number): Buffer {
  const rowBytes = Math.ceil((width * 3) / 4) * 4;
  const file = Buffer.alloc(54 + rowBytes * height);
  file.write('BM', 0, 'ascii');
  file.writeUInt32LE(file.length, 2);
  file.writeUInt32LE(54, 10);
  file.writeUInt32LE(40, 14);
  file.writeInt32LE(width, 18);
  file.writeInt32LE(height, 22);
  file.writeUInt16LE(1, 26);
  file.writeUInt16LE(24, 28);
  file.writeUInt32LE(rowBytes * height, 34);
  const pixels = gradient(width, height, seed);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const from = (y * width + x) * 3;
      const to = 54 + (height - 1 - y) * rowBytes + x * 3;
      [file[to], file[to + 1], file[to + 2]] = [pixels[from + 2]!, pixels[from + 1]!, pixels[from]!];
    }
  }
  return file;
}

export function writeFiles(root: string, files: Record<string, Buffer | string>): void {
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(dirname(join(root, name)), { recursive: true });
    writeFileSync(join(root, name), content);
  }
}

/** A class-folder source in a new temporary folder: `cats` JPEGs (30x20) and `dogs` PNGs (20x30), each image different, and any `extra` files. */
export async function catsAndDogs(
  cats: number,
  dogs: number,
  extra: Record<string, Buffer | string> = {},
): Promise<string> {
  const src = tempDir();
  const files: Record<string, Buffer | string> = { ...extra };
  for (let i = 0; i < cats; i++) files[`cats/cat.${i}.jpg`] = await imageBytes('jpeg', 30, 20, i);
  for (let i = 0; i < dogs; i++) files[`dogs/dog.${i}.png`] = await imageBytes('png', 20, 30, 50 + i);
  writeFiles(src, files);
  return src;
}

/** IDX files as MNIST ships them: big-endian header, gzip. */
export function idxFiles(dir: string, prefix: string, images: Buffer[], labels: number[], size = 28): void {
  const imageHeader = Buffer.alloc(16);
  imageHeader.writeUInt32BE(0x0803, 0);
  imageHeader.writeUInt32BE(images.length, 4);
  imageHeader.writeUInt32BE(size, 8);
  imageHeader.writeUInt32BE(size, 12);
  const labelHeader = Buffer.alloc(8);
  labelHeader.writeUInt32BE(0x0801, 0);
  labelHeader.writeUInt32BE(labels.length, 4);
  writeFileSync(join(dir, `${prefix}-images-idx3-ubyte.gz`), gzipSync(Buffer.concat([imageHeader, ...images])));
  writeFileSync(
    join(dir, `${prefix}-labels-idx1-ubyte.gz`),
    gzipSync(Buffer.concat([labelHeader, Buffer.from(labels)])),
  );
}

export function packDefaults(src: string, out: string, overrides: Partial<PackOptions> = {}): Partial<PackOptions> {
  return {
    src,
    out,
    width: 16,
    height: 12,
    colorMode: 'rgb',
    payload: 'raw',
    jpegQuality: 90,
    validationSplit: 0.25,
    seed: 7,
    shardBytes: 64 << 20,
    compression: 'none',
    workers: 1,
    maxPixels: 10_000_000,
    // One name whatever the folder: tests compare shard lists of packs made in different folders.
    datasetName: 'test_images',
    ...overrides,
  };
}
