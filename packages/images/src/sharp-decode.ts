import sharp from 'sharp';
import type { RawImage, Size } from './raw-image';

export function rawPipeline(image: RawImage): sharp.Sharp {
  return sharp(image.data, { raw: { width: image.width, height: image.height, channels: image.channels } });
}

/** The pipeline's image resized to size (stretched, as Keras does), in sRGB, as raw pixels. */
export async function resizedBySharp(pipeline: sharp.Sharp, size: Size): Promise<RawImage> {
  const resized = pipeline.resize(size.width, size.height, { fit: 'fill' }).toColourspace('srgb');
  const { data, info } = await resized.raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height, channels: info.channels as RawImage['channels'] };
}

/** libvips reads the header first and refuses oversized images without decoding them. */
export function viaSharp(bytes: Buffer, size: Size, maxPixels: number): Promise<RawImage> {
  return resizedBySharp(sharp(bytes, { limitInputPixels: maxPixels, failOn: 'error' }).rotate(), size);
}
