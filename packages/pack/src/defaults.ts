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
