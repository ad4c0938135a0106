import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { OptionError } from '@shardline/errors';
import { type CsvOptions, type PackOptions, packDataset, packOptions } from '@shardline/pack';
import type { Manifest } from '@shardline/shards';
import {
  boxedPpm,
  GTSRB_HEADER,
  imageBytes,
  packDefaults,
  packedRecords,
  tempDir,
  writeFiles,
} from '@shardline/test-support';

async function pack(src: string, csv: Partial<CsvOptions>): Promise<{ out: string; manifest: Manifest }> {
  const out = tempDir();
  const { manifest } = await packDataset(
    packDefaults(src, out, {
      width: 4,
      height: 4,
      validationSplit: 0,
      csv: { labelColumn: 'label', filenameColumn: 'filename', ...csv },
    }),
  );
  return { out, manifest };
}

const ROI = ['Roi.X1', 'Roi.Y1', 'Roi.X2', 'Roi.Y2'];

describe('label tables for image files', () => {
  test("GTSRB's training layout: a semicolon table per class folder, found by a glob, each sign cropped to its ROI", async () => {
    const src = tempDir();
    const box = [3, 2, 9, 8];
    writeFiles(src, {
      '00000/00000_00000.ppm': boxedPpm(12, 10, box, 200, 10),
      '00000/00000_00001.ppm': boxedPpm(12, 10, box, 201, 10),
      '00000/unlisted.ppm': boxedPpm(12, 10, box, 50, 10),
      '00000/GT-00000.csv': `${GTSRB_HEADER}\n00000_00000.ppm;12;10;3;2;9;8;0\n00000_00001.ppm;12;10;3;2;9;8;0\nmissing.ppm;12;10;3;2;9;8;0\n`,
      '00001/00001_00000.ppm': boxedPpm(12, 10, box, 90, 250),
      '00001/GT-00001.csv': `${GTSRB_HEADER}\r\n00001_00000.ppm;12;10;3;2;9;8;1\r\n00001_00000.ppm;12;10;3;2;9;8;1\r\n`,
    });
    const { out, manifest } = await pack(src, {
      labels: '*/GT-*.csv',
      filenameColumn: 'Filename',
      labelColumn: 'ClassId',
      roiColumns: ROI,
    });
    assert.equal(manifest.source.layout, 'label-table');
    assert.deepEqual(manifest.classes, ['0', '1']);
    const packed = await packedRecords(out, manifest);
    assert.deepEqual([...packed.keys()].sort(), [
      '00000/00000_00000.ppm',
      '00000/00000_00001.ppm',
      '00001/00001_00000.ppm',
    ]);
    for (const [name, level] of [
      ['00000/00000_00000.ppm', 200],
      ['00001/00001_00000.ppm', 90],
    ] as const) {
      const { pixels } = packed.get(name)!;
      assert.ok(
        pixels.every((v) => Math.abs(v - level) <= 1),
        `${name}: only the box, ${[...pixels.slice(0, 6)]}`,
      );
    }
    assert.deepEqual(manifest.skipped.map((s) => `${s.file}: ${s.reason}`).sort(), [
      `00000/GT-00000.csv:4: names missing.ppm, which is not an image file in ${src}`,
      '00000/unlisted.ppm: no row of the label table(s) names it (*/GT-*.csv)',
      '00001/GT-00001.csv:3: labels 00001_00000.ppm again (first at 00001/GT-00001.csv:2)',
    ]);
  });

  test("Kaggle's labels.csv: id,breed beside a flat folder, ids without their extension", async () => {
    const root = tempDir();
    const ids = ['000bec18', '001513df', '001cdf01', '00214f31'];
    const breeds = ['boston_bull', 'dingo', 'boston_bull', 'pekinese'];
    const files: Record<string, Buffer | string> = {
      'labels.csv': `id,breed\n${ids.map((id, i) => `${id},${breeds[i]}`).join('\n')}\n`,
    };
    for (const [i, id] of ids.entries()) files[`train/${id}.jpg`] = await imageBytes('jpeg', 8, 8, i);
    writeFiles(root, files);
    const { out, manifest } = await pack(join(root, 'train'), {
      labels: join(root, 'labels.csv'),
      filenameColumn: 'id',
      labelColumn: 'breed',
    });
    assert.deepEqual(manifest.classes, ['boston_bull', 'dingo', 'pekinese']);
    const packed = await packedRecords(out, manifest);
    assert.deepEqual(
      ids.map((id) => packed.get(`${id}.jpg`)?.className),
      breeds,
    );
    assert.deepEqual(manifest.skipped, []);
  });

  test('other files beside the images, and a name two images share, are listed, not dropped', async () => {
    const src = tempDir();
    writeFiles(src, {
      'a.jpg': await imageBytes('jpeg', 8, 8, 0),
      'c.jpg': await imageBytes('jpeg', 8, 8, 2),
      'b.jpg': await imageBytes('jpeg', 8, 8, 1),
      'b.png': await imageBytes('png', 8, 8, 1),
      'notes.txt': 'not an image',
      'labels.csv': 'filename,label\na,x\nb,y\nc,z\n',
    });
    const { manifest } = await pack(src, { labels: join(src, 'labels.csv') });
    assert.equal(manifest.splits.train?.records, 2);
    assert.deepEqual(manifest.skipped.map((s) => `${s.file}: ${s.reason}`).sort(), [
      `b.jpg: no row of the label table(s) names it (${join(src, 'labels.csv')})`,
      `b.png: no row of the label table(s) names it (${join(src, 'labels.csv')})`,
      `labels.csv:3: names b, which matches more than one image file in ${src}: give its extension`,
      'notes.txt: not an image file extension (.txt)',
    ]);
  });

  test('an option the source would not read is refused with its flag, not ignored', () => {
    const refused = (options: Partial<PackOptions>, flag: string, why: RegExp) =>
      assert.throws(
        () => packOptions({ out: tempDir(), ...options }),
        (err) => err instanceof OptionError && err.flag === flag && why.test(err.message),
      );
    const csv = { labelColumn: 'label', filenameColumn: 'filename' };
    refused({ src: 'images', csv: { ...csv, pixelsColumn: 'pixels' } }, '--pixels-column', /pixel CSV --src/);
    refused({ src: 'images', csv: { ...csv, imageShape: '28x28x1' } }, '--image-shape', /pixel CSV --src/);
    refused({ src: 'train.csv', csv: { ...csv, labels: 'labels.csv' } }, '--labels', /holds its own labels/);
    refused({ src: 'images', labelPattern: '^(a|b)', csv: { ...csv, labels: 'l.csv' } }, '--labels', /choose one/);
    refused({ src: 'images', csv: { ...csv, roiColumns: ['a', 'b', 'c', 'd'] } }, '--roi-columns', /needs --labels/);
    refused({ src: 'images', csv: { ...csv, splitColumn: 'Usage' } }, '--split-column', /needs a pixel CSV/);
    refused({ src: 'train.csv', classNames: ['a', 'b'] }, '--class-names', /label values found/);
    refused({ src: 'images', labelPattern: '^(a|b)', classNames: ['a', 'b'] }, '--class-names', /label values/);
    assert.doesNotThrow(() =>
      packOptions({ src: 'images', out: tempDir(), csv: { ...csv, labels: 'l.csv', splitColumn: 's' } }),
    );
  });

  test('a column or table that is not there is an option error naming its flag', async () => {
    const src = tempDir();
    writeFiles(src, {
      'a/1.ppm': boxedPpm(4, 4, [0, 0, 2, 2], 1, 2),
      'a/GT.csv': `${GTSRB_HEADER}\n1.ppm;4;4;0;0;2;2;0\n`,
    });
    const refused = (csv: Partial<CsvOptions>, flag: string, why: RegExp) =>
      assert.rejects(pack(src, csv), (err) => err instanceof OptionError && err.flag === flag && why.test(err.message));
    await refused({ labels: '*/GT.csv', labelColumn: 'ClassId' }, '--filename-column', /its columns: Filename, Width/);
    await refused({ labels: '*/none-*.csv' }, '--labels', /matches no file/);
    await refused({ labels: join(src, 'nope.csv') }, '--labels', /does not exist/);
    await refused(
      { labels: '*/GT.csv', filenameColumn: 'Filename', labelColumn: 'ClassId', roiColumns: ['Roi.X1'] },
      '--roi-columns',
      /four columns/,
    );
  });
});
