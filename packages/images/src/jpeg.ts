import { Transformer } from '@napi-rs/image';
import { luma601, rgb } from './channels';
import { readJpegHeader } from './jpeg-header';
import { checkPixelLimit, type DecodeTarget, type RawImage, type Size } from './raw-image';
import { viaSharp } from './sharp-decode';
import { decodeScaledRgba } from './turbojpeg-wasm';

/**
 * @napi-rs/image's FastResizeFilter.Lanczos3 and ResizeFit.Fill (its enums are types only). Lanczos3,
 * as sharp resizes, so files the two decoders share in one dataset are resampled alike. Bilinear cost
 * 14.5% fewer instructions (callgrind: 7.38 M against 8.63 M per 320x240 sample JPEG), but the demo
 * trained on its shards scored 96.5-98.0% in three runs, against 97.2-98.5% in two with Lanczos3.
 */
const LANCZOS3 = 5;
const FILL = 1;

/**
 * JPEG by @napi-rs/image (decode and Lanczos3 resize in one native call): 2-3x sharp's rate on the
 * 320x240 sample JPEGs, one thread, within 1 level of sharp's pixels on average. sharp keeps what it
 * does better: colour profiles, CMYK, and files that do not end in EOI, which it refuses as truncated
 * where a lenient decoder would fill in grey.
 */
export async function decodeJpeg(bytes: Buffer, size: DecodeTarget, maxPixels: number): Promise<RawImage> {
  const header = readJpegHeader(bytes);
  const sharpOnly = header?.components === 4 || header?.hasIccProfile || size.crop;
  if (!header || header.height === 0 || sharpOnly || !endsWithEoi(bytes)) {
    return viaSharp(bytes, size, maxPixels);
  }
  checkPixelLimit(header, maxPixels);
  const target = { width: size.width, height: size.height };
  const data = (header.orientation === 1 && scaledDecode(bytes, header, target)) || fastDecode(bytes, target);
  const channels = data && data.length / (size.width * size.height);
  if (!data || (channels !== 1 && channels !== 3 && channels !== 4)) return viaSharp(bytes, size, maxPixels);
  return { data, ...size, channels };
}

/**
 * Synchronous: a decode worker is one core's worth of decoding, and the async form, which runs on
 * libuv's pool, cost 15% more CPU per image here. Undefined where sharp should try: it reads some
 * JPEGs this decoder does not (arithmetic coding, 12-bit), or says why not.
 */
function fastDecode(bytes: Buffer, size: Size): Buffer | undefined {
  return lanczosResized(() => new Transformer(bytes).rotate(), size);
}

/** The image resized to size (Lanczos3, stretched), or undefined where @napi-rs/image refuses it. */
function lanczosResized(image: () => Transformer, size: Size): Buffer | undefined {
  try {
    return image()
      .fastResize({ ...size, filter: LANCZOS3, fit: FILL })
      .rawPixelsSync();
  } catch {
    return undefined;
  }
}

/**
 * The smallest M/8, M from 1 to 4, at which libjpeg's DCT-domain scaling gives exactly the source scaled
 * (both sides a whole number of pixels) and still covers the target; 8 (no scaling) when the target is
 * over half the source or no such M exists. PIL's draft and tf.image.decode_jpeg's ratio scale by 1/2,
 * 1/4 or 1/8 the same way; 3/8 also serves the sample's 320x240 to 64x64 (120x90, where 1/2 gives
 * 160x120): 2.0-2.4x the full decode's rate against 1.4-1.75x (one thread, 2,000 sample JPEGs). Where
 * a side is not whole (375 / 2 = 187.5), libjpeg pads the last pixel with the block's padding and the
 * resize would stretch the image by it: on the sample's noisy images at 333x251 that doubled the
 * difference from a full decode (0.58 levels at 320x240 to 64, 1.9 at 333x251).
 */
export function dctScaleEighths(source: Size, target: Size): number {
  const fits = (m: number, side: number, wanted: number) => (side * m) % 8 === 0 && (side * m) / 8 >= wanted;
  return [1, 2, 3, 4].find((m) => fits(m, source.width, target.width) && fits(m, source.height, target.height)) ?? 8;
}

/**
 * Decoded at an M/8 scale by libjpeg-turbo (WebAssembly), then resized like fastDecode. Undefined where
 * dctScaleEighths finds no scale (libjpeg-turbo without SIMD decodes a full-size image at 0.5-0.7x
 * @napi-rs/image's rate) or libjpeg-turbo warned: the caller decodes those as before.
 */
function scaledDecode(bytes: Buffer, source: Size, target: Size): Buffer | undefined {
  const eighths = dctScaleEighths(source, target);
  if (eighths === 8) return undefined;
  const scaled = { width: (source.width * eighths) / 8, height: (source.height * eighths) / 8 };
  const rgba = decodeScaledRgba(bytes, scaled);
  return rgba && lanczosResized(() => Transformer.fromRgbaPixels(rgba, scaled.width, scaled.height), target);
}

/** The EOI marker, allowing the padding some writers add after it. */
function endsWithEoi(bytes: Buffer): boolean {
  const tail = bytes.subarray(Math.max(0, bytes.length - 64));
  const last = tail.lastIndexOf(0xd9);
  return last > 0 && tail[last - 1] === 0xff;
}

/**
 * The pixels of a JPEG that a shard stores at its final size (a --payload jpeg record), with the
 * stored channel count: decoded by the fast decoder where it can, as pack decodes sources.
 */
export async function decodeStoredJpeg(jpeg: Uint8Array, size: Size, channels: 1 | 3): Promise<Uint8Array> {
  const bytes = Buffer.from(jpeg.buffer, jpeg.byteOffset, jpeg.byteLength);
  // decodeJpeg resizes to size: a payload of another size must be refused here, not stretched to fit.
  const header = readJpegHeader(bytes);
  if (!header) throw new Error('the JPEG payload has no frame header');
  if (header.width !== size.width || header.height !== size.height) {
    throw new Error(
      `the JPEG payload is ${header.width}x${header.height}, but the record is ${size.width}x${size.height}`,
    );
  }
  const image = await decodeJpeg(bytes, size, size.width * size.height);
  return channels === 1 ? luma601(image) : rgb(image);
}
