import { kebabCase } from '@shardline/errors';
import {
  between,
  type DeepPartial,
  number,
  type OptionSpec,
  type OptionTable,
  orderedPair,
  tableDefaults,
} from '@shardline/options';
import * as tf from '@tensorflow/tfjs';
import seedrandom from 'seedrandom';

/** Random transforms per image, as Keras ImageDataGenerator offers them. Each comes from an entry of AUGMENTATIONS. */
export interface AugmentOptions {
  /** A named set of the options below (AUGMENT_PRESETS); options given beside it override it. Defaults to 'none'. */
  preset: AugmentPreset;
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
  /** Added to every channel of an image, drawn from [-range, range] (after rescale). */
  channelShiftRange: number;
  fillMode: 'nearest' | 'constant' | 'reflect' | 'wrap';
  fillValue: number;
}

type Random = () => number;
/** A 3x3 row-major matrix mapping output pixel coordinates, about the image centre, to input ones. */
type Matrix = number[];

/**
 * One random transform: its options (default, --help text, check: they become train's flags),
 * when it is on, what it draws for each image, and either the matrix of a geometric draw
 * (all are composed, in table order, into one resampling) or how draws change the pixels.
 * Adding an augmentation is adding an entry (and its option to AugmentOptions).
 */
export interface Augmentation<D = unknown> {
  name: string;
  options: Partial<OptionTable<AugmentOptions>>;
  isActive: (o: AugmentOptions) => boolean;
  sample: (o: AugmentOptions, random: Random, size: { width: number; height: number }) => D;
  /** Geometric transforms: the draw as a matrix about the image centre. */
  matrix?: (draw: D) => Matrix;
  /** Pixel transforms; for a geometric one, a cheaper way used when no other geometry is active. */
  apply?: (images: tf.Tensor4D, draws: D[]) => tf.Tensor4D;
}

const uniform = (random: Random, range: number) => (random() * 2 - 1) * range;
const translation = (x: number, y: number): Matrix => [1, 0, x, 0, 1, y, 0, 0, 1];
const degrees = (value: number) => (value * Math.PI) / 180;

function range(describe: string, check = between(0, 1, { highOpen: true, why: 'a fraction' })): OptionSpec<number> {
  return { kind: 'number', default: 0, check, describe: `Augment: ${describe}` };
}

function flip(
  option: 'horizontalFlip' | 'verticalFlip',
  mirror: Matrix,
  apply: (images: tf.Tensor4D) => tf.Tensor4D,
  what: string,
): Augmentation<boolean> {
  return {
    name: option,
    options: { [option]: { kind: 'boolean', default: false, describe: `Augment: random ${what} flips` } },
    isActive: (o) => o[option],
    sample: (_, random) => random() < 0.5,
    matrix: (flipped) => (flipped ? mirror : translation(0, 0)),
    apply: (images, flags) => flipSome(images, flags, apply),
  };
}

function define<D>(augmentation: Augmentation<D>): Augmentation {
  return augmentation as Augmentation;
}

