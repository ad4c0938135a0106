import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Compression } from '@shardline/tfrecord';
import { type Manifest, RECORD_KEYS, writeWhole } from './manifest';
import { SPLIT_ORDER, type SplitName } from './splits';

/**
 * The layout TensorFlow Datasets reads with `tfds.builder_from_directory(dir)`: shards named by its
 * default template `{DATASET}-{SPLIT}.{FILEFORMAT}-{SHARD_X_OF_Y}`, and beside them
 * `dataset_info.json` (a DatasetInfo proto as JSON), `features.json` (a Feature proto as JSON) and
 * the class names of the ClassLabel feature. Records keep their `image/*` keys: the features are a
 * flat FeaturesDict keyed by them, so TFDS yields `{'image/encoded': ..., 'image/class/label': ...}`.
 */
export const TFDS_INFO_FILE = 'dataset_info.json';
export const TFDS_FEATURES_FILE = 'features.json';
/** TFDS stores a ClassLabel's names in `{feature name, '/' as '.'}.labels.txt`. */
export const TFDS_LABELS_FILE = `${RECORD_KEYS.label.replaceAll('/', '.')}.labels.txt`;
export const TFDS_FILES = [TFDS_INFO_FILE, TFDS_FEATURES_FILE, TFDS_LABELS_FILE] as const;

/** A TFDS dataset name: lower-case letters, digits and underscores, starting with a letter. */
export const TFDS_NAME = /^[a-z][a-z0-9_]*$/;

/** Version written into dataset_info.json; TFDS requires one, and a pack folder has only one. */
const TFDS_VERSION = '1.0.0';

/** `cats_vs_dogs-train.tfrecord-00002-of-00006`; a compressed shard keeps its suffix after it. */
export function tfdsShardName(
  dataset: string,
  split: SplitName,
  index: number,
  count: number,
  compression: Compression,
): string {
  const suffix = compression === 'gzip' ? '.gz' : compression === 'zlib' ? '.zz' : '';
  const pad = (n: number) => String(n).padStart(5, '0');
  return `${dataset}-${split}.tfrecord-${pad(index)}-of-${pad(count)}${suffix}`;
}

/** Shard and index names tfdsShardName makes. */
export const TFDS_SHARD_FILE =
  /^[a-z][a-z0-9_]*-(train|validation|test)\.tfrecord-\d{5}-of-\d{5}(\.gz|\.zz)?(\.index)?$/;

/** A name TFDS accepts, from a folder name: `Cats vs Dogs` is `cats_vs_dogs`. */
export function tfdsName(folder: string): string {
  const words = folder
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
  return /^[a-z]/.test(words) ? words : `dataset_${words}`.replace(/_+$/, '');
}

const FEATURE_CLASS = {
  dict: 'tensorflow_datasets.core.features.features_dict.FeaturesDict',
  tensor: 'tensorflow_datasets.core.features.tensor_feature.Tensor',
  image: 'tensorflow_datasets.core.features.image_feature.Image',
  label: 'tensorflow_datasets.core.features.class_label_feature.ClassLabel',
  text: 'tensorflow_datasets.core.features.text_feature.Text',
};

/** features.json: raw pixels as a uint8 Tensor stored as bytes, a JPEG payload as an Image; the label; the file name. Proto int64 values are JSON strings. */
export function tfdsFeatures(manifest: Manifest): object {
  const { width, height, channels, payload } = manifest.image;
  const shape = { dimensions: [height, width, channels].map(String) };
  const encoded =
    payload === 'jpeg'
      ? { pythonClassName: FEATURE_CLASS.image, image: { shape, dtype: 'uint8', encodingFormat: 'jpeg' } }
      : { pythonClassName: FEATURE_CLASS.tensor, tensor: { shape, dtype: 'uint8', encoding: 'bytes' } };
  return {
    pythonClassName: FEATURE_CLASS.dict,
    featuresDict: {
      features: {
        [RECORD_KEYS.encoded]: encoded,
        [RECORD_KEYS.label]: {
          pythonClassName: FEATURE_CLASS.label,
          classLabel: { numClasses: String(manifest.classes.length) },
        },
        [RECORD_KEYS.filename]: { pythonClassName: FEATURE_CLASS.text, text: {} },
      },
    },
  };
}

/** dataset_info.json: the name, each split's shard lengths and bytes, and (image, label) as the supervised keys. */
export function tfdsInfo(manifest: Manifest, datasetName: string): object {
  const splits = SPLIT_ORDER.flatMap((name) => {
    const split = manifest.splits[name];
    if (!split) return [];
    const numBytes = split.shards.reduce((n, shard) => n + shard.bytes, 0);
    return [{ name, shardLengths: split.shards.map((shard) => String(shard.records)), numBytes: String(numBytes) }];
  });
  return {
    name: datasetName,
    description: `Images of ${manifest.classes.length} classes packed by shardline from ${manifest.source.path}.`,
    version: TFDS_VERSION,
    splits,
    supervisedKeys: { input: RECORD_KEYS.encoded, output: RECORD_KEYS.label },
  };
}

/**
 * Writes the TFDS metadata of a finished pack folder whose shards carry TFDS names. TFDS reads
 * uncompressed TFRecord files only, so a compressed pack gets none. Each file is written whole (writeWhole).
 */
export async function writeTfdsMetadata(dir: string, manifest: Manifest): Promise<void> {
  const { datasetName } = manifest;
  if (!datasetName || manifest.compression !== 'none') return;
  const files: Record<string, string> = {
    [TFDS_FEATURES_FILE]: `${JSON.stringify(tfdsFeatures(manifest), null, 2)}\n`,
    [TFDS_INFO_FILE]: `${JSON.stringify(tfdsInfo(manifest, datasetName), null, 2)}\n`,
  };
  if (!tfdsLabelProblem(manifest)) files[TFDS_LABELS_FILE] = `${manifest.classes.join('\n')}\n`;
  for (const [name, text] of Object.entries(files)) await writeWhole(join(dir, name), text);
}

/**
 * Why TFDS could not read a folder's class names back, if it could not: it reads one name a line,
 * trimmed, blank lines dropped. Such names are left out of the TFDS metadata, and TFDS's labels stay
 * numbers. A folder without TFDS metadata (compressed, or packed before it) has no problem to tell.
 */
export function tfdsLabelProblem(manifest: Manifest): string | undefined {
  if (!manifest.datasetName || manifest.compression !== 'none') return undefined;
  const unreadable = manifest.classes.filter((name) => name === '' || name.trim() !== name || /[\r\n]/.test(name));
  if (unreadable.length === 0) return undefined;
  return `class name(s) ${unreadable.map((name) => JSON.stringify(name)).join(', ')} would not read back from ${TFDS_LABELS_FILE} (TFDS trims each line and drops blank ones), so that file is not written and TensorFlow Datasets will give labels as numbers`;
}

/** Removes a folder's TFDS metadata: it describes shards about to be rewritten. */
export async function removeTfdsMetadata(dir: string): Promise<void> {
  for (const name of TFDS_FILES) await rm(join(dir, name), { force: true });
}
