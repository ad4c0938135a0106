import type sharp from 'sharp';

let loaded: typeof sharp | undefined;
let oneThreadNoCache = false;

/**
 * sharp, loaded on first use: a decode worker that meets only JPEGs (read by @napi-rs/image)
 * never pays its 40 ms load.
 */
export function loadSharp(): typeof sharp {
  if (!loaded) {
    loaded = require('sharp') as typeof sharp;
    if (oneThreadNoCache) configure(loaded);
  }
  return loaded;
}

/** A decode worker is one core's worth of decoding: one libvips thread, no operation cache. */
export function useSharpAsWorker(): void {
  oneThreadNoCache = true;
  if (loaded) configure(loaded);
}

function configure(library: typeof sharp): void {
  library.concurrency(1);
  library.cache(false);
}

import type { DecodeTarget, RawImage } from './raw-image';

export function rawPipeline(image: RawImage): sharp.Sharp {
  return loadSharp()(image.data, { raw: { width: image.width, height: image.height, channels: image.channels } });
}

/** The pipeline's image (or the target's crop of it) resized to the target (stretched, as Keras does), in sRGB, as raw pixels. */
export async function resizedBySharp(pipeline: sharp.Sharp, target: DecodeTarget): Promise<RawImage> {
  const cropped = target.crop ? pipeline.extract(target.crop) : pipeline;
  const resized = cropped.resize(target.width, target.height, { fit: 'fill' }).toColourspace('srgb');
  const { data, info } = await resized.raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height, channels: info.channels as RawImage['channels'] };
}

/** libvips reads the header first and refuses oversized images without decoding them. */
export function viaSharp(bytes: Buffer, size: DecodeTarget, maxPixels: number): Promise<RawImage> {
  return resizedBySharp(loadSharp()(bytes, { limitInputPixels: maxPixels, failOn: 'error' }).rotate(), size);
}
