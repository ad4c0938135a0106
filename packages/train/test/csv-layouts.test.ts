import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { type CsvOptions, packDataset } from '@shardline/pack';
import {
  csvImages,
  digitRecognizerCsv,
  fer2013Csv,
  gtsrbTrainingFiles,
  imageBytes,
  packDefaults,
  tempDir,
  writeFiles,
} from '@shardline/test-support';
import { trainModel } from '@shardline/train';

/** The four CSV layouts of issue #10, each as a source and the csv options that read it. */
async function layouts(): Promise<Record<string, { src: string; csv: Partial<CsvOptions>; grayscale: boolean }>> {
  const root = tempDir();
  const kaggleIds = Array.from({ length: 12 }, (_, i) => `id${String(i).padStart(3, '0')}`);
  const files: Record<string, Buffer | string> = {
    'digits.csv': digitRecognizerCsv(csvImages(24, 3)),
    'fer.csv': fer2013Csv(csvImages(30, 2), (i) => ['Training', 'Training', 'PublicTest'][i % 3]!),
    'labels.csv': `id,breed\n${kaggleIds.map((id, i) => `${id},${i % 2 ? 'dingo' : 'pekinese'}`).join('\n')}\n`,
  };
  for (const [i, id] of kaggleIds.entries()) files[`dogs/${id}.jpg`] = await imageBytes('jpeg', 12, 12, i % 2);
  for (const [name, content] of Object.entries(gtsrbTrainingFiles(2, 8))) files[`gtsrb/${name}`] = content;
  writeFiles(root, files);
  const roi = ['Roi.X1', 'Roi.Y1', 'Roi.X2', 'Roi.Y2'];
  return {
    'digit-recognizer': { src: join(root, 'digits.csv'), csv: {}, grayscale: true },
    'FER-2013': { src: join(root, 'fer.csv'), csv: { labelColumn: 'emotion', splitColumn: 'Usage' }, grayscale: true },
    'GTSRB per-folder tables': {
      src: join(root, 'gtsrb'),
      csv: { labels: '*/GT-*.csv', filenameColumn: 'Filename', labelColumn: 'ClassId', roiColumns: roi },
      grayscale: false,
    },
    'Kaggle labels.csv': {
      src: join(root, 'dogs'),
      csv: { labels: join(root, 'labels.csv'), filenameColumn: 'id', labelColumn: 'breed' },
      grayscale: false,
    },
  };
}

describe('CSV layouts train', () => {
  test('each of the four layouts packs into shards that train a few steps', async () => {
    for (const [name, { src, csv, grayscale }] of Object.entries(await layouts())) {
      const shards = tempDir();
      const { manifest } = await packDataset(
        packDefaults(src, shards, {
          width: 8,
          height: 8,
          colorMode: grayscale ? 'grayscale' : 'rgb',
          csv: { labelColumn: 'label', filenameColumn: 'filename', ...csv },
        }),
      );
      assert.deepEqual(manifest.skipped, [], name);
      const result = await trainModel({
        shards,
        out: tempDir(),
        backend: { choice: 'wasm' },
        input: { batchSize: 4, shuffleBuffer: 8, cycleLength: 1, prefetch: 1 },
        model: { filters: [2], denseUnits: 2, dropout: 0 },
        schedule: { epochs: 1, patience: 0, lrPatience: 0 },
      });
      assert.equal(result.epochsRun, 1, name);
      assert.ok(Number.isFinite(result.history.loss?.[0]), `${name}: loss ${result.history.loss}`);
      assert.equal(result.run.shards.classes.length, manifest.classes.length, name);
    }
  });
});
