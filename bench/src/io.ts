import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ShardlineError } from '@shardline/errors';
import { DEFAULT_MAX_PIXELS, type DecodeOptions } from '@shardline/images';
import { type DeepPartial, integer, number, type OptionTable, withDefaults } from '@shardline/options';
import {
  createDecodePool,
  type DecodePool,
  isPixelCsv,
  listSource,
  mapOrdered,
  PACK_OPTIONS,
  type PackOptions,
  PIXEL_CSV_OPTIONS,
  type PixelCsvOptions,
  packDataset,
} from '@shardline/pack/internal';
import { type Manifest, readManifest, shuffle } from '@shardline/shards';
import {
  type AugmentOptions,
  type Batch,
  INPUT_OPTIONS,
  initBackend,
  type LabelledPixels,
  makeAugmenter,
  NO_AUGMENTATION,
  type PipelineOptions,
  shardDataset,
  toBatch,
  trainOptions,
} from '@shardline/train/internal';
import * as tf from '@tensorflow/tfjs';
import seedrandom from 'seedrandom';
import { csvPath, writePixelCsvCopy } from './csv-path';
import { measureRawStages, type RawStages, runEpoch } from './io-stages';
import { FOLDER_PEER_OPTION, folderPeerRows, type PeerRow, peerUnavailable } from './peers';
import { ReadCeiling } from './read-ceiling';
import { SAMPLE_IF_MISSING_OPTION, type SampleSourceOptions, SOURCE_OPTION, sampleIfMissing } from './sample-source';
import { median } from './stats';

export interface IoBenchOptions extends SampleSourceOptions {
  /** Scratch folder for the shard variants (packed once, not timed). Defaults to 'bench/results/shards'. */
  shards: string;
  /** Defaults to 64. */
  width: number;
  /** Defaults to 64. */
  height: number;
  /** Defaults to train's. */
  batchSize: number;
  /** Timed epochs per path, after one warm-up epoch. Defaults to 2. */
  epochs: number;
  /**
   * Paths keep repeating epochs until this much time is measured (at most 100 epochs).
   * A raw-shard epoch of the sample set takes under 0.1 s, where a GC pause or the
   * scheduler moves a single epoch by tens of percent. Defaults to 2.
   */
  minTimedSeconds: number;
  /** Defaults to the core count. */
  workers: number;
  /** torchvision ImageFolder on the same source and size; 'none' skips it. Defaults to DEFAULT_FOLDER_PEER. */
  peer: string;
  /** How a pixel-CSV --src is read (as pack reads it). */
  csv: PixelCsvOptions;
}

export const IO_BENCH_OPTIONS: OptionTable<IoBenchOptions> = {
  src: SOURCE_OPTION,
  shards: {
    kind: 'string',
    default: 'bench/results/shards',
    describe: 'Scratch folder for the shard variants (packed once, not timed)',
  },
  width: PACK_OPTIONS.width,
  height: PACK_OPTIONS.height,
  batchSize: INPUT_OPTIONS.batchSize,
  epochs: {
    kind: 'number',
    default: 2,
    check: integer({ min: 1 }),
    describe:
      'Timed epochs per path at least (after one warm-up epoch; paths faster than --min-timed-seconds repeat); min and median are reported',
  },
  minTimedSeconds: {
    kind: 'number',
    default: 2,
    check: number({ min: 0 }),
    describe: 'Paths repeat epochs until this much time is measured (at most 100 epochs)',
  },
  workers: { ...PACK_OPTIONS.workers, describe: 'Workers for the parallel directory path and for packing' },
  sampleIfMissing: SAMPLE_IF_MISSING_OPTION,
  peer: FOLDER_PEER_OPTION,
  csv: PIXEL_CSV_OPTIONS,
};

export interface PathResult {
  path: string;
  augmentation: boolean;
  images: number;
  /** Per timed epoch, seconds. */
  epochSeconds: number[];
  medianSeconds: number;
  minSeconds: number;
  imagesPerSecond: number;
  megabytesPerSecond: number;
  cpuSecondsPerEpoch: number;
  peakRssMiB: number;
  speedup: number;
  /** images/s as a share of the raw read ceiling. */
  ofCeiling: number;
}

