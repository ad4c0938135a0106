import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Manifest } from '@shardline/shards';
import sharp from 'sharp';
import type { Evaluation } from './evaluate';
import type { Prediction } from './predict';

export interface ReportInput {
  history: Record<string, number[]>;
  evaluation: Evaluation;
  backend: string;
  seconds: number;
  inputWaitShare: number;
}

/** history.json + history.png, confusion.json + confusion.png, misclassified.png and index.html. */
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
  await renderChart(historySpec(input.history), join(out, 'history.png'));
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
        color: { field: 'split', type: 'nominal' },
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

const TILE = 96;
const CAPTION = 28;

async function mistakeGrid(mistakes: Prediction[], manifest: Manifest, file: string): Promise<void> {
  const columns = 6;
  const rows = Math.max(1, Math.ceil(mistakes.length / columns));
  const { width, height, channels } = manifest.image;
  const tiles = await Promise.all(
    mistakes.map(async (m, i) => {
      const image = await sharp(m.pixels, { raw: { width, height, channels: channels as 1 | 3 } })
        .resize(TILE, TILE, { kernel: 'nearest' })
        .png()
        .toBuffer();
      const caption = `<svg xmlns="http://www.w3.org/2000/svg" width="${TILE}" height="${CAPTION}"><text x="2" y="11" font-size="10" font-family="sans-serif" fill="#060">true: ${escapeXml(manifest.classes[m.label]!)}</text><text x="2" y="24" font-size="10" font-family="sans-serif" fill="#b00">pred: ${escapeXml(manifest.classes[m.predicted]!)} ${(m.confidence * 100).toFixed(0)}%</text></svg>`;
      const left = (i % columns) * TILE;
      const top = Math.floor(i / columns) * (TILE + CAPTION);
      return [
        { input: image, left, top },
        { input: Buffer.from(caption), left, top: top + TILE },
      ];
    }),
  );
  await sharp({ create: { width: columns * TILE, height: rows * (TILE + CAPTION), channels: 3, background: 'white' } })
    .composite(tiles.flat())
    .png()
    .toFile(file);
}

function html(manifest: Manifest, input: ReportInput): string {
  const rows = input.evaluation.perClass
    .map(
      (c) =>
        `<tr><td>${escapeXml(c.name)}</td><td>${(c.precision * 100).toFixed(1)}%</td><td>${(c.recall * 100).toFixed(1)}%</td><td>${c.support}</td></tr>`,
    )
    .join('\n');
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>shardline training report</title>
<style>body{font-family:sans-serif;margin:2em;max-width:1100px}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 10px;text-align:right}td:first-child{text-align:left}</style></head>
<body>
<h1>Training report</h1>
<p>${manifest.classes.length} classes, ${manifest.image.width}x${manifest.image.height}x${manifest.image.channels} images. Backend ${escapeXml(input.backend)}; ${input.seconds.toFixed(1)} s of training; the trainer waited on input ${(input.inputWaitShare * 100).toFixed(1)}% of that time.</p>
<h2>${input.evaluation.split} accuracy: ${(input.evaluation.accuracy * 100).toFixed(2)}%</h2>
<h2>History</h2><img src="history.png" alt="loss and accuracy per epoch">
<h2>Confusion matrix</h2><img src="confusion.png" alt="confusion matrix">
<table><tr><th>class</th><th>precision</th><th>recall</th><th>support</th></tr>
${rows}
</table>
<h2>Most confident mistakes</h2><img src="misclassified.png" alt="misclassified images">
<p>Model: <a href="model/model.json">model/model.json</a> (tfjs Layers format). Raw numbers: <a href="history.json">history.json</a>, <a href="confusion.json">confusion.json</a>.</p>
</body></html>
`;
}

function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
