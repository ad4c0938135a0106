import { type DeepPartial, type OptionTable, withDefaults } from '@shardline/options';
import { keyOptions, metricPanels, renderChart } from './report';
import { type RunRecord, readRunRecord } from './run-record';

export interface CompareOptions {
  /** Run folders written by train (each holds run.json). Required, at least two. */
  runs: string[];
  /** The combined history plot written. Defaults to 'compare.png'. */
  out: string;
}

export const COMPARE_OPTIONS: OptionTable<CompareOptions> = {
  runs: {
    kind: 'strings',
    positional: true,
    required: true,
    check: (runs) => ((runs as string[]).length >= 2 ? undefined : 'needs two run folders or more'),
    describe: 'Run folders written by train (each holds run.json)',
  },
  out: {
    kind: 'string',
    default: 'compare.png',
    describe: 'Combined history plot (validation loss and accuracy per epoch)',
  },
};

export interface RunComparison {
  runs: { dir: string; record: RunRecord }[];
  /** Rows of the side-by-side table: a label, then one cell per run. */
  table: string[][];
  plot: string;
}

/** Reads run.json from each folder, tabulates key options and final metrics, and plots the histories together. */
export async function compareRuns(given: DeepPartial<CompareOptions>): Promise<RunComparison> {
  const options = withDefaults(COMPARE_OPTIONS, given);
  const runs = await Promise.all(options.runs.map(async (dir) => ({ dir, record: await readRunRecord(dir) })));
  await renderChart(historiesSpec(runs), options.out);
  return { runs, table: comparisonTable(runs), plot: options.out };
}

function comparisonTable(runs: RunComparison['runs']): string[][] {
  const row = (label: string, cell: (r: RunRecord) => string) => [label, ...runs.map(({ record }) => cell(record))];
  const optionRows = keyOptions(runs[0]!.record).map(([flag], i) => row(flag, (r) => keyOptions(r)[i]![1]));
  return [
    ['run', ...runs.map((r) => r.dir)],
    row('shards', (r) => r.shards.path),
    ...optionRows,
    row('backend', (r) => `${r.backend.name}${r.backend.threads ? ` x${r.backend.threads}` : ''}`),
    row('epochs run', (r) => String(r.epochs.length)),
    row('kept epoch', (r) => String(r.keptEpoch)),
    row('best val_loss', (r) => r.bestValLoss.toFixed(4)),
    row('accuracy', (r) => `${(r.evaluation.accuracy * 100).toFixed(2)}% (${r.evaluation.split})`),
    row('seconds', (r) => r.seconds.toFixed(1)),
    row('images/s', (r) => mean(r.epochs.map((e) => e.imagesPerSecond)).toFixed(0)),
  ];
}

function mean(values: number[]): number {
  return values.reduce((a, b) => a + b, 0) / Math.max(1, values.length);
}

function historiesSpec(runs: RunComparison['runs']): object {
  const values = runs.flatMap(({ dir, record }) =>
    record.epochs.flatMap((e) =>
      ['val_loss', 'val_acc']
        .filter((metric) => e.metrics[metric] !== undefined)
        .map((metric) => ({ run: dir, epoch: e.epoch, metric, value: e.metrics[metric] })),
    ),
  );
  return metricPanels(values, 'run');
}

/** The table as aligned text columns. */
export function formatComparison(table: string[][]): string {
  const widths = table[0]!.map((_, c) => Math.max(...table.map((row) => row[c]!.length)));
  return table
    .map((row) =>
      row
        .map((cell, c) => cell.padEnd(widths[c]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}
