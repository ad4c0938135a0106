import { type DeepPartial, integer, type OptionTable, withDefaults } from '@shardline/options';
import { PACK_OPTIONS, type PackOptions, type PoolKind, packDataset } from '@shardline/pack';
import { SAMPLE_IF_MISSING_OPTION, type SampleSourceOptions, SOURCE_OPTION, sampleIfMissing } from './sample-source';
import { median } from './stats';

export interface PackSpeedOptions extends Pick<PackOptions, 'out' | 'width' | 'height'>, SampleSourceOptions {
  /** Runs per configuration; the median is reported. Defaults to 3. */
  repetitions: number;
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
}

/** Packs the same source with 1 and 2 workers, as threads and as processes, interleaved in one run. */
export async function benchPackSpeed(given: DeepPartial<PackSpeedOptions> = {}): Promise<PackSpeedRow[]> {
  const options = withDefaults(PACK_SPEED_OPTIONS, given);
  if (options.sampleIfMissing) await sampleIfMissing(options.src, options.onProgress ?? (() => undefined));
  const configs = (['threads', 'processes'] as PoolKind[]).flatMap((pool) =>
    [1, 2].map((workers) => ({ pool, workers })),
  );
  const seconds = configs.map(() => [] as number[]);
  let images = 0;
  // Round-robin over configurations so drift in machine load hits them all alike.
  for (let rep = 0; rep < options.repetitions; rep++) {
    for (const [i, config] of configs.entries()) {
      options.onProgress?.(`run ${rep + 1}/${options.repetitions}: ${config.workers} ${config.pool}`);
      const started = performance.now();
      const { manifest } = await packDataset({
        ...config,
        src: options.src,
        out: options.out,
        width: options.width,
        height: options.height,
        force: true,
      });
      seconds[i]!.push((performance.now() - started) / 1000);
      images = Object.values(manifest.splits).reduce((n, s) => n + (s?.records ?? 0), 0) + manifest.skipped.length;
    }
  }
  const rows = configs.map((config, i) => {
    const medianSeconds = median(seconds[i]!);
    return {
      ...config,
      images,
      seconds: seconds[i]!,
      medianSeconds,
      imagesPerSecond: images / medianSeconds,
      speedup: 1,
    };
  });
  for (const row of rows)
    row.speedup = row.imagesPerSecond / rows.find((r) => r.pool === row.pool && r.workers === 1)!.imagesPerSecond;
  return rows;
}

export function formatPackSpeedTable(rows: PackSpeedRow[]): string {
  const lines = rows.map(
    (r) =>
      `${r.pool.padEnd(10)}${String(r.workers).padStart(8)}${r.imagesPerSecond.toFixed(0).padStart(11)}${r.medianSeconds.toFixed(2).padStart(10)}${`${r.speedup.toFixed(2)}x`.padStart(14)}`,
  );
  return [
    `${rows[0]?.images ?? 0} images per run, median of ${rows[0]?.seconds.length ?? 0}`,
    `${'pool'.padEnd(10)}${'workers'.padStart(8)}${'images/s'.padStart(11)}${'seconds'.padStart(10)}${'vs 1 worker'.padStart(14)}`,
    ...lines,
  ].join('\n');
}
