import { DEFAULT_MAX_PIXELS, decodeImage } from '@shardline/images';
import { type DeepPartial, type OptionTable, withDefaults } from '@shardline/options';
import type { Manifest } from '@shardline/shards';
import * as tf from '@tensorflow/tfjs';
import { BACKEND_OPTIONS, type BackendOptions, initBackend } from './backend';
import { imageTensor } from './dataset';
import type { LabelledPixels } from './image-stream';
import { loadTrainedModel } from './model-files';
import { MODEL_DIR_OPTION } from './train-options';

export interface Prediction {
  label: number;
  predicted: number;
  confidence: number;
  filename: string;
  pixels: Uint8Array;
}

export interface FilePrediction {
  file: string;
  className?: string;
  confidence?: number;
  /** Why the file could not be classified (unreadable, not an image, ...). */
  error?: string;
}

export interface PredictOptions {
  /** Required. */
  files: string[];
  /** A model folder written by train. Defaults to 'runs/latest/model'. */
  model: string;
  backend: BackendOptions;
}

export const PREDICT_OPTIONS: OptionTable<PredictOptions> = {
  files: { kind: 'strings', required: true, positional: true, describe: 'Image files' },
  model: MODEL_DIR_OPTION,
  backend: BACKEND_OPTIONS,
};

/** Classifies image files, decoded and resized exactly as pack did for the training shards. */
export async function predictFiles(given: DeepPartial<PredictOptions>): Promise<FilePrediction[]> {
  const { files, model: modelDir, backend } = withDefaults(PREDICT_OPTIONS, given);
  await initBackend(backend);
  const { model, info } = await loadTrainedModel(modelDir);
  const { width, height, colorMode } = info.image;
  const results: FilePrediction[] = [];
  for (const file of files) {
    const decoded = await decodeImage(
      { kind: 'file', path: file },
      { width, height, colorMode, payload: 'raw', jpegQuality: 0, maxPixels: DEFAULT_MAX_PIXELS },
    );
    if (!decoded.ok) {
      results.push({ file, error: decoded.reason });
      continue;
    }
    const xs = imageTensor([{ pixels: decoded.data, label: 0, filename: file }], info.image, info.rescale);
    const output = model.predict(xs) as tf.Tensor2D;
    const { predicted, confidence } = decide(((await output.array()) as number[][])[0]!);
    tf.dispose([xs, output]);
    results.push({ file, className: info.classes[predicted], confidence });
  }
  model.dispose();
  return results;
}

export async function predictBatch(
  model: tf.LayersModel,
  images: LabelledPixels[],
  manifest: Manifest,
  rescale: number,
): Promise<Prediction[]> {
  const xs = imageTensor(images, manifest.image, rescale);
  const output = model.predict(xs) as tf.Tensor2D;
  const scores = (await output.array()) as number[][];
  tf.dispose([xs, output]);
  return images.map((image, i) => ({ ...image, ...decide(scores[i]!) }));
}

/** Class and confidence from one output row: a single sigmoid unit, or softmax scores. */
export function decide(row: number[]): { predicted: number; confidence: number } {
  if (row.length === 1) {
    const p = row[0]!;
    return p >= 0.5 ? { predicted: 1, confidence: p } : { predicted: 0, confidence: 1 - p };
  }
  const predicted = row.indexOf(Math.max(...row));
  return { predicted, confidence: row[predicted]! };
}
