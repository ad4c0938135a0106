import { createHash } from 'node:crypto';
import { closeSync, fstatSync, openSync, readFileSync, readSync } from 'node:fs';
import { luma601, rgb } from './channels';
import { type CsvRowInput, readCsvRow } from './csv-row';
import { DECODER_NAMES, decoderFor, HEAD_BYTES, type ImageDecoder } from './decoders';
import type { CropBox, DecodeTarget, RawImage, Size } from './raw-image';
import { loadSharp, rawPipeline, resizedBySharp } from './sharp-decode';

export type ColorMode = 'rgb' | 'grayscale';
export type Payload = 'raw' | 'jpeg';

/** Images with more pixels are refused before decoding (a decompression bomb, or a scan far larger than training needs). */
export const DEFAULT_MAX_PIXELS = 64_000_000;

export interface DecodeOptions {
  width: number;
  height: number;
  colorMode: ColorMode;
  payload: Payload;
  /** JPEG quality when payload is jpeg. */
  jpegQuality: number;
  /** Images with more pixels are refused before decoding. Defaults to DEFAULT_MAX_PIXELS. */
  maxPixels: number;
}

/** An image file, or only a region of it. */
export interface FileInput {
  kind: 'file';
  path: string;
  /** Decode only this region (a label table's ROI columns). */
  crop?: CropBox;
}

/** Where an image comes from: a file, pixels already in memory (IDX sources), or a row of a pixel CSV. */
export type ImageInput = FileInput | ({ kind: 'pixels' } & RawImage) | CsvRowInput;

export interface DecodedImage {
  ok: true;
  /** SHA-256 of the source file's bytes (or of the pixels given), to find the same image in two splits. */
  sourceSha256?: string;
  /** Raw HWC uint8 pixels, or JPEG bytes. */
  data: Uint8Array;
  width: number;
  height: number;
  channels: 1 | 3;
  format: Payload;
}

export interface DecodeFailure {
  ok: false;
  reason: string;
}

export type DecodeResult = DecodedImage | DecodeFailure;

/** Decodes, resizes (stretching to the target, as Keras does) and encodes one image. Never throws. */
export async function decodeImage(input: ImageInput, options: DecodeOptions): Promise<DecodeResult> {
  try {
    const { width, height } = options;
    const { bytes, resized } =
      input.kind === 'file'
        ? await decodeFile(input.path, { width, height, crop: input.crop }, options.maxPixels)
        : await resizePixels(input, { width, height });
    return await toPayload(resized, options, createHash('sha256').update(bytes).digest('hex'));
  } catch (err) {
    return { ok: false, reason: describeError(err) };
  }
}

async function resizePixels(
  input: Exclude<ImageInput, FileInput>,
  size: Size,
): Promise<{ bytes: Uint8Array; resized: RawImage }> {
  const pixels = input.kind === 'csv-row' ? readCsvRow(input) : input;
  // Already the size (MNIST's 28x28 packed at 28): sharp's fixed cost per call was most of the work.
  const same = pixels.width === size.width && pixels.height === size.height;
  return { bytes: pixels.data, resized: same ? pixels : await resizedBySharp(rawPipeline(pixels), size) };
}

async function decodeFile(
  path: string,
  size: DecodeTarget,
  maxPixels: number,
): Promise<{ bytes: Buffer; resized: RawImage }> {
  const { bytes, decoder } = readImageFile(path);
  return { bytes, resized: await decoder.decode(bytes, size, maxPixels) };
}

/**
 * The file's bytes and their decoder, once its first bytes are an image format's: a large junk file
 * is refused after 16 bytes, not read whole. Synchronous, as decoding is: five awaited file operations
 * per image cost a decode worker more than the read itself.
 */
function readImageFile(path: string): { bytes: Buffer; decoder: ImageDecoder } {
  const fd = openSync(path, 'r');
  try {
    const { size } = fstatSync(fd);
    if (size === 0) throw new Error('empty file');
    const head = Buffer.alloc(HEAD_BYTES);
    readSync(fd, head, 0, HEAD_BYTES, 0);
    const decoder = decoderFor(head);
    if (!decoder) {
      throw new Error(
        `not an image: its first bytes (${head.subarray(0, 8).toString('hex')}) are not ${DECODER_NAMES}; the other ${Math.max(0, size - HEAD_BYTES)} bytes were not read`,
      );
    }
    return { bytes: readFileSync(fd), decoder };
  } finally {
    closeSync(fd);
  }
}

/**
 * The stored channels (RGB, or ITU-R 601 luma), then the payload: the raw pixels or a JPEG of them.
 * The decoded image is one object literal: a spread copy of each result (`{ ...payload, sourceSha256 }`)
 * outlived its turn, and V8 promoted about 180 bytes an image into a decode process's old generation.
 */
async function toPayload(image: RawImage, options: DecodeOptions, sourceSha256: string): Promise<DecodedImage> {
  const channels = options.colorMode === 'grayscale' ? 1 : 3;
  const pixels = channels === 1 ? luma601(image) : rgb(image);
  const { width, height } = image;
  if (options.payload === 'raw')
    return { ok: true, data: pixels, width, height, channels, format: 'raw', sourceSha256 };
  const data = await loadSharp()(pixels, { raw: { width, height, channels } })
    .toColourspace(channels === 1 ? 'b-w' : 'srgb')
    .jpeg({ quality: options.jpegQuality })
    .toBuffer();
  return { ok: true, data, width, height, channels, format: 'jpeg', sourceSha256 };
}

function describeError(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  if (/exceeds pixel limit/i.test(message)) return `image is over the pixel limit (not decoded): ${message}`;
  if (/unsupported image format/i.test(message))
    return 'not an image sharp can read (unsupported or unrecognised format)';
  return message.split('\n')[0] ?? message;
}