export interface IoBenchReport {
  options: Omit<IoBenchOptions, 'onProgress'>;
  /** Raw sequential read of the raw shards into one reused buffer (page cache), median pass. */
  ceilingImagesPerSecond: number;
  /** The same bytes read with readFile, a fresh buffer per file, for comparison (passes at the end). */
  readFileImagesPerSecond: number;
  /** Timed read passes behind both figures, taken between the paths' epochs. */
  ceilingPasses: number;
  results: PathResult[];
  /** What a PyTorch user's directory loading does on the same files (no augmentation). */
  peerRows: PeerRow[];
  peerNote?: string;
  /** Where the raw-shard path (no augmentation) spends its time, and the bare minimum beside it. */
  rawStages: RawStages;
}

/** The augmentation the "with augmentation" rows apply to every path alike. */
export const BENCH_AUGMENTATION: AugmentOptions = {
  ...NO_AUGMENTATION,
  horizontalFlip: true,
  rotationRange: 15,
  widthShiftRange: 0.1,
  heightShiftRange: 0.1,
  zoomRange: 0.1,
};

export interface InputPath {
  name: string;
  /** Bytes read from disk per epoch. */
  bytesPerEpoch: number;
  /** Runs one epoch, handing every batch to consume; resolves to the image count. */
  epoch: (consume: (batch: Batch) => void, epochIndex: number) => Promise<number>;
  /** Releases what the path keeps across epochs (a worker pool). */
  close?: () => Promise<void>;
}

/** Runs every input path on the same images in one process and reports them side by side. */
export async function runIoBench(given: DeepPartial<IoBenchOptions> = {}): Promise<IoBenchReport> {
  const options = withDefaults(IO_BENCH_OPTIONS, given);
  const log = options.onProgress ?? (() => undefined);
  if (options.sampleIfMissing) await sampleIfMissing(options.src, log);
  await initBackend({ choice: 'wasm' });
  const shardVariants = await packVariants(options, log);
  const manifest = await readManifest(shardVariants.raw);
  // First, with no decode workers starting and only raw shards through the reader yet, as in
  // training, which reads one kind: later, the JIT's code has seen JPEG and GZIP records too.
  log('raw shards, stage by stage');
  const rawStages = await measureRawStages(shardVariants.raw, manifest, shardPipelineOptions(options), STAGE_PASSES);
  const csvCopy = join(options.shards, 'pixels.csv');
  log(`writing the raw shards' images as a pixel CSV, ${csvCopy}`);
  await writePixelCsvCopy(shardVariants.raw, manifest, csvCopy);
  const fromCsv = isPixelCsv(options.src);
  const paths = [
    ...(fromCsv ? [] : await directoryPaths(options, manifest)),
    await csvPath(csvCopy, manifest, options.batchSize),
    ...(await shardPaths(shardVariants, options)),
  ];
  const ceiling = new ReadCeiling(
    manifest.splits.train!.shards.map((s) => join(shardVariants.raw, s.file)),
    manifest.splits.train!.records,
  );
  const results: PathResult[] = [];
  for (const augmentation of [false, true]) {
    for (const path of paths) {
      log(`${path.name}${augmentation ? ' + augmentation' : ''}`);
      results.push(await measurePath(path, augmentation, manifest, options, () => ceiling.sample()));
    }
  }
  for (const path of paths) await path.close?.();
  log(`raw read ceiling: ${ceiling.imagesPerSecond.toFixed(0)} images/s over ${ceiling.passes} passes`);
  await ceiling.sampleReadFile(READ_FILE_PASSES);
  for (const r of results) {
    const baseline = results.find((b) => b.path === paths[0]!.name && b.augmentation === r.augmentation)!;
    r.speedup = r.imagesPerSecond / baseline.imagesPerSecond;
    r.ofCeiling = r.imagesPerSecond / ceiling.imagesPerSecond;
  }
  const peerNote = fromCsv
    ? 'peer skipped: torchvision ImageFolder reads class folders, and --src is a CSV'
    : options.width === options.height
      ? await peerUnavailable(options.peer)
      : 'peer skipped: it resizes to squares only';
  if (!peerNote) log('torchvision ImageFolder peer');
  const peerRows = peerNote ? [] : await folderPeerRows(options.peer, options.src, options.width, [0, options.workers]);
  const { onProgress, ...rest } = options;
  return {
    options: rest,
    peerRows,
    ...(peerNote ? { peerNote } : {}),
    ceilingImagesPerSecond: ceiling.imagesPerSecond,
    readFileImagesPerSecond: ceiling.readFileImagesPerSecond,
    ceilingPasses: ceiling.passes,
    results,
    rawStages,
  };
}

