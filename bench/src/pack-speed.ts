import { type DeepPartial, integer, type OptionTable, withDefaults } from '@shardline/options';
import { PACK_OPTIONS, type PackOptions, type PoolKind, packDataset, packOptions } from '@shardline/pack';
import { createDecodePool, listSource, type TimingTask } from '@shardline/pack/internal';
import { FOLDER_PEER_OPTION, folderPeerRows, type PeerRow, peerUnavailable } from './peers';
import { SAMPLE_IF_MISSING_OPTION, type SampleSourceOptions, SOURCE_OPTION, sampleIfMissing } from './sample-source';
import { median } from './stats';

export interface PackSpeedOptions extends Pick<PackOptions, 'out' | 'width' | 'height'>, SampleSourceOptions {
  /** Runs per configuration; the median is reported. Defaults to 3. */
  repetitions: number;
  /** torchvision ImageFolder on the same files and size; 'none' skips it. Defaults to DEFAULT_FOLDER_PEER. */
  peer: string;
}

export const PACK_SPEED_OPTIONS: OptionTable<PackSpeedOptions> = {
  src: SOURCE_OPTION,
  out: { kind: 'string', default: 'bench/results/pack-speed', describe: 'Scratch output folder (rewritten every run)' },
  width: PACK_OPTIONS.width,
  height: PACK_OPTIONS.height,
  repetitions: {
    kind: 'number',
    default: 3,
    check: integer({ min: 1 }),
    describe: 'Runs per configuration; the median is reported',
  },
  sampleIfMissing: SAMPLE_IF_MISSING_OPTION,
  peer: FOLDER_PEER_OPTION,
};

export interface PackSpeedRow {
  pool: PoolKind;
  workers: number;
  images: number;
  seconds: number[];
  medianSeconds: number;
  imagesPerSecond: number;
  /** Against one worker of the same pool kind. */
  speedup: number;
  /** Of workers x the decoder's single-thread ceiling. */
  ceilingShare: number;
  /**
   * Images/s from the first written batch to the last (median): the rate a long pack approaches, without
   * starting its thread and workers, listing, and closing shards. Comparable to the peer's warm epoch.
   */
  steadyImagesPerSecond: number;
}

export interface PackSpeedReport {
  images: number;
  /** One worker decoding and resizing the files one after another, as pack's workers do (median). */
  ceilingImagesPerSecond: number;
  /**
   * Two such workers decoding the files at once, with no pack around them (median): what the machine's
   * cores give two decoders, the most any 2-worker pack could reach.
   */
  twoDecodersImagesPerSecond: number;
  rows: PackSpeedRow[];
  peerRows: PeerRow[];
  peerNote?: string;
}

const CONFIGS = (['threads', 'processes'] as PoolKind[]).flatMap((pool) =>
  [1, 2].map((workers) => ({ pool, workers })),
);

/**
 * Packs the same source with 1 and 2 workers, as threads and as processes, beside the decoder's
 * single-thread ceiling and the torchvision peer: each round runs every one in turn, so drift in
 * the machine's speed hits them all alike.
 */
export async function benchPackSpeed(given: DeepPartial<PackSpeedOptions> = {}): Promise<PackSpeedReport> {
  const options = withDefaults(PACK_SPEED_OPTIONS, given);
  const log = options.onProgress ?? (() => undefined);
  if (options.sampleIfMissing) await sampleIfMissing(options.src, log);
  const peerNote =
    options.width === options.height ? await peerUnavailable(options.peer) : 'peer skipped: it resizes to squares only';
  const seconds = CONFIGS.map(() => [] as number[]);
  const steady = CONFIGS.map(() => [] as number[]);
  const ceilings: number[] = [];
  const pairs: number[] = [];
  const peerRuns: PeerRow[][] = [];
  let images = 0;
  const timing = await ceilingTask(options);
  for (let round = 0; round < options.repetitions; round++) {
    log(`round ${round + 1}/${options.repetitions}: decoder ceiling`);
    const rates = await decoderRates(timing);
    ceilings.push(rates.one);
    pairs.push(rates.two);
    for (const [i, config] of CONFIGS.entries()) {
      log(`round ${round + 1}/${options.repetitions}: ${config.workers} ${config.pool}`);
      const started = performance.now();
      const window = new ProgressWindow();
      const { manifest } = await packDataset({
        ...config,
        src: options.src,
        out: options.out,
        width: options.width,
        height: options.height,
        force: true,
        onProgress: (progress) => window.add(progress.done),
      });
      seconds[i]!.push((performance.now() - started) / 1000);
      steady[i]!.push(window.imagesPerSecond());
      images = Object.values(manifest.splits).reduce((n, s) => n + (s?.records ?? 0), 0) + manifest.skipped.length;
    }
    if (peerNote) continue;
    log(`round ${round + 1}/${options.repetitions}: torchvision peer`);
    peerRuns.push(await folderPeerRows(options.peer, options.src, options.width, [0, 2]));
  }
  const ceiling = median(ceilings);
  const rows = CONFIGS.map((config, i) => packRow(config, images, seconds[i]!, median(steady[i]!), ceiling));
  for (const row of rows)
    row.speedup = row.imagesPerSecond / rows.find((r) => r.pool === row.pool && r.workers === 1)!.imagesPerSecond;
  const peerRows = (peerRuns[0] ?? []).map((row, i) => ({
    ...row,
    imagesPerSecond: median(peerRuns.map((run) => run[i]!.imagesPerSecond)),
  }));
  return {
    images,
    ceilingImagesPerSecond: ceiling,
    twoDecodersImagesPerSecond: median(pairs),
    rows,
    peerRows,
    ...(peerNote ? { peerNote } : {}),
  };
}

