import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';
import type sharp from 'sharp';
import { DECODER_NAMES, decoderFor, HEAD_BYTES } from './decoders';
import { type RawImage, rawPipeline } from './raw-image';

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

/** Where an image comes from: a file, or pixels already in memory (IDX sources). */
export type ImageInput = { kind: 'file'; path: string } | ({ kind: 'pixels' } & RawImage);

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
    const { bytes, pipeline } =
      input.kind === 'file'
        ? await openImageFile(input.path, options.maxPixels)
        : { bytes: input.data, pipeline: rawPipeline(input) };
    return { ...(await toPayload(pipeline, options)), sourceSha256: createHash('sha256').update(bytes).digest('hex') };
  } catch (err) {
    return { ok: false, reason: describeError(err) };
  }
}

/** The file's bytes and its decoded pixels, once its first bytes are an image format's: a large junk file is refused after 16 bytes, not read whole. */
async function openImageFile(path: string, maxPixels: number): Promise<{ bytes: Buffer; pipeline: sharp.Sharp }> {
  const handle = await open(path, 'r');
  try {
    const { size } = await handle.stat();
    if (size === 0) throw new Error('empty file');
    const head = Buffer.alloc(HEAD_BYTES);
    await handle.read(head, 0, HEAD_BYTES, 0);
    const decoder = decoderFor(head);
    if (!decoder)
      throw new Error(
        `not an image: its first bytes (${head.subarray(0, 8).toString('hex')}) are not ${DECODER_NAMES}; the other ${Math.max(0, size - HEAD_BYTES)} bytes were not read`,
      );
    const bytes = await handle.readFile();
    return { bytes, pipeline: decoder.decode(bytes, maxPixels) };
  } finally {
    await handle.close();
  }
}

async function toPayload(image: sharp.Sharp, options: DecodeOptions): Promise<DecodedImage> {
  const channels = options.colorMode === 'grayscale' ? 1 : 3;
  const resized = image.resize(options.width, options.height, { fit: 'fill' }).removeAlpha().toColourspace('srgb');
  const pipeline = channels === 1 ? luma601(resized) : resized;
  if (options.payload === 'jpeg') {
    const data = await pipeline.jpeg({ quality: options.jpegQuality }).toBuffer();
    return { ok: true, data, width: options.width, height: options.height, channels, format: 'jpeg' };
  }
  const { data, info } = await pipeline.raw().toBuffer({ resolveWithObject: true });
  if (info.channels !== channels) throw new Error(`decoder produced ${info.channels} channels, expected ${channels}`);
  return { ok: true, data, width: info.width, height: info.height, channels, format: 'raw' };
}

const LUMA_601: [number, number, number] = [0.299, 0.587, 0.114];

/**
 * ITU-R 601 luma of the stored sRGB values, rounded: what PIL's convert('L') (so Keras's
 * color_mode='grayscale') and tf.image.rgb_to_grayscale give. sharp's grayscale() computes
 * linear-light luminance instead, 3.7 levels off on average.
 */
function luma601(rgb: sharp.Sharp): sharp.Sharp {
  // The weights sum to 1, so adding 0.5 turns libvips's truncation into rounding.
  return rgb.recomb([LUMA_601, LUMA_601, LUMA_601]).linear(1, 0.5).extractChannel(0).toColourspace('b-w');
}

function describeError(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  if (/exceeds pixel limit/i.test(message)) return `image is over the pixel limit (not decoded): ${message}`;
  if (/unsupported image format/i.test(message))
    return 'not an image sharp can read (unsupported or unrecognised format)';
  return message.split('\n')[0] ?? message;
}
