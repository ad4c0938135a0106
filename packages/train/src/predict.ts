import * as tf from '@tensorflow/tfjs';
import { PACK_DEFAULTS, decodeImage, readManifest } from '@shardline/pack';
import { imageTensor } from './dataset';
import { type Evaluation, decide, evaluateSplit } from './evaluate';
import { loadTrainedModel } from './model-files';
import { assertSameClasses } from './train';

export interface FilePrediction {
  file: string;
  className?: string;
  confidence?: number;
  /** Why the file could not be classified (unreadable, not an image, ...). */
  error?: string;
}

/** Classifies image files, decoded and resized exactly as pack did for the training shards. */
export async function predictFiles(modelDir: string, files: string[]): Promise<FilePrediction[]> {
  const { model, info } = await loadTrainedModel(modelDir);
  const { width, height, colorMode } = info.image;
  const results: FilePrediction[] = [];
  for (const file of files) {
    const decoded = await decodeImage({ kind: 'file', path: file }, { width, height, colorMode, payload: 'raw', jpegQuality: 0, maxPixels: PACK_DEFAULTS.maxPixels });
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

/** Evaluates a saved model on one split of a shard folder (default: test if packed, else validation). */
export async function evaluateModel(modelDir: string, shards: string, split?: 'train' | 'validation' | 'test'): Promise<Evaluation> {
  const [{ model, info }, manifest] = await Promise.all([loadTrainedModel(modelDir), readManifest(shards)]);
  assertSameClasses(info, manifest, modelDir);
  const chosen = split ?? (manifest.splits.test ? 'test' : 'validation');
  const evaluation = await evaluateSplit(model, shards, manifest, chosen, { batchSize: 64, rescale: info.rescale, keepMistakes: 36 });
  model.dispose();
  return evaluation;
}
