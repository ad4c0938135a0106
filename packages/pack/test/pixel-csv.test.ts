import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { OptionError } from '@shardline/errors';
import { packDataset } from '@shardline/pack';
import { type Manifest, SPLIT_ORDER } from '@shardline/shards';
import {
  bareCsv,
  type CsvImage,
  csvImages,
  digitRecognizerCsv,
  fer2013Csv,
  packDefaults,
  packedRecords,
  tempDir,
  writeFiles,
} from '@shardline/test-support';

function csvFile(text: string, name = 'train.csv'): string {
  const dir = tempDir();
  writeFiles(dir, { [name]: text });
  return join(dir, name);
}

async function packCsv(
  src: string,
  csv: Record<string, string> = {},
  extra: object = {},
): Promise<{ out: string; manifest: Manifest }> {
  const out = tempDir();
  const { manifest } = await packDataset(
    packDefaults(src, out, {
      width: 8,
      height: 8,
      colorMode: 'grayscale',
      csv: { labelColumn: 'label', filenameColumn: 'filename', ...csv },
      ...extra,
    }),
  );
  return { out, manifest };
}

/** Class name and pixels of every record, by its source line. */
async function records(out: string, manifest: Manifest): Promise<Map<string, { className: string; pixels: number[] }>> {
  const packed = await packedRecords(out, manifest);
  return new Map([...packed].map(([name, { className, pixels }]) => [name, { className, pixels }]));
}

/** Line numbers of the images as a CSV with a header lists them: the header is line 1. */
function expectedRows(
  images: CsvImage[],
  file: string,
  firstLine = 2,
): Map<string, { className: string; pixels: number[] }> {
  return new Map(
    images.map((image, i) => [`${file}:${firstLine + i}`, { className: String(image.label), pixels: image.pixels }]),
  );
}

