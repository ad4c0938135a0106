import { readFile } from 'node:fs/promises';
import { gunzipSync } from 'node:zlib';
import { ShardlineError } from '@shardline/errors';
import type { SplitName } from '@shardline/shards';
import { eachItem, itemWith, type SourceItem, type SourceItems } from './source-items';

/** The IDX format of MNIST and Fashion-MNIST: big-endian magic (type code, rank) then dimensions. */
export interface IdxArray {
  dims: number[];
  data: Uint8Array;
}

const UNSIGNED_BYTE = 0x08;

export async function readIdx(file: string): Promise<IdxArray> {
  let bytes = await readFile(file);
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) bytes = gunzipSync(bytes);
  return parseIdx(bytes, file);
}

export function parseIdx(bytes: Buffer, file: string): IdxArray {
  if (bytes.length < 4 || bytes[0] !== 0 || bytes[1] !== 0)
    throw new ShardlineError('ERR_INPUT', `${file}: not an IDX file (bad magic)`);
  if (bytes[2] !== UNSIGNED_BYTE)
    throw new ShardlineError('ERR_INPUT', `${file}: IDX element type 0x${bytes[2]!.toString(16)} is not unsigned byte`);
  const rank = bytes[3]!;
  const headerBytes = 4 + 4 * rank;
  if (bytes.length < headerBytes) throw new ShardlineError('ERR_INPUT', `${file}: truncated IDX header`);
  const dims = Array.from({ length: rank }, (_, i) => bytes.readUInt32BE(4 + 4 * i));
  const count = dims.reduce((a, b) => a * b, 1);
  if (bytes.length !== headerBytes + count) {
    throw new ShardlineError(
      'ERR_INPUT',
      `${file}: IDX dimensions ${dims.join('x')} need ${count} bytes of data, file has ${bytes.length - headerBytes}`,
    );
  }
  // A plain Uint8Array, not a Buffer: Buffer#slice returns a view, Uint8Array#slice copies.
  return { dims, data: new Uint8Array(bytes.buffer, bytes.byteOffset + headerBytes, count) };
}

export const FASHION_MNIST_CLASSES = [
  'T-shirt/top',
  'Trouser',
  'Pullover',
  'Dress',
  'Coat',
  'Sandal',
  'Shirt',
  'Sneaker',
  'Bag',
  'Ankle boot',
];
export const DIGIT_CLASSES = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];

/** One IDX images file with its labels. */
interface IdxPart {
  /** The images file's name: an image is named name#index. */
  name: string;
  images: Uint8Array;
  labels: Uint8Array;
  count: number;
  width: number;
  height: number;
  split: SplitName | undefined;
}

/**
 * The images of IDX files as SourceItems. An image's pixels are copied out of its file's buffer only
 * when its item is made: a copy per image at listing took Fashion-MNIST's 70,000 images to 340 MiB.
 */
export class IdxImages implements SourceItems {
  length = 0;
  private readonly parts: IdxPart[] = [];

  add(part: IdxPart): void {
    this.parts.push(part);
    this.length += part.count;
  }

  label(index: number): number {
    const { part, i } = this.locate(index);
    return part.labels[i]!;
  }

  split(index: number): SplitName | undefined {
    return this.locate(index).part.split;
  }

  name(index: number): string {
    const { part, i } = this.locate(index);
    return `${part.name}#${i}`;
  }

  item(index: number): SourceItem {
    const { part, i } = this.locate(index);
    const { width, height } = part;
    const pixels = width * height;
    // slice() copies: a view would carry the whole IDX buffer to the worker.
    const data = part.images.slice(i * pixels, (i + 1) * pixels);
    return itemWith(this, index, { kind: 'pixels', data, width, height, channels: 1 });
  }

  [Symbol.iterator](): Iterator<SourceItem> {
    return eachItem(this);
  }

  private locate(index: number): { part: IdxPart; i: number } {
    let i = index;
    for (const part of this.parts) {
      if (i < part.count) return { part, i };
      i -= part.count;
    }
    throw new RangeError(`IDX image ${index} of ${this.length}`);
  }
}
