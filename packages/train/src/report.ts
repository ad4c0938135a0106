import { writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { Manifest } from '@shardline/shards';
import sharp from 'sharp';
import { NO_AUGMENTATION } from './augment';
import { describeBackend } from './backend';
import type { Evaluation } from './evaluate';
import { escapeXml, writeImageGrid } from './image-grid';
import type { Prediction } from './predict';
import type { RunRecord } from './run-record';

export interface ReportInput {
  history: Record<string, number[]>;
  evaluation: Evaluation;
  run: RunRecord;
  /** The augmentation preview's path, when the run augmented. */
  augmentPreview?: string;
}

/** history.json + history.png, confusion.json + confusion.png, misclassified.png and index.html (run.json is written before). */
export async function writeReport(out: string, manifest: Manifest, input: ReportInput): Promise<void> {
  await writeFile(join(out, 'history.json'), JSON.stringify(input.history, null, 2));
  const { evaluation } = input;
  await writeFile(
    join(out, 'confusion.json'),
    JSON.stringify(
      {
        classes: manifest.classes,
        split: evaluation.split,
        accuracy: evaluation.accuracy,
        matrix: evaluation.confusion,
        perClass: evaluation.perClass,
      },
      null,
      2,
    ),
  );
  const learningRates = input.run.epochs.map((e) => e.learningRate);
  await renderChart(historySpec({ ...input.history, 'learning rate': learningRates }), join(out, 'history.png'));
  await renderChart(confusionSpec(evaluation, manifest.classes), join(out, 'confusion.png'));
  await mistakeGrid(evaluation.mistakes, manifest, join(out, 'misclassified.png'));
  await writeFile(join(out, 'index.html'), html(manifest, input));
}

function historySpec(history: Record<string, number[]>): object {
  const values = Object.entries(history).flatMap(([metric, series]) =>
    series.map((value, epoch) => ({
      epoch: epoch + 1,
      value,
      metric: metric.replace(/^val_/, ''),
      split: metric.startsWith('val_') ? 'validation' : 'train',
    })),
  );
  return metricPanels(values, 'split');
}

/** One line chart per metric, side by side, a line per value of `color`; values are {epoch, value, metric, [color]}. */
export function metricPanels(values: object[], color: string): object {
  return {
    data: { values },
    facet: { column: { field: 'metric', type: 'nominal', title: null } },
    spec: {
      width: 320,
      height: 220,
      mark: { type: 'line', point: true },
      encoding: {
        x: { field: 'epoch', type: 'quantitative', axis: { tickMinStep: 1 } },
        y: { field: 'value', type: 'quantitative', scale: { zero: false } },
        color: { field: color, type: 'nominal' },
      },
    },
    resolve: { scale: { y: 'independent' } },
  };
}

function confusionSpec(evaluation: Evaluation, classes: string[]): object {
  const values = evaluation.confusion.flatMap((row, t) =>
    row.map((count, p) => ({ true: classes[t], predicted: classes[p], count })),
  );
  const size = Math.max(200, classes.length * 40);
  return {
    title: `${evaluation.split}: accuracy ${(evaluation.accuracy * 100).toFixed(2)}%`,
    data: { values },
    width: size,
    height: size,
    encoding: {
      x: { field: 'predicted', type: 'nominal', sort: classes },
      y: { field: 'true', type: 'nominal', sort: classes },
    },
    layer: [
      { mark: 'rect', encoding: { color: { field: 'count', type: 'quantitative', scale: { scheme: 'blues' } } } },
      { mark: { type: 'text', fontSize: 11 }, encoding: { text: { field: 'count', type: 'quantitative' } } },
    ],
  };
}

/** vega-lite -> vega -> SVG (headless), rasterised by sharp. */
export async function renderChart(spec: object, file: string): Promise<void> {
  const vegaLite = await import('vega-lite');
  const vega = await import('vega');
  const compiled = vegaLite.compile({
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    background: 'white',
    ...spec,
  } as never).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  const svg = await view.toSVG();
  view.finalize();
  await sharp(Buffer.from(svg)).png().toFile(file);
}

async function mistakeGrid(mistakes: Prediction[], manifest: Manifest, file: string): Promise<void> {
  const tiles = mistakes.map((m) => ({
    pixels: m.pixels,
    caption: [
      { text: `true: ${manifest.classes[m.label]!}`, color: '#060' },
      { text: `pred: ${manifest.classes[m.predicted]!} ${(m.confidence * 100).toFixed(0)}%`, color: '#b00' },
    ],
  }));
  await writeImageGrid(file, tiles, manifest.image, 6);
}

function html(manifest: Manifest, input: ReportInput): string {
  const { run, evaluation } = input;
  const rows = evaluation.perClass.map((c) =>
    cells([c.name, percent(c.precision, 1), percent(c.recall, 1), String(c.support)]),
  );
  const preview = input.augmentPreview
    ? `<h2>Augmentation</h2><p>Training images (first column) and augmentations of them, drawn by the training code with seed ${run.options.seed}: <code>shardline preview</code> draws the same without training.</p><img src="${basename(input.augmentPreview)}" alt="augmentation preview">`
    : '<h2>Augmentation</h2><p>None (<code>--augment none</code>).</p>';
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>shardline training report</title>
<style>body{font-family:sans-serif;margin:2em;max-width:1100px}table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:4px 10px;text-align:right}td:first-child,th:first-child{text-align:left}code{background:#f4f4f4;padding:1px 4px}img{max-width:100%}</style></head>
<body>
<h1>Training report</h1>
<h2>${evaluation.split} accuracy: ${percent(evaluation.accuracy, 2)}</h2>
<p>${manifest.classes.length} classes, ${manifest.image.width}x${manifest.image.height}x${manifest.image.channels} images. ${run.seconds.toFixed(1)} s of training; the trainer waited on input ${percent(run.inputWaitShare, 1)} of that time. Weights kept from epoch ${run.keptEpoch} (val_loss ${run.bestValLoss.toFixed(4)}).</p>
${runTable(run)}
${preview}
<h2>History</h2><img src="history.png" alt="loss, accuracy and learning rate per epoch">
${epochTable(run)}
<h2>Confusion matrix</h2><img src="confusion.png" alt="confusion matrix">
<table><tr><th>class</th><th>precision</th><th>recall</th><th>support</th></tr>
${rows.join('\n')}
</table>
<h2>Most confident mistakes</h2><img src="misclassified.png" alt="misclassified images">
<p>Model: <a href="model/model.json">model/model.json</a> (tfjs Layers format). Raw numbers: <a href="run.json">run.json</a> (every option, per-epoch times), <a href="history.json">history.json</a>, <a href="confusion.json">confusion.json</a>.</p>
</body></html>
`;
}

function runTable(run: RunRecord): string {
  const splits = Object.entries(run.shards.splits)
    .map(([name, split]) => `${name} ${split.records} in ${split.shards} shard(s)`)
    .join(', ');
  const { image } = run.shards;
  const rows: [string, string][] = [
    ['command', `<code>${escapeXml(run.command.join(' '))}</code>`],
    ['shards', `${escapeXml(run.shards.path)}: ${splits}`],
    ['classes', escapeXml(run.shards.classes.join(', '))],
    ['images', `${image.width}x${image.height}x${image.channels}, ${image.payload} payload`],
    ['backend', escapeXml(describeBackend(run.backend))],
    ['options', `<code>${escapeXml(keyOptions(run).flat().join(' '))}</code> (all in run.json)`],
    [
      'versions',
      `shardline ${escapeXml(run.versions.shardline)}, tfjs ${escapeXml(run.versions.tfjs)}, node ${escapeXml(run.versions.node)}`,
    ],
    ['started', escapeXml(run.startedAt)],
  ];
  return `<table>${rows.map(([k, v]) => `<tr><td>${k}</td><td style="text-align:left">${v}</td></tr>`).join('\n')}</table>`;
}

/** The options that shape a run most, as flags and values. */
export function keyOptions(run: RunRecord): [string, string][] {
  const { options } = run;
  const augmented = Object.entries(options.augment)
    .filter(
      ([key, value]) => key !== 'preset' && JSON.stringify(value) !== JSON.stringify(NO_AUGMENTATION[key as never]),
    )
    .map(([key, value]) => `${key}=${Array.isArray(value) ? value.join(',') : value}`);
  return [
    ['--augment', `${options.augment.preset}${augmented.length ? ` (${augmented.join(' ')})` : ''}`],
    options.model.base ? ['--base', options.model.base] : ['--filters', options.model.filters.join(',')],
    ['--head', options.model.head],
    ['--epochs', String(options.schedule.epochs)],
    ['--batch-size', String(options.input.batchSize)],
    ['--learning-rate', String(options.schedule.learningRate)],
    ['--seed', String(options.seed)],
  ];
}

function epochTable(run: RunRecord): string {
  const names = [...new Set(run.epochs.flatMap((e) => Object.keys(e.metrics)))];
  const header = cells(['epoch', 'seconds', 'images/s', 'input wait', 'learning rate', ...names], 'th');
  const rows = run.epochs.map((e) =>
    cells([
      String(e.epoch) + (e.epoch === run.keptEpoch ? ' (kept)' : ''),
      e.seconds.toFixed(1),
      e.imagesPerSecond.toFixed(0),
      percent(e.inputWaitShare, 1),
      e.learningRate.toPrecision(3),
      ...names.map((name) => e.metrics[name]?.toFixed(4) ?? ''),
    ]),
  );
  return `<table>${[header, ...rows].join('\n')}</table>`;
}

function cells(values: string[], tag = 'td'): string {
  return `<tr>${values.map((v) => `<${tag}>${escapeXml(v)}</${tag}>`).join('')}</tr>`;
}

function percent(share: number, digits: number): string {
  return `${(share * 100).toFixed(digits)}%`;
}
