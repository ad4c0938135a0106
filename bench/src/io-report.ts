import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { renderChart } from '@shardline/train/internal';
import type { IoBenchReport } from './io';
import type { RawStages } from './io-stages';

/** A plain-text table, one row per path and augmentation setting. */
/** The peer beside the raw shards: how many times faster the shards feed training than its loader. */
function peerLines(report: IoBenchReport): string[] {
  if (report.peerNote) return [report.peerNote];
  const raw = report.results.find((r) => r.path === 'shards, raw' && !r.augmentation);
  return report.peerRows.map(
    (p) =>
      `${p.peer}, ${p.workers} worker(s), no augmentation: ${p.imagesPerSecond.toFixed(0)} images/s; raw shards ${raw ? (raw.imagesPerSecond / p.imagesPerSecond).toFixed(1) : '?'}x that`,
  );
}

export function formatIoTable(report: IoBenchReport): string {
  const header = [
    'path',
    'aug',
    'images/s',
    'MB/s',
    'epochs',
    'epoch s (median)',
    'epoch s (min)',
    'CPU s/epoch',
    'peak RSS MiB',
    'speedup',
    'of ceiling',
  ];
  const rows = report.results.map((r) => [
    r.path,
    r.augmentation ? 'yes' : 'no',
    r.imagesPerSecond.toFixed(0),
    r.megabytesPerSecond.toFixed(1),
    String(r.epochSeconds.length),
    r.medianSeconds.toFixed(3),
    r.minSeconds.toFixed(3),
    r.cpuSecondsPerEpoch.toFixed(2),
    r.peakRssMiB.toFixed(0),
    `${r.speedup.toFixed(1)}x`,
    `${(r.ofCeiling * 100).toFixed(1)}%`,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  const { width, height, batchSize, epochs, workers } = report.options;
  return [
    `${report.results[0]?.images ?? 0} images at ${width}x${height}, batch ${batchSize}, at least ${epochs} timed epoch(s) after a warm-up (fast paths repeat for 2 s), ${workers} worker(s)`,
    `raw read ceiling (page cache, 1 MiB reads into one buffer): ${report.ceilingImagesPerSecond.toFixed(0)} images/s, median of ${report.ceilingPasses} passes between epochs (readFile, a fresh buffer per file, for comparison: ${report.readFileImagesPerSecond.toFixed(0)} images/s)`,
    '',
    line(header),
    line(widths.map((w) => '-'.repeat(w))),
    ...rows.map(line),
    ...peerLines(report),
    '',
    formatStages(report.rawStages, 1e6 / report.ceilingImagesPerSecond),
  ].join('\n');
}

/** The raw-shard path's cost per image, stage by stage, against the read ceiling's and the bare minimum's. */
function formatStages({ stages, bareMinimumMicros }: RawStages, ceilingMicros: number): string {
  const width = Math.max(...stages.map((s) => s.stage.length));
  const lines = stages.map(
    (s) =>
      `  ${s.stage.padEnd(width)}  ${s.addedMicros.toFixed(2).padStart(6)} us  (${s.cumulativeMicros.toFixed(2)} us so far)`,
  );
  return [
    `raw shards, no augmentation, stage by stage: wall-clock microseconds per image (the read ceiling is ${ceilingMicros.toFixed(2)} us).`,
    'Reads run on libuv threads meanwhile, so a stage whose work fits in the wait for them adds little.',
    ...lines,
    `bare minimum, for comparison: ${bareMinimumMicros.toFixed(2)} us per image (${((ceilingMicros / bareMinimumMicros) * 100).toFixed(1)}% of the ceiling) to read, frame and CRC each record`,
    'and move its pixel bytes into rescaled float32 batches, with no Example decode, interleave, shuffle or prefetch',
  ].join('\n');
}

/** io.json and io.png (images/s per path, bars grouped by augmentation, the read ceiling as a dashed line). */
export async function writeIoReport(report: IoBenchReport, dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'io.json'), JSON.stringify(report, null, 2));
  const values = report.results.map((r) => ({
    path: r.path,
    augmentation: r.augmentation ? 'with augmentation' : 'without augmentation',
    imagesPerSecond: r.imagesPerSecond,
  }));
  const ceiling = report.ceilingImagesPerSecond;
  await renderChart(
    {
      title: 'Input throughput (images/s, higher is better; dashed: raw read ceiling)',
      data: { values },
      facet: {
        row: {
          field: 'augmentation',
          type: 'nominal',
          title: null,
          sort: ['without augmentation', 'with augmentation'],
        },
      },
      spec: {
        width: 420,
        height: 140,
        layer: [
          {
            mark: { type: 'bar' },
            encoding: {
              y: { field: 'path', type: 'nominal', sort: null, title: null },
              // Bars on a log axis need an explicit base: they start at 10 images/s.
              x: {
                field: 'imagesPerSecond',
                type: 'quantitative',
                scale: { type: 'log', domainMin: 10, domainMax: ceiling * 1.5 },
                title: 'images/s (log scale)',
              },
              x2: { datum: 10 },
              color: { field: 'path', type: 'nominal', legend: null },
            },
          },
          { mark: { type: 'rule', strokeDash: [4, 3], color: '#333' }, encoding: { x: { datum: ceiling } } },
        ],
      },
    },
    join(dir, 'io.png'),
  );
}
