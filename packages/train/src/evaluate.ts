import * as tf from '@tensorflow/tfjs';
import type { Manifest, SplitName } from '@shardline/pack';
import { imageTensor } from './dataset';
import { type LabelledPixels, imageBatches, labelledImageGroups, splitShards } from './records';

export interface Prediction {
  label: number;
  predicted: number;
  confidence: number;
  filename: string;
  pixels: Uint8Array;
}

export interface Evaluation {
  split: SplitName;
  accuracy: number;
  confusion: number[][];
  perClass: { name: string; precision: number; recall: number; support: number }[];
  /** Misclassified images, most confident mistakes first. */
  mistakes: Prediction[];
}

/** Predicts every image of a split in file order and tallies a confusion matrix (rows: true, columns: predicted). */
export async function evaluateSplit(model: tf.LayersModel, dir: string, manifest: Manifest, split: SplitName, options: { batchSize: number; rescale: number; keepMistakes: number }): Promise<Evaluation> {
  const classCount = manifest.classes.length;
  const confusion = Array.from({ length: classCount }, () => new Array<number>(classCount).fill(0));
  const mistakes: Prediction[] = [];
  const groups = labelledImageGroups(splitShards(dir, manifest, split), manifest, { cycleLength: 1, shuffleBuffer: 0, seed: 0 });
  for await (const batch of imageBatches(groups, options.batchSize)) {
    for (const p of await predictBatch(model, batch, manifest, options.rescale)) {
      confusion[p.label]![p.predicted]!++;
      if (p.label !== p.predicted) mistakes.push(p);
    }
  }
  mistakes.sort((a, b) => b.confidence - a.confidence);
  return { split, ...summarize(confusion, manifest.classes), mistakes: mistakes.slice(0, options.keepMistakes) };
}

export async function predictBatch(model: tf.LayersModel, images: LabelledPixels[], manifest: Manifest, rescale: number): Promise<Prediction[]> {
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

export function summarize(confusion: number[][], classes: string[]): Pick<Evaluation, 'accuracy' | 'confusion' | 'perClass'> {
  const total = confusion.flat().reduce((a, b) => a + b, 0);
  const correct = confusion.reduce((n, row, i) => n + row[i]!, 0);
  const perClass = classes.map((name, c) => {
    const truePositive = confusion[c]![c]!;
    const predicted = confusion.reduce((n, row) => n + row[c]!, 0);
    const support = confusion[c]!.reduce((a, b) => a + b, 0);
    return { name, precision: predicted ? truePositive / predicted : 0, recall: support ? truePositive / support : 0, support };
  });
  return { accuracy: total ? correct / total : 0, confusion, perClass };
}
