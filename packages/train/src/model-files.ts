import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { Manifest } from '@shardline/pack';

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

export async function saveTrainedModel(dir: string, model: tf.LayersModel, info: ModelInfo): Promise<void> {
  await model.save(fileSaveHandler(dir));
  await writeFile(join(dir, MODEL_INFO_FILE), JSON.stringify(info, null, 2));
}

/** Loads DIR/model.json and DIR/training.json written by saveTrainedModel. */
export async function loadTrainedModel(dir: string): Promise<{ model: tf.LayersModel; info: ModelInfo }> {
  const infoFile = join(dir, MODEL_INFO_FILE);
  let info: ModelInfo;
  try {
    info = JSON.parse(await readFile(infoFile, 'utf8')) as ModelInfo;
  } catch (err) {
    throw new Error(`cannot read ${infoFile} (is ${dir} a model folder written by 'shardline train'?): ${(err as Error).message}`);
  }
  return { model: await loadModel(join(dir, 'model.json')), info };
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
      const weightData = artifacts.weightData ? Buffer.from(tf.io.CompositeArrayBuffer.join(artifacts.weightData)) : Buffer.alloc(0);
      const modelJson = {
        modelTopology: artifacts.modelTopology,
        format: 'layers-model',
        generatedBy: `TensorFlow.js tfjs-layers v${tf.version.tfjs}`,
        convertedBy: null,
        weightsManifest: [{ paths: [weightsFile], weights: artifacts.weightSpecs ?? [] }],
        ...(artifacts.trainingConfig ? { trainingConfig: artifacts.trainingConfig } : {}),
        ...(artifacts.userDefinedMetadata ? { userDefinedMetadata: artifacts.userDefinedMetadata } : {}),
      };
      await writeFile(join(dir, weightsFile), weightData);
      await writeFile(join(dir, 'model.json'), JSON.stringify(modelJson));
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    },
  };
}

/** Loads a tfjs Layers model.json and its weight files from disk. */
export function fileLoadHandler(modelJsonPath: string): tf.io.IOHandler {
  return {
    load: async () => {
      let json: tf.io.ModelJSON;
      try {
        json = JSON.parse(await readFile(modelJsonPath, 'utf8')) as tf.io.ModelJSON;
      } catch (err) {
        throw new Error(`cannot read model ${modelJsonPath}: ${(err as Error).message}`);
      }
      const specs = json.weightsManifest.flatMap((group) => group.weights);
      const buffers = await Promise.all(json.weightsManifest.flatMap((group) => group.paths.map((p) => readFile(join(dirname(modelJsonPath), p)))));
      const weightData = tf.io.CompositeArrayBuffer.join(buffers.map((b) => b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength)));
      return tf.io.getModelArtifactsForJSON(json, async () => [specs, weightData]);
    },
  };
}

/** Loads a tfjs Layers model from a model.json path, or from an http(s) URL of one (its weight files beside it). */
export async function loadModel(pathOrUrl: string): Promise<tf.LayersModel> {
  if (!/^https?:\/\//i.test(pathOrUrl)) return tf.loadLayersModel(fileLoadHandler(pathOrUrl));
  try {
    return await tf.loadLayersModel(tf.io.http(pathOrUrl));
  } catch (err) {
    throw new Error(`cannot load model ${pathOrUrl}: ${(err as Error).message}`);
  }
}
