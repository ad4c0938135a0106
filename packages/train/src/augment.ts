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

/** The random choices for one image. */
export interface AugmentDraw {
  /** Output-to-input projective row for rotation, shear, zoom and shift (flips not included). */
  affine: number[];
  flipHorizontal: boolean;
  flipVertical: boolean;
  brightness: number;
}

/** Returns a function that augments an NHWC float batch in memory. */
export function makeAugmenter(options: AugmentOptions, seed: number): (images: tf.Tensor4D) => tf.Tensor4D {
  const random = seedrandom(`augment:${seed}`);
  return (images) => {
    const [n, h, w] = images.shape;
    return applyAugmentation(images, Array.from({ length: n }, () => drawAugmentation(options, w, h, random)), options);
  };
}

function drawAugmentation(o: AugmentOptions, w: number, h: number, random: () => number): AugmentDraw {
  const [low, high] = o.brightnessRange;
  return {
    affine: affineRow(o, w, h, random),
    flipHorizontal: o.horizontalFlip && random() < 0.5,
    flipVertical: o.verticalFlip && random() < 0.5,
    brightness: low + random() * (high - low),
  };
}

/**
 * Applies each image's draw, in Keras's order: affine transform, then flips, then brightness.
 * With geometry on, flips are folded into the transform's matrix, as wasm's Reverse kernel
 * cost 330 us per 64x64 image; without it, they use FlipLeftRight (17 us).
 */
export function applyAugmentation(images: tf.Tensor4D, draws: AugmentDraw[], options: AugmentOptions): tf.Tensor4D {
  return tf.tidy(() => {
    const [n, h, w] = images.shape;
    let out = images;
    if (hasGeometry(options)) {
      const matrices = draws.map((d) => withFlips(d, w, h));
      out = tf.image.transform(out, tf.tensor2d(matrices, [n, 8]), 'bilinear', options.fillMode, options.fillValue);
    } else {
      if (options.horizontalFlip) out = flipSome(out, draws.map((d) => d.flipHorizontal), flipLeftRight);
      if (options.verticalFlip) out = flipSome(out, draws.map((d) => d.flipVertical), flipUpDown);
    }
    const [low, high] = options.brightnessRange;
    if (low !== 1 || high !== 1) out = tf.mul(out, tf.tensor4d(draws.map((d) => d.brightness), [n, 1, 1, 1]));
    // Always a new tensor, so a caller disposes input and output alike even with nothing set.
    return out === images ? tf.clone(images) : out;
  });
}

/** The draw's affine row composed with its flips: output x samples where x mirrored would have. */
function withFlips(draw: AugmentDraw, w: number, h: number): number[] {
  const [a0, a1, a2, b0, b1, b2] = draw.affine as [number, number, number, number, number, number];
  const [sx, tx] = draw.flipHorizontal ? [-1, w - 1] : [1, 0];
  const [sy, ty] = draw.flipVertical ? [-1, h - 1] : [1, 0];
  return [a0 * sx, a1 * sy, a0 * tx + a1 * ty + a2, b0 * sx, b1 * sy, b0 * tx + b1 * ty + b2, 0, 0];
}

/**
 * mask * flipped + (1 - mask) * image, with a per-image 0/1 mask that broadcasts.
 * Exact for 0 and 1, and on wasm about 20x faster than tf.where, whose
 * condition must first be tiled to the full batch shape.
 */
function flipSome(images: tf.Tensor4D, flags: boolean[], flip: (x: tf.Tensor4D) => tf.Tensor4D): tf.Tensor4D {
  const mask = tf.tensor4d(flags.map(Number), [flags.length, 1, 1, 1]);
  return tf.add(tf.mul(mask, flip(images)), tf.mul(tf.sub(1, mask), images));
}

function flipLeftRight(images: tf.Tensor4D): tf.Tensor4D {
  return tf.image.flipLeftRight(images);
}

/** Rows reversed: each row of width x channels values is one "pixel" to FlipLeftRight. */
function flipUpDown(images: tf.Tensor4D): tf.Tensor4D {
  const [n, h, w, c] = images.shape;
  return tf.image.flipLeftRight(tf.reshape(images, [n, 1, h, w * c]) as tf.Tensor4D).reshape([n, h, w, c]) as tf.Tensor4D;
}

/**
 * The projective row [a0 a1 a2 b0 b1 b2 0 0] tf.image.transform expects: it maps
 * each output pixel to the input pixel it samples. Rotation, shear and zoom are
 * about the image centre, then the shift is applied.
 */
function affineRow(o: AugmentOptions, w: number, h: number, random: () => number): number[] {
  const uniform = (range: number) => (random() * 2 - 1) * range;
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