const MAX_EPOCHS = 100;
const STAGE_PASSES = 30;
const READ_FILE_PASSES = 15;

function sum(values: number[]): number {
  return values.reduce((a, b) => a + b, 0);
}

/** Times a path's epochs after a warm-up; betweenEpochs runs after each, outside the timing. */
async function measurePath(
  path: InputPath,
  augmentation: boolean,
  manifest: Manifest,
  options: IoBenchOptions,
  betweenEpochs: () => Promise<void>,
): Promise<PathResult> {
  const augment = augmentation ? makeAugmenter(BENCH_AUGMENTATION, 1) : undefined;
  const { height, width, channels } = manifest.image;
  // wasm runs ops eagerly: a batch tensor exists in backend memory once created, as a trainer receives it.
  const consume = (batch: Batch) => {
    const [, h, w, c] = batch.xs.shape;
    if (batch.xs.dtype !== 'float32' || h !== height || w !== width || c !== channels) {
      throw new Error(
        `${path.name} delivered a ${batch.xs.dtype} batch of ${batch.xs.shape}, not float32 ?x${height}x${width}x${channels} like every other path`,
      );
    }
    const xs = augment ? augment(batch.xs) : batch.xs;
    tf.dispose([batch.xs, batch.ys, xs]);
  };
  await path.epoch(consume, 0); // warm-up: page cache, JIT, worker start
  const seconds: number[] = [];
  let images = 0;
  let peakRss = process.memoryUsage().rss;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 25);
  let cpuMicros = 0;
  const { minTimedSeconds } = options;
  for (let e = 1; e <= options.epochs || (sum(seconds) < minTimedSeconds && e <= MAX_EPOCHS); e++) {
    const cpuBefore = process.cpuUsage();
    const started = performance.now();
    images = await path.epoch(consume, e);
    seconds.push((performance.now() - started) / 1000);
    const cpu = process.cpuUsage(cpuBefore);
    cpuMicros += cpu.user + cpu.system;
    await betweenEpochs();
  }
  clearInterval(sampler);
  const medianSeconds = median(seconds);
  return {
    path: path.name,
    augmentation,
    images,
    epochSeconds: seconds,
    medianSeconds,
    minSeconds: Math.min(...seconds),
    imagesPerSecond: images / medianSeconds,
    megabytesPerSecond: path.bytesPerEpoch / 1e6 / medianSeconds,
    cpuSecondsPerEpoch: cpuMicros / 1e6 / seconds.length,
    peakRssMiB: peakRss / 2 ** 20,
    speedup: 1,
    ofCeiling: 0,
  };
}

