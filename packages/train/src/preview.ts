import { type DeepPartial, integer, type OptionTable, seedOption, withDefaults } from '@shardline/options';
import { openStore, REMOTE_OPTIONS, type RemoteOptions } from '@shardline/remote';
import { type Manifest, readManifest, type ShardStore, splitShards } from '@shardline/shards';
import * as tf from '@tensorflow/tfjs';
import { AUGMENT_OPTIONS, type AugmentOptions, isAugmenting, makeAugmenter, withAugmentPreset } from './augment';
import { BACKEND_OPTIONS, type BackendOptions, initBackend } from './backend';
import { imageTensor } from './dataset';
import { type GridTile, writeImageGrid } from './image-grid';
import { type LabelledPixels, labelledImages } from './image-stream';
import { INPUT_OPTIONS } from './train-options';

/** What previewAugmentation draws: training images beside augmented versions of them. */
export interface PreviewOptions {
  /** Folder written by pack: a path, an http(s):// URL or s3://bucket/prefix/. Defaults to 'shards'. */
  shards: string;
  /** How http(s):// and s3:// shards are read. */
  remote: RemoteOptions;
  /** The PNG written. Defaults to 'augment.png'. */
  out: string;
  /** The augmentation seed, as train's --seed. Defaults to DEFAULT_SEED (1). */
  seed: number;
  /** Training images shown, one per row, one of each class first. Defaults to 6. */
  images: number;
  /** Augmented versions beside each original. Defaults to 5. */
  versions: number;
  /** As train's: fill values and channel shifts are in rescaled units. Defaults to 1/255. */
  rescale: number;
  augment: AugmentOptions;
  backend: BackendOptions;
}

export const PREVIEW_OPTIONS: OptionTable<PreviewOptions> = {
  shards: {
    kind: 'string',
    default: 'shards',
    describe: 'Folder written by pack (a path, an http(s):// URL or s3://bucket/prefix/); its train split is shown',
  },
  remote: REMOTE_OPTIONS,
  out: { kind: 'string', default: 'augment.png', describe: 'The PNG written' },
  seed: seedOption("Augmentation seed, as train's --seed: the same seed draws what training's first batch draws"),
  images: { kind: 'number', default: 6, check: integer({ min: 1, max: 64 }), describe: 'Training images, one per row' },
  versions: {
    kind: 'number',
    default: 5,
    check: integer({ min: 1, max: 16 }),
    describe: 'Augmented versions beside each original',
  },
  rescale: INPUT_OPTIONS.rescale,
  augment: AUGMENT_OPTIONS,
  backend: BACKEND_OPTIONS,
};

export function previewOptions(given: DeepPartial<PreviewOptions> = {}): PreviewOptions {
  return withDefaults(PREVIEW_OPTIONS, { ...given, augment: withAugmentPreset(given.augment) });
}

/**
 * A grid of training images (first column) and augmented versions of each, drawn by training's
 * augmenter with training's seed. Needs no model: tune augmentation flags by looking.
 */
export async function previewAugmentation(given: DeepPartial<PreviewOptions> = {}): Promise<string> {
  const options = previewOptions(given);
  await initBackend(options.backend);
  const store = openStore(options.shards, options.remote);
  const manifest = await readManifest(store);
  const originals = await pickImages(store, manifest, options.images);
  const versions = augmentedVersions(originals, manifest, options);
  const className = (image: LabelledPixels) => manifest.classes[image.label]!;
  const tiles = originals.flatMap((image, i): GridTile[] => [
    { pixels: image.pixels, caption: [{ text: className(image), color: '#060' }] },
    ...versions.slice(i * options.versions, (i + 1) * options.versions).map((pixels, v) => ({
      pixels,
      caption: [{ text: `augmented ${v + 1}`, color: '#555' }],
    })),
  ]);
  await writeImageGrid(options.out, tiles, manifest.image, options.versions + 1);
  return options.out;
}

/** The first image of each class in file order, then the next ones, up to count (pixels copied out of read buffers). */
async function pickImages(dir: ShardStore, manifest: Manifest, count: number): Promise<LabelledPixels[]> {
  const firsts: LabelledPixels[] = [];
  const others: LabelledPixels[] = [];
  const seen = new Set<number>();
  const records = labelledImages(splitShards(dir, manifest, 'train'), manifest, {
    cycleLength: 1,
    shuffleBuffer: 0,
    seed: 0,
  });
  for await (const image of records) {
    const copy = { ...image, pixels: image.pixels.slice(), lease: undefined };
    image.lease?.release();
    if (!seen.has(image.label)) {
      seen.add(image.label);
      firsts.push(copy);
    } else if (others.length < count) others.push(copy);
    if (firsts.length >= Math.min(count, manifest.classes.length) && firsts.length + others.length >= count) break;
  }
  return [...firsts, ...others].slice(0, count);
}

/** Each original `versions` times in a row, through training's augmenter, back to uint8 pixels. */
function augmentedVersions(originals: LabelledPixels[], manifest: Manifest, options: PreviewOptions): Uint8Array[] {
  if (!isAugmenting(options.augment)) return originals.flatMap((o) => Array(options.versions).fill(o.pixels));
  const repeated = originals.flatMap((o) => Array<LabelledPixels>(options.versions).fill(o));
  const augment = makeAugmenter(options.augment, options.seed);
  return tf.tidy(() => {
    const images = augment(imageTensor(repeated, manifest.image, options.rescale));
    const pixels = tf
      .clipByValue(tf.round(tf.div(images, options.rescale)), 0, 255)
      .toInt()
      .dataSync();
    const size = manifest.image.width * manifest.image.height * manifest.image.channels;
    return repeated.map((_, i) => Uint8Array.from(pixels.subarray(i * size, (i + 1) * size)));
  });
}
