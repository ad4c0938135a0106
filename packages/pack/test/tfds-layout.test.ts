import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { mergeTasks, packDataset, packOptions } from '@shardline/pack';
import {
  type Manifest,
  RECORD_KEYS,
  readManifest,
  TFDS_FEATURES_FILE,
  TFDS_INFO_FILE,
  TFDS_LABELS_FILE,
  tfdsName,
  verifyShards,
} from '@shardline/shards';
import {
  catsAndDogs,
  collect,
  FIXTURES,
  imageBytes,
  packDefaults,
  packedRecords,
  REPO_ROOT,
  tempDir,
  writeFiles,
} from '@shardline/test-support';
import { decodeExample, type Features, getBytes, getInt64s, readTFRecords } from '@shardline/tfrecord';
import protobuf from 'protobufjs';
import sharp from 'sharp';

const tfdsProtos = protobuf.loadSync(join(REPO_ROOT, 'proto', 'tfds_metadata.proto'));

/** Every field of `value` against TFDS's proto `type`, as protobuf's JSON parser (which TFDS uses, strictly) reads it: unknown fields, wrong kinds and two members of a oneof are problems. */
function protoProblems(type: protobuf.Type, value: unknown, path: string): string[] {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return [`${path}: not a ${type.name} object`];
  const problems: string[] = [];
  for (const [key, item] of Object.entries(value)) {
    const field = type.fields[key]?.resolve();
    if (field) problems.push(...fieldProblems(field, item, `${path}.${key}`));
    else problems.push(`${path}.${key}: ${type.name} has no such field`);
  }
  for (const oneof of type.oneofsArray) {
    const set = oneof.fieldsArray.filter((f) => f.name in value);
    if (set.length > 1) problems.push(`${path}: ${set.map((f) => f.name).join(' and ')} are one 'oneof'`);
  }
  return problems;
}

function fieldProblems(field: protobuf.Field, item: unknown, path: string): string[] {
  if (field instanceof protobuf.MapField)
    return Object.entries(item as object).flatMap(([name, entry]) => valueProblems(field, entry, `${path}[${name}]`));
  if (!field.repeated) return valueProblems(field, item, path);
  if (!Array.isArray(item)) return [`${path}: not a list`];
  return item.flatMap((entry, i) => valueProblems(field, entry, `${path}[${i}]`));
}

function valueProblems(field: protobuf.Field, value: unknown, path: string): string[] {
  if (field.resolvedType instanceof protobuf.Type) return protoProblems(field.resolvedType, value, path);
  const ok =
    field.type === 'string'
      ? typeof value === 'string'
      : field.type === 'bool'
        ? typeof value === 'boolean'
        : field.type === 'int64'
          ? typeof value === 'string' && /^-?\d+$/.test(value)
          : false;
  return ok ? [] : [`${path}: ${JSON.stringify(value)} is not a proto ${field.type}`];
}

/** TFDS's feature classes and the Feature member each one reads (its to_json_content proto). */
const CONTENT_OF_CLASS: Record<string, string> = {
  'tensorflow_datasets.core.features.features_dict.FeaturesDict': 'featuresDict',
  'tensorflow_datasets.core.features.tensor_feature.Tensor': 'tensor',
  'tensorflow_datasets.core.features.image_feature.Image': 'image',
  'tensorflow_datasets.core.features.class_label_feature.ClassLabel': 'classLabel',
  'tensorflow_datasets.core.features.text_feature.Text': 'text',
};

interface FeatureJson {
  pythonClassName: string;
  tensor?: { shape: { dimensions: string[] }; dtype: string; encoding: string };
  image?: { shape: { dimensions: string[] }; dtype: string; encodingFormat: string };
  classLabel?: { numClasses: string };
  text?: object;
}

interface TfdsExample {
  pixels: Buffer;
  label: number;
  filename: string;
}

/**
 * Reads a folder as `tfds.builder_from_directory(dir).as_dataset(split)` does, from its metadata alone:
 * files by TFDS's default name template, each shard's length from dataset_info.json, each feature
 * of features.json parsed from the records as TFDS parses it.
 */