/** Keras's order: the affine transform (shift, rotation, shear, zoom, flips), then channel shift, then brightness. */
export const AUGMENTATIONS: readonly Augmentation[] = [
  define<[number, number]>({
    name: 'shift',
    options: {
      widthShiftRange: range('shift by up to this fraction of the width'),
      heightShiftRange: range('shift by up to this fraction of the height'),
    },
    isActive: (o) => o.widthShiftRange > 0 || o.heightShiftRange > 0,
    sample: (o, random, { width, height }) => [
      uniform(random, o.widthShiftRange) * width,
      uniform(random, o.heightShiftRange) * height,
    ],
    matrix: ([x, y]) => translation(x, y),
  }),
  define<number>({
    name: 'rotation',
    options: {
      rotationRange: range(
        'rotate by up to this many degrees',
        number({ min: 0, max: 180, why: 'degrees either way' }),
      ),
    },
    isActive: (o) => o.rotationRange > 0,
    sample: (o, random) => degrees(uniform(random, o.rotationRange)),
    matrix: (theta) => [Math.cos(theta), -Math.sin(theta), 0, Math.sin(theta), Math.cos(theta), 0, 0, 0, 1],
  }),
  define<number>({
    name: 'shear',
    options: {
      shearRange: range('shear by up to this many degrees', between(0, 90, { highOpen: true, why: 'degrees' })),
    },
    isActive: (o) => o.shearRange > 0,
    sample: (o, random) => degrees(uniform(random, o.shearRange)),
    matrix: (shear) => [1, Math.tan(shear), 0, 0, 1, 0, 0, 0, 1],
  }),
  define<[number, number]>({
    name: 'zoom',
    options: { zoomRange: range('zoom by a factor in [1 - z, 1 + z]') },
    isActive: (o) => o.zoomRange > 0,
    sample: (o, random) => [1 + uniform(random, o.zoomRange), 1 + uniform(random, o.zoomRange)],
    matrix: ([zx, zy]) => [zx, 0, 0, 0, zy, 0, 0, 0, 1],
  }),
  define(flip('horizontalFlip', [-1, 0, 0, 0, 1, 0, 0, 0, 1], flipLeftRight, 'left-right')),
  define(flip('verticalFlip', [1, 0, 0, 0, -1, 0, 0, 0, 1], flipUpDown, 'up-down')),
  define<number>({
    name: 'channelShift',
    options: {
      channelShiftRange: range(
        "add a value in [-r, r] to every channel, in rescaled units (0.1 after the default rescale is Keras's 25.5)",
        number({ min: 0 }),
      ),
    },
    isActive: (o) => o.channelShiftRange > 0,
    sample: (o, random) => uniform(random, o.channelShiftRange),
    apply: (images, shifts) => tf.add(images, tf.tensor4d(shifts, [shifts.length, 1, 1, 1])),
  }),
  define<number>({
    name: 'brightness',
    options: {
      brightnessRange: {
        kind: 'pair',
        default: [1, 1],
        check: orderedPair(number({ min: 0 })),
        describe: 'Augment: multiply brightness by a factor in [min,max], e.g. 0.8,1.2',
      },
    },
    isActive: (o) => o.brightnessRange[0] !== 1 || o.brightnessRange[1] !== 1,
    sample: ({ brightnessRange: [low, high] }, random) => low + random() * (high - low),
    apply: (images, factors) => tf.mul(images, tf.tensor4d(factors, [factors.length, 1, 1, 1])),
  }),
];

const RESAMPLING_OPTIONS: Partial<OptionTable<AugmentOptions>> = {
  fillMode: {
    kind: 'string',
    choices: ['nearest', 'constant', 'reflect', 'wrap'],
    default: 'nearest',
    describe: 'Augment: how pixels outside the image are filled',
  },
  fillValue: {
    kind: 'number',
    default: 0,
    check: number(),
    describe: 'Augment: fill value for --fill-mode constant (after rescale)',
  },
};

export type AugmentPreset = 'none' | 'light' | 'keras';

/** Named recipes; `keras` is the classic cats-vs-dogs ImageDataGenerator (Keras's shear_range is in degrees too). */
export const AUGMENT_PRESETS: Record<AugmentPreset, Partial<AugmentOptions>> = {
  none: {},
  light: { horizontalFlip: true, widthShiftRange: 0.1, heightShiftRange: 0.1 },
  keras: {
    rotationRange: 40,
    widthShiftRange: 0.2,
    heightShiftRange: 0.2,
    shearRange: 0.2,
    zoomRange: 0.2,
    horizontalFlip: true,
    fillMode: 'nearest',
  },
};

function presetFlags(values: Partial<AugmentOptions>): string {
  const flags = Object.entries(values).map(([key, value]) =>
    value === true ? `--${kebabCase(key)}` : `--${kebabCase(key)} ${value}`,
  );
  return flags.length ? flags.join(' ') : 'no augmentation';
}

const PRESET_OPTION: OptionSpec<AugmentPreset> = {
  kind: 'string',
  flag: 'augment',
  choices: Object.keys(AUGMENT_PRESETS) as AugmentPreset[],
  default: 'none',
  describe: `Augmentation preset; augment flags given beside it override its values. ${Object.entries(AUGMENT_PRESETS)
    .map(([name, values]) => `${name}: ${presetFlags(values)}`)
    .join('; ')}`,
};

