import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';
import { decode as decodeBmp } from 'bmp-ts';
import sharp from 'sharp';
import { type RawImage, decodeNetpbm, isNetpbm, netpbmSize } from './netpbm';

export type ColorMode = 'rgb' | 'grayscale';
export type Payload = 'raw' | 'jpeg';

export interface DecodeOptions {
  width: number;
  height: number;
  colorMode: ColorMode;
  payload: Payload;
  /** JPEG quality when payload is jpeg. */
  jpegQuality: number;
  /** Images with more pixels are refused before decoding. */
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
    const bytes = input.kind === 'file' ? await readImageFile(input.path) : input.data;
    const source = input.kind === 'file' ? await openImage(bytes as Buffer, options.maxPixels) : rawPipeline(input);
    return { ...(await toPayload(source, options)), sourceSha256: createHash('sha256').update(bytes).digest('hex') };
  } catch (err) {
    return { ok: false, reason: describeError(err) };
  }
}

/** Bytes every format read here starts with (Netpbm is recognised by isNetpbm). */
const SIGNATURES: { format: string; at: number; bytes: number[] }[] = [
  { format: 'JPEG', at: 0, bytes: [0xff, 0xd8, 0xff] },
  { format: 'PNG', at: 0, bytes: [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a] },
  { format: 'GIF', at: 0, bytes: [0x47, 0x49, 0x46, 0x38] },
  { format: 'WebP', at: 8, bytes: [0x57, 0x45, 0x42, 0x50] },
  { format: 'BMP', at: 0, bytes: [0x42, 0x4d] },
  { format: 'TIFF', at: 0, bytes: [0x49, 0x49, 0x2a, 0x00] },
  { format: 'TIFF', at: 0, bytes: [0x4d, 0x4d, 0x00, 0x2a] },
];
const HEAD_BYTES = 16;

function isKnownImage(head: Uint8Array): boolean {
  return isNetpbm(head) || SIGNATURES.some(({ at, bytes }) => bytes.every((b, i) => head[at + i] === b));
}

/** The file's bytes once its first bytes are an image format's: a large junk file is refused after 16 bytes, not read whole. */
async function readImageFile(path: string): Promise<Buffer> {
  const handle = await open(path, 'r');
  try {
    const { size } = await handle.stat();
    if (size === 0) throw new Error('empty file');
    const head = Buffer.alloc(HEAD_BYTES);
    await handle.read(head, 0, HEAD_BYTES, 0);
    if (!isKnownImage(head)) throw new Error(`not an image: its first bytes (${head.subarray(0, 8).toString('hex')}) are not JPEG, PNG, GIF, WebP, BMP, TIFF or PGM/PPM; the other ${size - HEAD_BYTES > 0 ? size - HEAD_BYTES : 0} bytes were not read`);
    return await handle.readFile();
  } finally {
    await handle.close();
  }
}

async function openImage(bytes: Buffer, maxPixels: number): Promise<sharp.Sharp> {
  if (isNetpbm(bytes)) {
    checkPixelLimit(netpbmSize(bytes), maxPixels);
    return rawPipeline(decodeNetpbm(bytes));
  }
  if (isBmp(bytes)) {
    checkPixelLimit(bmpSize(bytes), maxPixels);
    checkBmpPixelData(bytes);
    const bmp = decodeBmp(bytes, { toRGBA: true });
    return rawPipeline({ data: bmp.data, width: bmp.width, height: bmp.height, channels: 4 });
  }
  // sharp reads the header first and refuses oversized images without decoding them.
  return sharp(bytes, { limitInputPixels: maxPixels, failOn: 'error' }).rotate();
}

function rawPipeline(image: RawImage): sharp.Sharp {
  return sharp(image.data, { raw: { width: image.width, height: image.height, channels: image.channels } });
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

function isBmp(bytes: Uint8Array): boolean {
  return bytes[0] === 0x42 && bytes[1] === 0x4d;
}

function bmpSize(bytes: Buffer): { width: number; height: number } {
  if (bytes.length < 26) throw new Error('truncated BMP header');
  return { width: Math.abs(bytes.readInt32LE(18)), height: Math.abs(bytes.readInt32LE(22)) };
}

const BMP_UNCOMPRESSED = new Set([0, 3]); // BI_RGB, BI_BITFIELDS

/** An uncompressed BMP must hold every row its header declares; bmp-ts reads past the end otherwise. */
function checkBmpPixelData(bytes: Buffer): void {
  if (bytes.length < 34) throw new Error('truncated BMP header');
  if (!BMP_UNCOMPRESSED.has(bytes.readUInt32LE(30))) return;
  const { width, height } = bmpSize(bytes);
  const rowBytes = Math.ceil((width * bytes.readUInt16LE(28)) / 32) * 4;
  const start = bytes.readUInt32LE(10);
  const has = Math.max(0, bytes.length - start);
  if (has < rowBytes * height) throw new Error(`truncated BMP pixel data: ${width}x${height} needs ${rowBytes * height} bytes from offset ${start}, has ${has}`);
}

function checkPixelLimit(size: { width: number; height: number }, maxPixels: number): void {
  if (size.width * size.height > maxPixels) {
    throw new Error(`image is ${size.width}x${size.height}, over the limit of ${maxPixels} pixels (not decoded)`);
  }
}

function describeError(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  if (/exceeds pixel limit/i.test(message)) return `image is over the pixel limit (not decoded): ${message}`;
  if (/unsupported image format/i.test(message)) return 'not an image sharp can read (unsupported or unrecognised format)';
  return message.split('\n')[0] ?? message;
}
