import { extname } from 'node:path';
import { decodeBmp } from './bmp';
import { decodeJpeg } from './jpeg';
import { decodeNetpbm, isNetpbm, netpbmSize } from './netpbm';
import { checkPixelLimit, type DecodeTarget, type RawImage } from './raw-image';
import { rawPipeline, resizedBySharp, viaSharp } from './sharp-decode';

/**
 * One image format: the file extensions pack lists, the first bytes that identify it,
 * and its decoder. Adding a format is one entry in DECODERS.
 */
export interface ImageDecoder {
  name: string;
  /** Lower-case, with the dot. */
  extensions: string[];
  /** True if a file's first 16 bytes are this format's. */
  sniff: (head: Uint8Array) => boolean;
  /**
   * The image (or target.crop of it) resized to the target size (stretched, as Keras does): HWC uint8
   * with 1, 3 or 4 channels. Refuses an image over maxPixels before decoding it.
   */
  decode: (bytes: Buffer, target: DecodeTarget, maxPixels: number) => Promise<RawImage>;
}

function startsWith(signature: number[], at = 0): (head: Uint8Array) => boolean {
  return (head) => signature.every((b, i) => head[at + i] === b);
}

function viaNetpbm(bytes: Buffer, size: DecodeTarget, maxPixels: number): Promise<RawImage> {
  checkPixelLimit(netpbmSize(bytes), maxPixels);
  return resizedBySharp(rawPipeline(decodeNetpbm(bytes)), size);
}

function viaBmp(bytes: Buffer, size: DecodeTarget, maxPixels: number): Promise<RawImage> {
  return resizedBySharp(rawPipeline(decodeBmp(bytes, maxPixels)), size);
}

const TIFF_LE = startsWith([0x49, 0x49, 0x2a, 0x00]);
const TIFF_BE = startsWith([0x4d, 0x4d, 0x00, 0x2a]);

export const DECODERS: readonly ImageDecoder[] = [
  { name: 'JPEG', extensions: ['.jpg', '.jpeg', '.jpe'], sniff: startsWith([0xff, 0xd8, 0xff]), decode: decodeJpeg },
  {
    name: 'PNG',
    extensions: ['.png'],
    sniff: startsWith([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    decode: viaSharp,
  },
  { name: 'GIF', extensions: ['.gif'], sniff: startsWith([0x47, 0x49, 0x46, 0x38]), decode: viaSharp },
  { name: 'WebP', extensions: ['.webp'], sniff: startsWith([0x57, 0x45, 0x42, 0x50], 8), decode: viaSharp },
  { name: 'TIFF', extensions: ['.tif', '.tiff'], sniff: (head) => TIFF_LE(head) || TIFF_BE(head), decode: viaSharp },
  { name: 'AVIF', extensions: ['.avif'], sniff: startsWith([...Buffer.from('ftypavi')], 4), decode: viaSharp },
  // libvips in sharp's prebuilt binaries reads neither of these two.
  { name: 'BMP', extensions: ['.bmp'], sniff: startsWith([0x42, 0x4d]), decode: viaBmp },
  { name: 'PGM/PPM', extensions: ['.pgm', '.ppm', '.pnm'], sniff: isNetpbm, decode: viaNetpbm },
];

/** Extensions pack lists as images; other files are skipped and listed. */
export const IMAGE_EXTENSIONS: ReadonlySet<string> = new Set(DECODERS.flatMap((d) => d.extensions));

/** Why pack does not list a file as an image by its name, or undefined if its extension is an image format's. */
export function notAnImageName(file: string): string | undefined {
  const extension = extname(file);
  return IMAGE_EXTENSIONS.has(extension.toLowerCase())
    ? undefined
    : `not an image file extension (${extension || 'none'})`;
}

/** Bytes a file needs for sniff. */
export const HEAD_BYTES = 16;

export function decoderFor(head: Uint8Array): ImageDecoder | undefined {
  return DECODERS.find((decoder) => decoder.sniff(head));
}

const names = DECODERS.map((d) => d.name);
/** "JPEG, PNG, ... or PGM/PPM", for messages. */
export const DECODER_NAMES = `${names.slice(0, -1).join(', ')} or ${names.at(-1)}`;

export type { RawImage };
