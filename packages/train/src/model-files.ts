import { access, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { ShardlineError, writeError } from '@shardline/errors';
import type { Manifest } from '@shardline/shards';
import * as tf from '@tensorflow/tfjs';

/** What predicting with a saved model needs besides its weights; stored as training.json beside model.json. */
export interface ModelInfo {
  classes: string[];
  image: Manifest['image'];
  rescale: number;
  /** Epoch (0-based) and val_loss of these weights, for checkpoints. */
  epoch?: number;
  valLoss?: number;
}

export const MODEL_INFO_FILE = 'training.json';

/**
 * Writes the model into DIR.partial, then swaps it in for DIR: a kill at any moment leaves
 * either the old folder or the new one whole (the old one as DIR.previous for a moment,
 * which loadTrainedModel falls back to), never a half-written one.
 */
export async function saveTrainedModel(dir: string, model: tf.LayersModel, info: ModelInfo): Promise<void> {
  const [partial, previous] = [`${dir}.partial`, `${dir}.previous`];
  await rm(partial, { recursive: true, force: true });
  await model.save(fileSaveHandler(partial));
  await writeNamed(join(partial, MODEL_INFO_FILE), JSON.stringify(info, null, 2));
  await rm(previous, { recursive: true, force: true });
  if (await exists(dir)) await rename(dir, previous);
  await rename(partial, dir);
  await rm(previous, { recursive: true, force: true });
}

/** Loads DIR/model.json and DIR/training.json written by saveTrainedModel (or DIR.previous, if a save was cut between its renames). */
export async function loadTrainedModel(dir: string): Promise<{ model: tf.LayersModel; info: ModelInfo }> {
  const folder = !(await exists(dir)) && (await exists(`${dir}.previous`)) ? `${dir}.previous` : dir;
  const infoFile = join(folder, MODEL_INFO_FILE);
  let info: ModelInfo;
  try {
    info = JSON.parse(await readFile(infoFile, 'utf8')) as ModelInfo;
  } catch (err) {
    throw new ShardlineError(
      'ERR_INPUT',
      `cannot read ${infoFile} (is ${dir} a model folder written by 'shardline train'?): ${(err as Error).message}`,
    );
  }
  return { model: await loadModel(join(folder, 'model.json')), info };
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

/**
 * Saves in the tfjs Layers format (model.json + group1-shard1of1.bin) with
 * plain fs, so no tfjs-node is needed; tf.loadLayersModel in any tfjs reads it.
 */
export function fileSaveHandler(dir: string): tf.io.IOHandler {
  return {
    save: async (artifacts) => {
      await mkdir(dir, { recursive: true });
      const weightsFile = 'weights.bin';
      const weightData = artifacts.weightData
        ? Buffer.from(tf.io.CompositeArrayBuffer.join(artifacts.weightData))
        : Buffer.alloc(0);
      const modelJson = {
        modelTopology: artifacts.modelTopology,
        format: 'layers-model',
        generatedBy: `TensorFlow.js tfjs-layers v${tf.version.tfjs}`,
        convertedBy: null,
        weightsManifest: [{ paths: [weightsFile], weights: artifacts.weightSpecs ?? [] }],
        ...(artifacts.trainingConfig ? { trainingConfig: artifacts.trainingConfig } : {}),
        ...(artifacts.userDefinedMetadata ? { userDefinedMetadata: artifacts.userDefinedMetadata } : {}),
      };
      await writeNamed(join(dir, weightsFile), weightData);
      await writeNamed(join(dir, 'model.json'), JSON.stringify(modelJson));
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    },
  };
}

/** writeFile whose errors name the file: Node's ENOSPC does not. */
async function writeNamed(file: string, data: string | Buffer): Promise<void> {
  try {
    await writeFile(file, data);
  } catch (err) {
    throw writeError(file, err);
  }
}

/** Loads a tfjs Layers model.json and its weight files from disk. */
export function fileLoadHandler(modelJsonPath: string): tf.io.IOHandler {
  return {
    load: async () => {
      let json: tf.io.ModelJSON;
      try {
        json = JSON.parse(await readFile(modelJsonPath, 'utf8')) as tf.io.ModelJSON;
      } catch (err) {
        throw new ShardlineError('ERR_INPUT', `cannot read model ${modelJsonPath}: ${(err as Error).message}`);
      }
      const specs = json.weightsManifest.flatMap((group) => group.weights);
      const files = json.weightsManifest.flatMap((group) => group.paths.map((p) => join(dirname(modelJsonPath), p)));
      const buffers = await Promise.all(files.map((file) => readFile(file)));
      checkWeightBytes(modelJsonPath, files, buffers, specs);
      const weightData = tf.io.CompositeArrayBuffer.join(
        buffers.map((b) => b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength)),
      );
      return tf.io.getModelArtifactsForJSON(json, async () => [specs, weightData]);
    },
  };
}

const BYTES_PER_ELEMENT: Record<string, number> = {
  float32: 4,
  int32: 4,
  bool: 1,
  uint8: 1,
  uint16: 2,
  float16: 2,
  complex64: 8,
};

/**
 * The weight files must hold exactly what model.json's weightsManifest describes: tfjs itself
 * reads a cut file as zeros-length tensors ("should have 432 values but has 0") and ignores extra bytes.
 */
function checkWeightBytes(
  modelJsonPath: string,
  files: string[],
  buffers: Buffer[],
  specs: tf.io.WeightsManifestEntry[],
): void {
  let expected = 0;
  for (const spec of specs) {
    const dtype = spec.quantization?.dtype ?? spec.dtype;
    const bytes = BYTES_PER_ELEMENT[dtype];
    if (bytes === undefined) return; // strings have no fixed size
    expected += tf.util.sizeFromShape(spec.shape) * bytes;
  }
  const actual = buffers.reduce((n, b) => n + b.length, 0);
  if (actual !== expected) {
    const held = files.map((file, i) => `${file} (${buffers[i]!.length} bytes)`).join(', ');
    throw new ShardlineError(
      'ERR_DATA',
      `weights of ${modelJsonPath}: ${held} hold ${actual} bytes, but its weightsManifest needs ${expected}: the file was cut or does not belong to this model.json`,
    );
  }
}

/** Loads a tfjs Layers model from a model.json path, or from an http(s) URL of one (its weight files beside it). */
export async function loadModel(pathOrUrl: string): Promise<tf.LayersModel> {
  if (!/^https?:\/\//i.test(pathOrUrl)) return tf.loadLayersModel(fileLoadHandler(pathOrUrl));
  try {
    return await tf.loadLayersModel(tf.io.http(pathOrUrl));
  } catch (err) {
    throw new ShardlineError('ERR_INPUT', `cannot load model ${pathOrUrl}: ${(err as Error).message}`);
  }
}
