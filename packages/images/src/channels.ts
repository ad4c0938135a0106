import type { RawImage } from './raw-image';

/** The image as RGB: grey replicated, alpha dropped. */
export function rgb(image: RawImage): Uint8Array {
  if (image.channels === 3) return image.data;
  const out = new Uint8Array(image.width * image.height * 3);
  for (let p = 0, i = 0; p < out.length; p += 3, i += image.channels) {
    out[p] = image.data[i]!;
    out[p + 1] = image.data[image.channels === 1 ? i : i + 1]!;
    out[p + 2] = image.data[image.channels === 1 ? i : i + 2]!;
  }
  return out;
}

/**
 * ITU-R 601 luma of the stored sRGB values, with PIL's own integer arithmetic: what PIL's
 * convert('L') (so Keras's color_mode='grayscale') and tf.image.rgb_to_grayscale give.
 * sharp's grayscale() computes linear-light luminance instead, 3.7 levels off on average.
 */
export function luma601(image: RawImage): Uint8Array {
  if (image.channels === 1) return image.data;
  const out = new Uint8Array(image.width * image.height);
  for (let p = 0, i = 0; p < out.length; p++, i += image.channels) {
    out[p] = (image.data[i]! * 19595 + image.data[i + 1]! * 38470 + image.data[i + 2]! * 7471 + 0x8000) >> 16;
  }
  return out;
}
