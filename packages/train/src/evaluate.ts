import { type DeepPartial, type OptionTable, withDefaults } from '@shardline/options';
import { openStore, REMOTE_OPTIONS, type RemoteOptions } from '@shardline/remote';
import {
  type Manifest,
  readManifest,
  type ShardStore,
  SPLIT_ORDER,
  type SplitName,
  splitShards,
} from '@shardline/shards';
import type * as tf from '@tensorflow/tfjs';
import { BACKEND_OPTIONS, type BackendOptions, describeBackend, initBackend } from './backend';
import { imageBatches, labelledImageGroups } from './image-stream';
import { loadTrainedModel } from './model-files';
import { type Prediction, predictBatch } from './predict';
import { assertSameClasses } from './train';
import { MODEL_DIR_OPTION, TRAIN_OPTIONS } from './train-options';

export interface Evaluation {
  split: SplitName;
  accuracy: number;
  confusion: number[][];
  perClass: { name: string; precision: number; recall: number; support: number }[];
  /** Misclassified images, most confident mistakes first. */
  mistakes: Prediction[];
}

/** Predicts every image of a split in file order and tallies a confusion matrix (rows: true, columns: predicted). */
export async function evaluateSplit(
  model: tf.LayersModel,
  dir: string | ShardStore,
  manifest: Manifest,
  split: SplitName,
  options: { batchSize: number; rescale: number; keepMistakes: number },
): Promise<Evaluation> {
  const classCount = manifest.classes.length;
  const confusion = Array.from({ length: classCount }, () => new Array<number>(classCount).fill(0));
  const mistakes: Prediction[] = [];
  const groups = labelledImageGroups(splitShards(dir, manifest, split), manifest, {
    cycleLength: 1,
    shuffleBuffer: 0,
    seed: 0,
  });
  for await (const batch of imageBatches(groups, options.batchSize)) {
    for (const p of await predictBatch(model, batch, manifest, options.rescale)) {
      confusion[p.label]![p.predicted]!++;
      if (p.label !== p.predicted) mistakes.push(p);
    }
  }
  mistakes.sort((a, b) => b.confidence - a.confidence);
  return { split, ...summarize(confusion, manifest.classes), mistakes: mistakes.slice(0, options.keepMistakes) };
}

export function summarize(
  confusion: number[][],
  classes: string[],
): Pick<Evaluation, 'accuracy' | 'confusion' | 'perClass'> {
  const total = confusion.flat().reduce((a, b) => a + b, 0);
  const correct = confusion.reduce((n, row, i) => n + row[i]!, 0);
  const perClass = classes.map((name, c) => {
    const truePositive = confusion[c]![c]!;
    const predicted = confusion.reduce((n, row) => n + row[c]!, 0);
    const support = confusion[c]!.reduce((a, b) => a + b, 0);
    return {
      name,
      precision: predicted ? truePositive / predicted : 0,
      recall: support ? truePositive / support : 0,
      support,
    };
  });
  return { accuracy: total ? correct / total : 0, confusion, perClass };
}

export interface EvaluateOptions {
  /** A model folder written by train. Defaults to 'runs/latest/model'. */
  model: string;
  /** A shard folder with the model's classes: a path, an http(s):// URL or s3://bucket/prefix/. Defaults to 'shards'. */
  shards: string;
  /** How http(s):// and s3:// shards are read. */
  remote: RemoteOptions;
  /** Defaults to test if the shards have it, else validation. */
  split?: SplitName;
  backend: BackendOptions;
  /** Told which backend runs the evaluation. */
  onLog?: (message: string) => void;
}

export const EVALUATE_OPTIONS: OptionTable<EvaluateOptions> = {
  model: MODEL_DIR_OPTION,
  shards: {
    ...TRAIN_OPTIONS.shards,
    describe: 'Folder written by pack, with the same classes: a path, an http(s):// URL or s3://bucket/prefix/',
  },
  remote: REMOTE_OPTIONS,
  split: {
    kind: 'string',
    choices: SPLIT_ORDER,
    defaultText: 'test if packed, else validation',
    describe: 'Split to evaluate',
  },
  backend: BACKEND_OPTIONS,
};

/** Evaluates a saved model on one split of a shard folder, on the backend the options choose. */
export async function evaluateModel(given: DeepPartial<EvaluateOptions> = {}): Promise<Evaluation> {
  const { model: modelDir, shards, remote, split, backend, onLog } = withDefaults(EVALUATE_OPTIONS, given);
  onLog?.(`backend: ${describeBackend(await initBackend(backend))}`);
  const store = openStore(shards, remote);
  const [{ model, info }, manifest] = await Promise.all([loadTrainedModel(modelDir), readManifest(store)]);
  assertSameClasses(info, manifest, modelDir);
  const chosen = split ?? (manifest.splits.test ? 'test' : 'validation');
  const evaluation = await evaluateSplit(model, store, manifest, chosen, {
    batchSize: 64,
    rescale: info.rescale,
    keepMistakes: 36,
  });
  model.dispose();
  return evaluation;
}