/** Keras flow_from_directory: every epoch, read, decode and resize every file, in shuffled order. */
async function directoryPaths(options: IoBenchOptions, manifest: Manifest): Promise<InputPath[]> {
  const listing = await listSource(options.src);
  const files = [...listing.items].map((item) => ({ path: (item.input as { path: string }).path, label: item.label }));
  const bytesPerEpoch = (await Promise.all(files.map((f) => stat(f.path)))).reduce((n, s) => n + s.size, 0);
  const decodeOptions: DecodeOptions = {
    width: options.width,
    height: options.height,
    colorMode: 'rgb',
    payload: 'raw',
    jpegQuality: 0,
    maxPixels: DEFAULT_MAX_PIXELS,
  };
  // Pools live across epochs, as Keras keeps its workers: start-up is not part of an epoch.
  const pools = [createDecodePool(0), createDecodePool(options.workers)];
  const viaPool =
    (pool: DecodePool): InputPath['epoch'] =>
    async (consume, epochIndex) => {
      const order = shuffle(files, seedrandom(`dir:${epochIndex}`));
      const decode = async (f: (typeof files)[number]) => ({
        f,
        decoded: await pool.decode({ input: { kind: 'file', path: f.path }, options: decodeOptions }),
      });
      let batch: LabelledPixels[] = [];
      let images = 0;
      const flush = () => {
        consume(toBatch(batch, manifest, 1 / 255));
        images += batch.length;
        batch = [];
      };
      // workers 0: one file at a time, as Keras loads without workers (sharp would otherwise overlap decodes on libuv threads).
      for await (const { f, decoded } of mapOrdered(order, pool.workers === 0 ? 1 : pool.workers * 4, decode)) {
        if (!decoded.ok) throw new ShardlineError('ERR_DATA', `${f.path}: ${decoded.reason}`);
        batch.push({ pixels: decoded.data, label: f.label, filename: f.path });
        if (batch.length === options.batchSize) flush();
      }
      if (batch.length > 0) flush();
      return images;
    };
  return pools.map((pool) => ({
    name:
      pool.workers === 0
        ? 'directory, sequential'
        : `directory, ${pool.workers} worker${pool.workers === 1 ? '' : 's'}`,
    bytesPerEpoch,
    epoch: viaPool(pool),
    close: () => pool.close(),
  }));
}

function shardPaths(variants: Record<ShardVariant, string>, options: IoBenchOptions): Promise<InputPath[]> {
  const names: Record<ShardVariant, string> = {
    raw: 'shards, raw',
    jpeg: 'shards, JPEG payload',
    gzip: 'shards, raw + GZIP',
  };
  return Promise.all(
    (Object.keys(variants) as ShardVariant[]).map(async (variant): Promise<InputPath> => {
      const dir = variants[variant];
      const manifest = await readManifest(dir);
      const train = manifest.splits.train!;
      // One dataset for all epochs, as in training: it reshuffles each pass and keeps its read buffers.
      const dataset = shardDataset(dir, manifest, 'train', shardPipelineOptions(options));
      return {
        name: names[variant],
        bytesPerEpoch: train.shards.reduce((n, s) => n + s.bytes, 0),
        epoch: (consume) => runEpoch(dataset, consume),
      };
    }),
  );
}

/** Every shard path reads as `train` does by default. */
/** Training's input pipeline, as train sets it up by default. */
function shardPipelineOptions(options: IoBenchOptions): PipelineOptions {
  return { ...trainOptions({ input: { batchSize: options.batchSize } }).input, seed: 0 };
}

type ShardVariant = 'raw' | 'jpeg' | 'gzip';

/** Packs the source three ways (not timed): raw, JPEG payload, raw with GZIP. Every image goes to train. */
async function packVariants(options: IoBenchOptions, log: (m: string) => void): Promise<Record<ShardVariant, string>> {
  const base: DeepPartial<PackOptions> = {
    src: options.src,
    out: '',
    width: options.width,
    height: options.height,
    validationSplit: 0,
    shardBytes: 8 << 20,
    workers: options.workers,
    csv: options.csv,
  };
  const variants: Record<ShardVariant, Partial<PackOptions>> = {
    raw: {},
    jpeg: { payload: 'jpeg' },
    gzip: { compression: 'gzip' },
  };
  const dirs = {} as Record<ShardVariant, string>;
  for (const [variant, extra] of Object.entries(variants) as [ShardVariant, Partial<PackOptions>][]) {
    dirs[variant] = join(options.shards, variant);
    log(`packing ${variant} shards into ${dirs[variant]}`);
    await packDataset({ ...base, ...extra, out: dirs[variant], force: true });
  }
  return dirs;
}
