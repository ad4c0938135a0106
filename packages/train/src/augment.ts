import * as tf from '@tensorflow/tfjs';
import seedrandom from 'seedrandom';

/** Random transforms per image, as Keras ImageDataGenerator offers them. */
export interface AugmentOptions {
  horizontalFlip: boolean;
  verticalFlip: boolean;
  /** Degrees, drawn from [-range, range]. */
  rotationRange: number;
  /** Fraction of width / height, drawn from [-range, range]. */
  widthShiftRange: number;
  heightShiftRange: number;
  /** Shear angle in degrees, drawn from [-range, range]. */
  shearRange: number;
  /** Zoom factor drawn from [1 - range, 1 + range]. */
  zoomRange: number;
  /** Multiplicative brightness drawn from [min, max]; [1, 1] is off. */
  brightnessRange: [number, number];
  fillMode: 'nearest' | 'constant' | 'reflect' | 'wrap';
  fillValue: number;
}

export const NO_AUGMENTATION: AugmentOptions = {
  horizontalFlip: false,
  verticalFlip: false,
  rotationRange: 0,
  widthShiftRange: 0,
  heightShiftRange: 0,
  shearRange: 0,
  zoomRange: 0,
  brightnessRange: [1, 1],
  fillMode: 'nearest',
  fillValue: 0,
};

export function isAugmenting(a: AugmentOptions): boolean {
  return a.horizontalFlip || a.verticalFlip || hasGeometry(a) || a.brightnessRange[0] !== 1 || a.brightnessRange[1] !== 1;
}

function hasGeometry(a: AugmentOptions): boolean {
  return a.rotationRange > 0 || a.widthShiftRange > 0 || a.heightShiftRange > 0 || a.shearRange > 0 || a.zoomRange > 0;
}

/** Returns a function that augments an NHWC float batch in memory. */
export function makeAugmenter(options: AugmentOptions, seed: number): (images: tf.Tensor4D) => tf.Tensor4D {
  const random = seedrandom(`augment:${seed}`);
  const uniform = (range: number) => (random() * 2 - 1) * range;
  return (images) =>
    tf.tidy(() => {
      const [n, h, w] = images.shape;
      let out = images;
      if (hasGeometry(options)) {
        const matrices = Array.from({ length: n }, () => affineRow(options, w, h, uniform, random));
        out = tf.image.transform(out, tf.tensor2d(matrices, [n, 8]), 'bilinear', options.fillMode, options.fillValue);
      }
      if (options.horizontalFlip) out = randomFlip(out, 2, random);
      if (options.verticalFlip) out = randomFlip(out, 1, random);
      const [low, high] = options.brightnessRange;
      if (low !== 1 || high !== 1) {
        const factors = Array.from({ length: n }, () => low + random() * (high - low));
        out = tf.mul(out, tf.tensor4d(factors, [n, 1, 1, 1]));
      }
      return out;
    });
}

/**
 * mask * mirror + (1 - mask) * image, with a per-image 0/1 mask that broadcasts.
 * Exact for 0 and 1, and on wasm about 20x faster than tf.where, whose
 * condition must first be tiled to the full batch shape.
 */
function randomFlip(images: tf.Tensor4D, axis: 1 | 2, random: () => number): tf.Tensor4D {
  const flags = Array.from({ length: images.shape[0] }, () => (random() < 0.5 ? 1 : 0));
  const mask = tf.tensor4d(flags, [flags.length, 1, 1, 1]);
  return tf.add(tf.mul(mask, tf.reverse(images, axis)), tf.mul(tf.sub(1, mask), images));
}

/**
 * The projective row [a0 a1 a2 b0 b1 b2 0 0] tf.image.transform expects: it maps
 * each output pixel to the input pixel it samples. Rotation, shear and zoom are
 * about the image centre, then the shift is applied.
 */
function affineRow(o: AugmentOptions, w: number, h: number, uniform: (r: number) => number, random: () => number): number[] {
  const theta = (uniform(o.rotationRange) * Math.PI) / 180;
  const shear = (uniform(o.shearRange) * Math.PI) / 180;
  const zx = o.zoomRange > 0 ? 1 - o.zoomRange + random() * 2 * o.zoomRange : 1;
  const zy = o.zoomRange > 0 ? 1 - o.zoomRange + random() * 2 * o.zoomRange : 1;
  const tx = uniform(o.widthShiftRange) * w;
  const ty = uniform(o.heightShiftRange) * h;
  // Output->input matrix M = R(theta) * Shear * Zoom, applied about the centre.
  const cos = Math.cos(theta);
  const sin = Math.sin(theta);
  const a = cos * zx;
  const b = (-sin + cos * Math.tan(shear)) * zy;
  const c = sin * zx;
  const d = (cos + sin * Math.tan(shear)) * zy;
  const cx = (w - 1) / 2;
  const cy = (h - 1) / 2;
  return [a, b, cx - a * cx - b * cy + tx, c, d, cy - c * cx - d * cy + ty, 0, 0];
}