describe('pixel CSV sources', () => {
  test("digit-recognizer's label,pixel0.. rows pack to records with the same pixels; bad rows are skipped with their line", async () => {
    const images = csvImages(24, 3);
    const bad = [
      `1,${Array(64).fill(300).join(',')}`,
      `2,${Array(63).fill(5).join(',')}`,
      `0,${Array(63).fill(5).join(',')},x`,
      `,${Array(64).fill(5).join(',')}`,
    ];
    const src = csvFile(`${digitRecognizerCsv(images)}\n${bad.join('\n')}\n`);
    const { out, manifest } = await packCsv(src);
    assert.equal(manifest.source.layout, 'pixel-csv');
    assert.deepEqual(manifest.classes, ['0', '1', '2']);
    assert.deepEqual(await records(out, manifest), expectedRows(images, 'train.csv'));
    assert.deepEqual(manifest.skipped.map((s) => `${s.file} ${s.reason}`).sort(), [
      'train.csv:26 pixel 0 is "300", not an integer from 0 to 255',
      'train.csv:27 has 63 pixel values, expected 64',
      'train.csv:28 pixel 63 is "x", not an integer from 0 to 255',
      'train.csv:29 no value in the label column label',
    ]);
  });

  test("FER-2013's quoted pixels column with a BOM and CRLF lines, split by its Usage column", async () => {
    const images = csvImages(20, 2);
    const usage = (i: number) => ['Training', 'Training', 'Training', 'PublicTest', 'PrivateTest'][i % 5]!;
    const src = csvFile(fer2013Csv(images, usage));
    const { out, manifest } = await packCsv(src, { labelColumn: 'emotion', splitColumn: 'Usage' });
    assert.deepEqual(
      SPLIT_ORDER.map((split) => manifest.splits[split]?.records),
      [12, 4, 4],
    );
    assert.deepEqual(await records(out, manifest), expectedRows(images, 'train.csv'));
    const { out: again } = await packCsv(src, { labelColumn: 'emotion', splitColumn: 'Usage', pixelsColumn: 'pixels' });
    assert.deepEqual(await records(again, manifest), await records(out, manifest), '--pixels-column named');
  });

  test('records across lines, a stray quote, a blank line and a line longer than the read buffer', async () => {
    const images = csvImages(6, 2);
    const row = (i: number, note: string) => `${images[i]!.label},${images[i]!.pixels.join(' ')},${note}`;
    const lines = [
      'label,pixels,note',
      row(0, 'plain'),
      // Its first line must outlive the read buffer's next fill.
      row(1, `"two\nlines, ${'y'.repeat(1_200_000)}"`),
      '',
      row(2, 'x'.repeat(1_500_000)),
      row(3, 'a"b'),
      row(4, '"a ""quoted"" word"'),
      row(5, '"never closed'),
    ];
    const src = csvFile(`${lines.join('\n')}\n`);
    const { out, manifest } = await packCsv(src);
    const packed = await records(out, manifest);
    const expected = [2, 3, 6, 8].map((line, i) => [`train.csv:${line}`, images[[0, 1, 2, 4][i]!]!] as const);
    assert.deepEqual(
      packed,
      new Map(expected.map(([name, image]) => [name, { className: String(image.label), pixels: image.pixels }])),
    );
    assert.deepEqual(
      manifest.skipped.map((s) => s.file),
      ['train.csv:7', 'train.csv:9'],
    );
    assert.match(manifest.skipped[0]!.reason, /^is not valid CSV: .*[Qq]uote/);
    assert.match(manifest.skipped[1]!.reason, /^is not valid CSV: .*[Qq]uote [Nn]ot [Cc]losed/);
  });

  test('one image in two splits is found among 1,300 rows, held-out copies of training rows included', async () => {
    const distinct = (i: number) => Array.from({ length: 16 }, (_, j) => [i >> 8, i & 255][j] ?? j * 10);
    const rows = Array.from({ length: 1300 }, (_, i) => ({ label: i % 2, pixels: distinct(i), usage: 'Training' }));
    rows[1250] = { ...rows[3]!, usage: 'PublicTest' };
    rows[1260] = { ...rows[10]! };
    rows[1270] = { ...rows[20]!, usage: 'PrivateTest' };
    rows[1280] = { ...rows[20]! };
    const header = ['label', ...rows[0]!.pixels.map((_, i) => `pixel${i}`), 'Usage'].join(',');
    const src = csvFile([header, ...rows.map((r) => [r.label, ...r.pixels, r.usage].join(','))].join('\n'));
    const { manifest } = await packCsv(src, { splitColumn: 'Usage' }, { width: 4, height: 4 });
    const groups = (manifest.crossSplitDuplicates ?? []).map((d) => d.files.map((f) => `${f.split} ${f.file}`).sort());
    assert.deepEqual(groups.sort(), [
      ['test train.csv:1272', 'train train.csv:1282', 'train train.csv:22'],
      ['train train.csv:5', 'validation train.csv:1252'],
    ]);
  });

  test('no header: the label first; the shape is inferred when square, else --image-shape is needed', async () => {
    const images = csvImages(12, 2, 4).map((image) => ({ ...image, pixels: [...image.pixels, ...image.pixels] }));
    const src = csvFile(bareCsv(images));
    await assert.rejects(
      packCsv(src),
      (err) =>
        err instanceof OptionError && err.flag === '--image-shape' && /32 pixel values, not a square/.test(err.message),
    );
    await assert.rejects(
      packCsv(src, { imageShape: '0x32x1' }),
      (err) => err instanceof OptionError && err.flag === '--image-shape' && /HEIGHTxWIDTHxCHANNELS/.test(err.message),
    );
    const { out, manifest } = await packCsv(src, { imageShape: '4x8x1' }, { width: 8, height: 4 });
    assert.deepEqual(await records(out, manifest), expectedRows(images, 'train.csv', 1));
  });

  test('a column that is not there is an option error naming the flag and the columns', async () => {
    const src = csvFile(fer2013Csv(csvImages(4, 2), () => 'Training'));
    await assert.rejects(
      packCsv(src, { labelColumn: 'label' }),
      (err) =>
        err instanceof OptionError &&
        err.flag === '--label-column' &&
        /columns: emotion, pixels, Usage/.test(err.message),
    );
    await assert.rejects(
      packCsv(src, { labelColumn: 'emotion', splitColumn: 'usage' }),
      (err) => err instanceof OptionError && err.flag === '--split-column',
    );
    const odd = csvFile(fer2013Csv(csvImages(4, 2), () => 'Holdout'));
    await assert.rejects(
      packCsv(odd, { labelColumn: 'emotion', splitColumn: 'Usage' }),
      /every one of the 4 inputs .*"Holdout", not one of/,
    );
  });
});