function packRow(
  config: { pool: PoolKind; workers: number },
  images: number,
  seconds: number[],
  steadyImagesPerSecond: number,
  ceiling: number,
): PackSpeedRow {
  const medianSeconds = median(seconds);
  const imagesPerSecond = images / medianSeconds;
  return {
    ...config,
    images,
    seconds,
    medianSeconds,
    imagesPerSecond,
    speedup: 1,
    ceilingShare: imagesPerSecond / (config.workers * ceiling),
    steadyImagesPerSecond,
  };
}

/** The images packed between the first progress report and the last, and the time between them. */
class ProgressWindow {
  private first: { at: number; done: number } | undefined;
  private last: { at: number; done: number } | undefined;

  add(done: number): void {
    const point = { at: performance.now(), done };
    this.first ??= point;
    this.last = point;
  }

  /** NaN with fewer than two reports. */
  imagesPerSecond(): number {
    const { first, last } = this;
    if (!first || !last || last.at === first.at) return Number.NaN;
    return (last.done - first.done) / ((last.at - first.at) / 1000);
  }
}

/** The source's files, decoded as pack decodes them with these options. */
async function ceilingTask(options: PackSpeedOptions): Promise<TimingTask> {
  const { src, out, width, height } = options;
  const { colorMode, payload, jpegQuality, maxPixels } = packOptions({ src, out, width, height });
  const { items } = await listSource(src);
  const paths = [...items].flatMap(({ input }) => (input.kind === 'file' ? [input.path] : []));
  return { options: { width, height, colorMode, payload, jpegQuality, maxPixels }, paths };
}

/**
 * Images/s of one decode process over the files, one at a time, and of two such processes at once (counted
 * from both starts to the later end). Both are warmed first by one pass together (their allocators, the
 * page cache).
 */
async function decoderRates(task: TimingTask): Promise<{ one: number; two: number }> {
  const pools = [createDecodePool(1, 'processes'), createDecodePool(1, 'processes')];
  try {
    await Promise.all(pools.map((pool) => pool.timeDecodes(task)));
    const one = task.paths.length / (await pools[0]!.timeDecodes(task));
    const seconds = await Promise.all(pools.map((pool) => pool.timeDecodes(task)));
    return { one, two: (pools.length * task.paths.length) / Math.max(...seconds) };
  } finally {
    await Promise.all(pools.map((pool) => pool.close()));
  }
}

export function formatPackSpeedTable(report: PackSpeedReport): string {
  const { rows } = report;
  const lines = rows.map(
    (r) =>
      `${r.pool.padEnd(22)}${String(r.workers).padStart(8)}${r.imagesPerSecond.toFixed(0).padStart(11)}${r.medianSeconds.toFixed(2).padStart(10)}${`${r.speedup.toFixed(2)}x`.padStart(14)}${`${(r.ceilingShare * 100).toFixed(0)}%`.padStart(16)}${steadyCells(r, report.ceilingImagesPerSecond)}`,
  );
  const peers = report.peerRows.map(
    (p) => `${p.peer.padEnd(22)}${String(p.workers).padStart(8)}${p.imagesPerSecond.toFixed(0).padStart(11)}`,
  );
  return [
    `${report.images} images per run, median of ${rows[0]?.seconds.length ?? 0}; decoder ceiling (one worker, one image at a time): ${report.ceilingImagesPerSecond.toFixed(0)} images/s`,
    `two decoders at once, no pack: ${report.twoDecodersImagesPerSecond.toFixed(0)} images/s (${((report.twoDecodersImagesPerSecond / (2 * report.ceilingImagesPerSecond)) * 100).toFixed(0)}% of 2 x the ceiling: what these cores give two workers)`,
    `${''.padEnd(22)}${'workers'.padStart(8)}${'images/s'.padStart(11)}${'seconds'.padStart(10)}${'vs 1 worker'.padStart(14)}${'of the ceiling'.padStart(16)}${'steady'.padStart(9)}${'of the ceiling'.padStart(16)}`,
    ...lines,
    ...peers,
    ...(report.peerNote ? [report.peerNote] : []),
  ].join('\n');
}

/** The steady rate and its share of the ceiling, or dashes when a run made fewer than two progress reports. */
function steadyCells(row: PackSpeedRow, ceiling: number): string {
  const rate = row.steadyImagesPerSecond;
  if (Number.isNaN(rate)) return `${'-'.padStart(9)}${'-'.padStart(16)}`;
  return `${rate.toFixed(0).padStart(9)}${`${((rate / (row.workers * ceiling)) * 100).toFixed(0)}%`.padStart(16)}`;
}

/** One JSON object: the ceiling and each configuration's rate (and the peer's, when it ran). */
export function packSpeedJson(report: PackSpeedReport): string {
  return JSON.stringify({
    decoder_ceiling_images_per_s: Math.round(report.ceilingImagesPerSecond),
    two_decoders_images_per_s: Math.round(report.twoDecodersImagesPerSecond),
    rows: report.rows.map((r) => ({
      pool: r.pool,
      workers: r.workers,
      images_per_s: Math.round(r.imagesPerSecond),
      steady_images_per_s: Math.round(r.steadyImagesPerSecond),
    })),
    peer_rows: report.peerRows.map((p) => ({ peer: p.peer, workers: p.workers, images_per_s: p.imagesPerSecond })),
  });
}
