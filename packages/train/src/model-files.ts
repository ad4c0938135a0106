import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs';

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

export async function loadModel(modelJsonPath: string): Promise<tf.LayersModel> {
  return tf.loadLayersModel(fileLoadHandler(modelJsonPath));
}