async function readAsTfds(dir: string): Promise<{ classes: string[]; splits: Record<string, TfdsExample[]> }> {
  const info = JSON.parse(readFileSync(join(dir, TFDS_INFO_FILE), 'utf8'));
  const root = JSON.parse(readFileSync(join(dir, TFDS_FEATURES_FILE), 'utf8'));
  const features = root.featuresDict.features as Record<string, FeatureJson>;
  const pad = (n: number) => String(n).padStart(5, '0');
  const splits: Record<string, TfdsExample[]> = {};
  for (const split of info.splits as { name: string; shardLengths: string[] }[]) {
    const examples: TfdsExample[] = [];
    for (const [i, length] of split.shardLengths.entries()) {
      const file = `${info.name}-${split.name}.tfrecord-${pad(i)}-of-${pad(split.shardLengths.length)}`;
      const records = await collect(readTFRecords(join(dir, file)));
      assert.equal(records.length, Number(length), `${file} holds the records dataset_info.json gives it`);
      for (const { data } of records) examples.push(await tfdsExample(decodeExample(data), features));
    }
    splits[split.name] = examples;
  }
  const classes = readFileSync(join(dir, TFDS_LABELS_FILE), 'utf8')
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean);
  return { classes, splits };
}

async function tfdsExample(example: Features, features: Record<string, FeatureJson>): Promise<TfdsExample> {
  const out: Partial<TfdsExample> = {};
  for (const [key, feature] of Object.entries(features)) {
    const value = example[key];
    assert.ok(value, `every record has feature ${key}`);
    if (feature.tensor) {
      assert.equal(
        feature.tensor.encoding,
        'bytes',
        `${key} is one bytes value, which TFDS reads only as encoding 'bytes'`,
      );
      const [bytes] = getBytes(example, key) as [Uint8Array];
      const size = feature.tensor.shape.dimensions.reduce((n, d) => n * Number(d), 1);
      assert.equal(bytes.length, size, `${key}: tf.io.decode_raw gives ${size} ${feature.tensor.dtype}`);
      out.pixels = Buffer.from(bytes);
    } else if (feature.image) {
      const [bytes] = getBytes(example, key) as [Uint8Array];
      const [height, width, channels] = feature.image.shape.dimensions.map(Number);
      const { data, info } = await sharp(bytes).raw().toBuffer({ resolveWithObject: true });
      assert.deepEqual(
        [info.height, info.width, info.channels],
        [height, width, channels],
        `${key} decodes to its shape`,
      );
      out.pixels = data;
    } else if (feature.classLabel) {
      const [label] = getInt64s(example, key);
      assert.ok(label !== undefined && label >= 0n && label < BigInt(feature.classLabel.numClasses));
      out.label = Number(label);
    } else if (feature.text) {
      out.filename = Buffer.from(getBytes(example, key)[0]!).toString('utf8');
    }
  }
  return out as TfdsExample;
}

function classFolders(): Promise<string> {
  return catsAndDogs(9, 7);
}

/** Each split's records as read through the manifest, as TfdsExamples. */
async function manifestExamples(dir: string, manifest: Manifest): Promise<Record<string, TfdsExample[]>> {
  const records = await packedRecords(dir, manifest);
  const splits: Record<string, TfdsExample[]> = {};
  for (const [split, info] of Object.entries(manifest.splits)) {
    const files = new Set(info!.shards.map((s) => s.file));
    splits[split] = [];
    for (const file of files)
      for await (const { data } of readTFRecords(join(dir, file))) {
        const example = decodeExample(data);
        const filename = Buffer.from(getBytes(example, RECORD_KEYS.filename)[0]!).toString('utf8');
        const record = records.get(filename)!;
        splits[split].push({ pixels: Buffer.from(record.pixels), label: record.label, filename });
      }
  }
  return splits;
}

