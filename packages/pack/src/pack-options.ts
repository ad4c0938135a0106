import { availableParallelism } from 'node:os';
import { isAbsolute, relative, resolve } from 'node:path';
import { OptionError, type OptionChecks, between, checkOptions, integer, oneOf } from '@shardline/errors';
import type { PackOptions } from './pack';

/** Defaults shared by the pack command, the demo and the benchmarks. */
export const PACK_DEFAULTS = {
  width: 64,
  height: 64,
  colorMode: 'rgb',
  payload: 'raw',
  jpegQuality: 90,
  validationSplit: 0.2,
  seed: 42,
  shardBytes: 64 * 1024 * 1024,
  compression: 'none',
  maxPixels: 64_000_000,
} as const satisfies Partial<PackOptions>;

export const MAX_IMAGE_SIDE = 4096;

/** Each worker holds a decoder and its buffers: more than 4 per core only adds memory (1,000 asked for once took 4.2 GB). */
export function maxWorkers(): number {
  return 4 * availableParallelism();
}

function packChecks(): OptionChecks<PackOptions> {
  const side = integer({ min: 1, max: MAX_IMAGE_SIDE });
  return {
    width: side,
    height: side,
    colorMode: oneOf('rgb', 'grayscale'),
    payload: oneOf('raw', 'jpeg'),
    jpegQuality: integer({ min: 1, max: 100 }),
    validationSplit: between(0, 1, { highOpen: true, why: 'the fraction of each class held out' }),
    seed: integer(),
    shardBytes: integer({ min: 1 }),
    compression: oneOf('none', 'gzip', 'zlib'),
    workers: integer({ min: 0, max: maxWorkers(), why: 'at most 4 per core: each worker holds a decoder and its memory' }),
    pool: oneOf('threads', 'processes'),
    maxPixels: integer({ min: 1, why: 'images with more pixels are skipped unread' }),
  };
}

/** Refuses, with an OptionError naming the option, any value packDataset cannot use; before any work. */
export function checkPackOptions(options: PackOptions): void {
  checkOptions(options, packChecks());
  const fromSrc = relative(resolve(options.src), resolve(options.out));
  if (fromSrc === '' || (!fromSrc.startsWith('..') && !isAbsolute(fromSrc))) {
    throw new OptionError('out', options.out, `must not be inside the source folder ${options.src}: its shards would be read as images by the next pack`);
  }
}