export const AUGMENT_OPTIONS = Object.assign(
  { preset: PRESET_OPTION },
  ...AUGMENTATIONS.map((a) => a.options),
  RESAMPLING_OPTIONS,
) as OptionTable<AugmentOptions>;

export const NO_AUGMENTATION = tableDefaults(AUGMENT_OPTIONS) as AugmentOptions;

/**
 * The given augment options laid over their preset's values, so that withDefaults fills in only
 * what neither sets. Options given as undefined do not hide the preset's value.
 */
export function withAugmentPreset(given: DeepPartial<AugmentOptions> = {}): DeepPartial<AugmentOptions> {
  const stated = Object.fromEntries(Object.entries(given).filter(([, value]) => value !== undefined));
  return { ...AUGMENT_PRESETS[given.preset as AugmentPreset], ...stated };
}

export function isAugmenting(o: AugmentOptions): boolean {
  return AUGMENTATIONS.some((a) => a.isActive(o));
}

/** One image's random choices, by augmentation name (active ones only). */
export type AugmentDraw = Record<string, unknown>;

/** Returns a function that augments an NHWC float batch in memory. */
export function makeAugmenter(options: AugmentOptions, seed: number): (images: tf.Tensor4D) => tf.Tensor4D {
  const random = seedrandom(`augment:${seed}`);
  const active = AUGMENTATIONS.filter((a) => a.isActive(options));
  return (images) => {
    const [n, height, width] = images.shape;
    const draws = Array.from({ length: n }, () =>
      Object.fromEntries(active.map((a) => [a.name, a.sample(options, random, { width, height })])),
    );
    return applyAugmentation(images, draws, options);
  };
}

/**
 * Applies each image's draw: the geometric augmentations as one resampling, then the pixel ones.
 * Flips alone use FlipLeftRight (17 us per 64x64 image), not a resampling; wasm's Reverse kernel cost 330 us.
 */
export function applyAugmentation(images: tf.Tensor4D, draws: AugmentDraw[], options: AugmentOptions): tf.Tensor4D {
  return tf.tidy(() => {
    const active = AUGMENTATIONS.filter((a) => a.isActive(options));
    const geometric = active.filter((a) => a.matrix);
    const drawsOf = (a: Augmentation) => draws.map((d) => d[a.name]);
    let out = images;
    if (geometric.every((a) => a.apply)) {
      for (const a of geometric) out = a.apply!(out, drawsOf(a));
    } else {
      out = resample(out, draws, geometric, options);
    }
    for (const a of active.filter((a) => !a.matrix)) out = a.apply!(out, drawsOf(a));
    // Always a new tensor, so a caller disposes input and output alike even with nothing set.
    return out === images ? tf.clone(images) : out;
  });
}

/** One tf.image.transform with each image's matrices composed in table order, about the image centre. */
function resample(
  images: tf.Tensor4D,
  draws: AugmentDraw[],
  geometric: Augmentation[],
  options: AugmentOptions,
): tf.Tensor4D {
  const [n, h, w] = images.shape;
  const [cx, cy] = [(w - 1) / 2, (h - 1) / 2];
  const rows = draws.map((draw) => {
    const m = [translation(cx, cy), ...geometric.map((a) => a.matrix!(draw[a.name])), translation(-cx, -cy)].reduce(
      multiply,
    );
    return [m[0]!, m[1]!, m[2]!, m[3]!, m[4]!, m[5]!, 0, 0];
  });
  return tf.image.transform(images, tf.tensor2d(rows, [n, 8]), 'bilinear', options.fillMode, options.fillValue);
}

function multiply(a: Matrix, b: Matrix): Matrix {
  return Array.from({ length: 9 }, (_, k) => {
    const [row, col] = [Math.floor(k / 3), k % 3];
    return a[row * 3]! * b[col]! + a[row * 3 + 1]! * b[3 + col]! + a[row * 3 + 2]! * b[6 + col]!;
  });
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
  return tf.image
    .flipLeftRight(tf.reshape(images, [n, 1, h, w * c]) as tf.Tensor4D)
    .reshape([n, h, w, c]) as tf.Tensor4D;
}