describe('TensorFlow Datasets layout', () => {
  test('a pack folder reads as TFDS reads it, from dataset_info.json, features.json and the label names alone', async () => {
    const out = join(tempDir(), 'Cats vs Dogs');
    const { manifest } = await packDataset(
      packDefaults(await classFolders(), out, { shardBytes: 2048, datasetName: undefined }),
    );
    assert.equal(manifest.datasetName, 'cats_vs_dogs', "named after the --out folder, as TFDS's names are written");
    const tfds = await readAsTfds(out);
    assert.deepEqual(tfds.classes, manifest.classes);
    assert.deepEqual(tfds.splits, await manifestExamples(out, manifest));
    assert.equal(tfds.splits.train!.length + tfds.splits.validation!.length, 16);
    const report = await verifyShards(out);
    assert.ok(report.ok, report.problems.join('\n'));
  });

  test('dataset_info.json and features.json are TFDS DatasetInfo and Feature protos, field by field, with a member per feature class', async () => {
    const out = tempDir();
    const src = await classFolders();
    for (const payload of ['raw', 'jpeg'] as const) {
      await packDataset(packDefaults(src, out, { payload, force: true }));
      const info = JSON.parse(readFileSync(join(out, TFDS_INFO_FILE), 'utf8'));
      const features = JSON.parse(readFileSync(join(out, TFDS_FEATURES_FILE), 'utf8'));
      assert.deepEqual(protoProblems(tfdsProtos.lookupType('tensorflow_datasets.DatasetInfo'), info, 'info'), []);
      assert.deepEqual(protoProblems(tfdsProtos.lookupType('tensorflow_datasets.Feature'), features, 'features'), []);
      const all = [features, ...Object.values(features.featuresDict.features)] as FeatureJson[];
      for (const feature of all) {
        const member = CONTENT_OF_CLASS[feature.pythonClassName];
        assert.ok(member && member in feature, `${feature.pythonClassName} is read from its '${member}' member`);
      }
      assert.deepEqual(info.supervisedKeys, { input: 'image/encoded', output: 'image/class/label' });
      assert.match(info.version, /^\d+\.\d+\.\d+$/);
      const tfds = await readAsTfds(out);
      assert.equal(tfds.splits.train!.length, (await readManifest(out)).splits.train!.records, payload);
    }
  });

  test('a proto field TFDS does not have, or a value of the wrong kind, is caught by the check', () => {
    const infoType = tfdsProtos.lookupType('tensorflow_datasets.DatasetInfo');
    assert.deepEqual(protoProblems(infoType, { name: 'x', splits: [{ name: 'train', shardLength: ['1'] }] }, 'info'), [
      'info.splits[0].shardLength: SplitInfo has no such field',
    ]);
    assert.deepEqual(protoProblems(infoType, { splits: [{ shardLengths: [3] }] }, 'info'), [
      'info.splits[0].shardLengths[0]: 3 is not a proto int64',
    ]);
  });

  test('a compressed pack has no TFDS metadata, and a pack that replaces one with it removes the old metadata', async () => {
    const src = await classFolders();
    const out = tempDir();
    await packDataset(packDefaults(src, out));
    assert.ok(existsSync(join(out, TFDS_INFO_FILE)));
    const { manifest } = await packDataset(packDefaults(src, out, { compression: 'gzip', force: true }));
    for (const file of [TFDS_INFO_FILE, TFDS_FEATURES_FILE, TFDS_LABELS_FILE])
      assert.equal(existsSync(join(out, file)), false, file);
    assert.match(manifest.splits.train!.shards[0]!.file, /^test_images-train\.tfrecord-00000-of-\d{5}\.gz$/);
    assert.deepEqual(
      readdirSync(out)
        .filter((name) => name.includes('.tfrecord'))
        .sort(),
      Object.values(manifest.splits)
        .flatMap((s) => s!.shards.map((shard) => shard.file))
        .sort(),
      'no shard of the first pack is left',
    );
    assert.ok((await verifyShards(out)).ok);
  });

  test('a distributed pack merges into one TFDS folder, numbered across tasks; merge run again, or after a stop, finishes it', async () => {
    const src = await classFolders();
    const [tasks, whole] = [tempDir(), tempDir()];
    const options = packDefaults(src, tasks, { shardBytes: 2048, numTasks: 2 });
    for (const taskIndex of [0, 1]) await packDataset({ ...options, taskIndex });
    const first = JSON.parse(readFileSync(join(tasks, 'manifest-t00001.json'), 'utf8')) as Manifest;
    const moved = first.splits.train!.shards[0]!.file;
    const merged = await mergeTasks(tasks);
    const single = await packDataset(packDefaults(src, whole, { shardBytes: 2048 }));
    assert.deepEqual((await readAsTfds(tasks)).splits, (await readAsTfds(whole)).splits);
    assert.deepEqual(
      readdirSync(tasks).filter((name) => /-t\d{5}|manifest-t/.test(name)),
      [],
      'no task file is left',
    );
    assert.deepEqual(await mergeTasks(tasks), merged, 'merged already');
    const rerun = await packDataset({ ...options, taskIndex: 1 });
    assert.equal(rerun.alreadyComplete, true, 'a task run again after the merge finds the merged folder');
    assert.ok((await verifyShards(tasks)).ok);
    assert.equal(merged.fingerprint, single.manifest.fingerprint);
    assert.ok(!existsSync(join(tasks, moved)));
  });

  test('a merge stopped after moving some shards finishes when run again', async () => {
    const src = await classFolders();
    const out = tempDir();
    const options = packDefaults(src, out, { shardBytes: 2048, numTasks: 2 });
    for (const taskIndex of [0, 1]) await packDataset({ ...options, taskIndex });
    const task = JSON.parse(readFileSync(join(out, 'manifest-t00001.json'), 'utf8')) as Manifest;
    const trainShards = (m: Manifest) => m.splits.train!.shards.length;
    const before = JSON.parse(readFileSync(join(out, 'manifest-t00000.json'), 'utf8')) as Manifest;
    const count = trainShards(before) + trainShards(task);
    const index = trainShards(before);
    const pad = (n: number) => String(n).padStart(5, '0');
    const shard = task.splits.train!.shards[0]!;
    const target = `test_images-train.tfrecord-${pad(index)}-of-${pad(count)}`;
    renameSync(join(out, shard.file), join(out, target));
    renameSync(join(out, shard.index!), join(out, `${target}.index`));
    const merged = await mergeTasks(out);
    assert.equal(merged.splits.train!.shards[index]!.file, target);
    assert.ok((await verifyShards(out)).ok);
  });

  test('a pack stopped after renaming its shards, before writing manifest.json, packs again when run again', async () => {
    const src = await classFolders();
    const out = tempDir();
    const first = await packDataset(packDefaults(src, out, { shardBytes: 2048 }));
    rmSync(join(out, 'manifest.json'));
    const again = await packDataset(packDefaults(src, out, { shardBytes: 2048 }));
    assert.equal(again.alreadyComplete, false);
    assert.deepEqual(again.manifest.splits, first.manifest.splits);
    const shardFiles = Object.values(again.manifest.splits).flatMap((split) =>
      split!.shards.map((shard) => shard.file),
    );
    assert.deepEqual(
      readdirSync(out)
        .filter((name) => !name.endsWith('.index') && name.includes('.tfrecord'))
        .sort(),
      shardFiles.sort(),
    );
  });

  test('class names TFDS would not read back leave out the labels file, and the pack warns, naming them', async () => {
    const src = tempDir();
    const files: Record<string, Buffer> = {};
    for (let i = 0; i < 4; i++) {
      files[`cat /c${i}.png`] = await imageBytes('png', 12, 12, i);
      files[`dog/d${i}.png`] = await imageBytes('png', 12, 12, 20 + i);
    }
    writeFiles(src, files);
    const warnings: string[] = [];
    const out = tempDir();
    const { manifest } = await packDataset({ ...packDefaults(src, out), onWarning: (w) => warnings.push(w) });
    assert.deepEqual(manifest.classes, ['cat ', 'dog']);
    assert.equal(existsSync(join(out, TFDS_LABELS_FILE)), false);
    assert.ok(existsSync(join(out, TFDS_INFO_FILE)));
    assert.deepEqual(
      warnings.filter((w) => w.includes(TFDS_LABELS_FILE)),
      [
        `class name(s) "cat " would not read back from ${TFDS_LABELS_FILE} (TFDS trims each line and drops blank ones), so that file is not written and TensorFlow Datasets will give labels as numbers`,
      ],
    );
  });

  test('a folder packed before shards had TFDS names still reads and verifies', async () => {
    const dir = join(FIXTURES, 'pack-before-tfds-names');
    const manifest = await readManifest(dir);
    assert.equal(manifest.datasetName, undefined);
    const report = await verifyShards(dir);
    assert.ok(report.ok, report.problems.join('\n'));
    assert.equal((await packedRecords(dir, manifest)).size, 12);
  });

  test('the dataset name defaults from --out in snake_case; a name TFDS would refuse is refused by option', () => {
    assert.equal(tfdsName('Cats vs Dogs'), 'cats_vs_dogs');
    assert.equal(tfdsName('2024-photos'), 'dataset_2024_photos');
    assert.equal(tfdsName('--'), 'dataset');
    assert.equal(packOptions({ src: 'a', out: 'x/My Shards' }).datasetName, 'my_shards');
    assert.throws(
      () => packOptions({ src: 'a', out: 'b', datasetName: 'Bad-Name' }),
      /datasetName = "Bad-Name": must be lower-case/,
    );
  });
});
