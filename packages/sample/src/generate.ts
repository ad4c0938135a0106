import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ShardlineError } from '@shardline/errors';
import {
  type DeepPartial,
  imageSizeOptions,
  integer,
  type OptionTable,
  seedOption,
  withDefaults,
} from '@shardline/options';
import seedrandom from 'seedrandom';
import sharp from 'sharp';
import { SHAPE_CLASSES, type ShapeClass, SINGULAR, shapeSvg } from './shapes';

export interface SampleOptions {
  /** Defaults to 'data/shapes'. */
  out: string;
  /** Total images, spread evenly over the classes. Defaults to 2000. */
  count: number;
  /** Defaults to 320. */
  width: number;
  /** Defaults to 240. */
  height: number;
  /** Defaults to 1. */
  seed: number;
  /** Keep a complete sample already at out that was made with the same count, size and seed. Defaults to false. */
  reuse: boolean;
  onProgress?: (done: number, total: number) => void;
}

export interface SampleResult {
  classes: string[];
  perClass: number[];
  /** The sample at out was kept (reuse). */
  reused: boolean;
}

/** Written last, so a sample interrupted part way has none and is made again. Pack skips hidden files. */
export const SAMPLE_MARKER = '.shardline-sample.json';

const CONCURRENCY = 4;

const side = integer({ min: 16, max: 4096 });

export const SAMPLE_OPTIONS: OptionTable<SampleOptions> = {
  out: { kind: 'string', default: 'data/shapes', describe: 'Folder to write (replaced if it exists)' },
  count: {
    kind: 'number',
    default: 2000,
    check: integer({ min: SHAPE_CLASSES.length, max: 1_000_000, why: 'at least one image per class' }),
    describe: 'Total number of images, spread evenly over the 3 classes',
  },
  ...imageSizeOptions(320, 240, side),
  seed: seedOption('Seed: the same seed gives the same images'),
  reuse: {
    kind: 'boolean',
    default: false,
    describe:
      'Keep a complete sample already at --out made with the same count, size and seed, instead of drawing it again',
  },
};

interface SampleMarker {
  format: 'shardline-sample/1';
  count: number;
  width: number;
  height: number;
  seed: number;
}

function markerOf({ count, width, height, seed }: SampleOptions): SampleMarker {
  return { format: 'shardline-sample/1', count, width, height, seed };
}

/** True if out holds a complete sample made with these options. */
async function sameSampleAt(options: SampleOptions): Promise<boolean> {
  const text = await readFile(join(options.out, SAMPLE_MARKER), 'utf8').catch(() => undefined);
  return text !== undefined && text === JSON.stringify(markerOf(options));
}

/** out is replaced, so it must be missing, empty, or an earlier sample (only the class folders). */
async function refuseForeignFolder(out: string): Promise<void> {
  const entries = await readdir(out).catch(() => []);
  const ours = [...SHAPE_CLASSES, SAMPLE_MARKER];
  const foreign = entries.filter((name) => !ours.includes(name));
  if (foreign.length > 0) {
    throw new ShardlineError(
      'ERR_INPUT',
      `${out} holds ${foreign.slice(0, 3).join(', ')}${foreign.length > 3 ? ', ...' : ''}, which a sample does not: it is replaced by the sample, so choose an empty or new --out`,
    );
  }
}

/**
 * Writes a deterministic class-per-folder JPEG dataset: one shape per photo,
 * at random size, position, colour and rotation, over a noisy gradient with clutter lines.
 */
export async function generateSample(given: DeepPartial<SampleOptions> = {}): Promise<SampleResult> {
  const options = withDefaults(SAMPLE_OPTIONS, given);
  const perClass = SHAPE_CLASSES.map((_, label) => Math.floor((options.count - label - 1) / SHAPE_CLASSES.length) + 1);
  if (options.reuse && (await sameSampleAt(options))) return { classes: [...SHAPE_CLASSES], perClass, reused: true };
  await refuseForeignFolder(options.out);
  await rm(options.out, { recursive: true, force: true });
  await Promise.all(SHAPE_CLASSES.map((c) => mkdir(join(options.out, c), { recursive: true })));
  const jobs = Array.from({ length: options.count }, (_, i) => ({
    index: i,
    shape: SHAPE_CLASSES[i % SHAPE_CLASSES.length]!,
  }));
  let done = 0;
  for (let start = 0; start < jobs.length; start += CONCURRENCY) {
    await Promise.all(
      jobs.slice(start, start + CONCURRENCY).map(async (job) => {
        const file = join(options.out, job.shape, `${SINGULAR[job.shape]}.${String(job.index).padStart(5, '0')}.jpg`);
        await renderImage(job.shape, options, seedrandom(`${options.seed}:${job.index}`)).toFile(file);
        options.onProgress?.(++done, jobs.length);
      }),
    );
  }
  await writeFile(join(options.out, SAMPLE_MARKER), JSON.stringify(markerOf(options)));
  return { classes: [...SHAPE_CLASSES], perClass, reused: false };
}

function renderImage(shape: ShapeClass, options: SampleOptions, random: () => number): sharp.Sharp {
  const { width, height } = options;
  const backgroundLight = random() < 0.5;
  const overlay = svgOverlay(shape, width, height, backgroundLight, random);
  return sharp(noisyBackground(width, height, backgroundLight, random), { raw: { width, height, channels: 3 } })
    .composite([{ input: Buffer.from(overlay), top: 0, left: 0 }])
    .jpeg({ quality: 88 });
}

function noisyBackground(width: number, height: number, light: boolean, random: () => number): Buffer {
  const base = [0, 1, 2].map(() => (light ? 150 + random() * 90 : 20 + random() * 90));
  const slope = [0, 1, 2].map(() => (random() - 0.5) * 60);
  const pixels = Buffer.allocUnsafe(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const gradient = (x / width + y / height) / 2;
      for (let c = 0; c < 3; c++) {
        const value = base[c]! + slope[c]! * gradient + (random() - 0.5) * 50;
        pixels[(y * width + x) * 3 + c] = Math.max(0, Math.min(255, value));
      }
    }
  }
  return pixels;
}

function svgOverlay(
  shape: ShapeClass,
  width: number,
  height: number,
  backgroundLight: boolean,
  random: () => number,
): string {
  const radius = Math.min(width, height) * (0.12 + random() * 0.22);
  const cx = radius + random() * (width - 2 * radius);
  const cy = radius + random() * (height - 2 * radius);
  const rotation = random() * 360;
  const clutter = Array.from({ length: 3 }, () => {
    const [x1, y1, x2, y2] = [random() * width, random() * height, random() * width, random() * height];
    return `<line x1="${x1}" y1="${y1}" x2="${x2}" y2="${y2}" stroke="${colour(random, !backgroundLight)}" stroke-width="${1 + random() * 2}" opacity="0.5"/>`;
  }).join('');
  const body = shapeSvg(shape, radius, colour(random, !backgroundLight), radius * 0.1);
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">${clutter}` +
    `<g transform="translate(${cx.toFixed(1)} ${cy.toFixed(1)}) rotate(${rotation.toFixed(1)})">${body}</g></svg>`
  );
}

/** A random colour, light or dark so it stands out from the background. */
function colour(random: () => number, light: boolean): string {
  const channel = () => Math.round(light ? 160 + random() * 95 : random() * 100);
  return `rgb(${channel()},${channel()},${channel()})`;
}
