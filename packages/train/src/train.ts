import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { ShardlineError } from '@shardline/errors';
import type { DeepPartial } from '@shardline/options';
import { openStore } from '@shardline/remote';
import { type Manifest, readManifest, requireTwoClasses } from '@shardline/shards';
import * as tf from '@tensorflow/tfjs';
import { isAugmenting } from './augment';
import { type BackendInfo, describeBackend, initBackend } from './backend';
import { PlateauCallback } from './callbacks';
import { type Batch, InputWaitMeter, shardDataset } from './dataset';
import { type Evaluation, evaluateSplit } from './evaluate';
import { cachedBatches, cacheFeatures } from './feature-cache';
import { buildCnn, compileForClasses, type TransferModel, transferModel } from './model';
import { loadModel, loadTrainedModel, type ModelInfo, saveTrainedModel } from './model-files';
import { previewAugmentation } from './preview';
import { writeReport } from './report';
import { EpochRecorder, RUN_FORMAT, type RunRecord, shardsSummary, versions, writeRunRecord } from './run-record';
import { partRecords, type TrainOptions, trainOptions } from './train-options';

export interface TrainResult {
  backend: BackendInfo;
  epochsRun: number;
  seconds: number;
  history: Record<string, number[]>;
  evaluation: Evaluation;
  /** Share of training time the trainer spent waiting for the next batch. */
  inputWaitShare: number;
  /** What run.json holds. */
  run: RunRecord;
}

export async function trainModel(given: DeepPartial<TrainOptions> = {}): Promise<TrainResult> {
  const options = trainOptions(given);
  const startedAt = new Date().toISOString();
  const log = options.onLog ?? (() => undefined);
  const backend = await initBackend(options.backend);
  log(`backend: ${describeBackend(backend)}`);
  const store = openStore(options.shards, options.remote);
  const manifest = await readManifest(store);
  requireTwoClasses(manifest.classes, options.shards);
  if (!manifest.splits.train) throw new ShardlineError('ERR_INPUT', `${options.shards} has no train split`);
  const validationSplit = manifest.splits.validation ? 'validation' : manifest.splits.test ? 'test' : undefined;
  if (!validationSplit)
    throw new ShardlineError(
      'ERR_INPUT',
      `${options.shards} has no validation or test split: pack with --validation-split > 0`,
    );
  await mkdir(options.out, { recursive: true });

  const { model, initialEpoch, transfer, resumed } = await prepareModel(options, manifest);
  const checkpointDir = join(options.out, 'checkpoint');
  const startingBest =
    resumed?.valLoss === undefined ? undefined : { loss: resumed.valLoss, epoch: resumed.epoch ?? initialEpoch - 1 };
  // The checkpoint folder always holds the best weights known, so it starts as the resumed ones.
  if (startingBest && resolve(options.resume!) !== resolve(checkpointDir))
    await saveTrainedModel(checkpointDir, model, {
      ...modelInfo(manifest, options),
      epoch: startingBest.epoch,
      valLoss: startingBest.loss,
    });
  const pipeline = { ...options.input, seed: options.seed };
  const meter = new InputWaitMeter();
  const trainData = shardDataset(store, manifest, 'train', { ...pipeline, augment: options.augment }, meter);
  // Every process validates on the whole split, so their scores compare.
  const validationData = shardDataset(store, manifest, validationSplit, {
    ...pipeline,
    shuffleBuffer: 0,
    numShards: 1,
    shardIndex: 0,
  });
  const trainImages = partRecords(manifest.splits.train.records, options.input);
  const batchesPerEpoch = Math.ceil(trainImages / options.input.batchSize);
  const plateau = new PlateauCallback({
    ...options.schedule,
    checkpointDir,
    checkpointModel: model,
    info: modelInfo(manifest, options),
    startingBest,
  });
  const started = performance.now();
  const cached =
    transfer && options.model.fineTune === 0 && !isAugmenting(options.augment) && options.model.featureCache;
  const fit = cached
    ? await headOnCachedFeatures(
        transfer,
        shardDataset(store, manifest, 'train', { ...pipeline, shuffleBuffer: 0 }),
        validationData,
        options,
        log,
      )
    : { model, trainData, validationData };

  const recorder = new EpochRecorder(meter, trainImages);
  let currentEpoch = initialEpoch;
  let means = new EpochMeans();
  const history = await fit.model.fitDataset(fit.trainData, {
    epochs: initialEpoch + options.schedule.epochs,
    initialEpoch,
    validationData: fit.validationData,
    verbose: 0,
    callbacks: [
      plateau,
      recorder,
      new tf.CustomCallback({
        onEpochBegin: async (epoch) => {
          currentEpoch = epoch;
          means = new EpochMeans();
        },
        onBatchEnd: async (batch, logs) =>
          options.onBatch?.(currentEpoch, batch, batchesPerEpoch, means.add(logs ?? {})),
        onEpochEnd: async (epoch, logs) => log(`epoch ${epoch + 1}: ${formatLogs(logs ?? {})}`),
      }),
    ],
  });
  const seconds = (performance.now() - started) / 1000;
  const inputWaitShare = meter.waitMs / 1000 / seconds;
  log(
    `trained ${history.epoch.length} epoch(s) in ${seconds.toFixed(1)} s; best val_loss ${plateau.bestLoss.toFixed(4)} at epoch ${plateau.bestEpoch + 1}; waited on input ${(inputWaitShare * 100).toFixed(1)}% of the time`,
  );

  await saveTrainedModel(join(options.out, 'model'), model, modelInfo(manifest, options));
  // A test split (e.g. Fashion-MNIST's t10k) is the held-out measure; otherwise validation.
  const reportSplit = manifest.splits.test ? 'test' : validationSplit;
  const evaluation = await evaluateSplit(model, store, manifest, reportSplit, {
    batchSize: 64,
    rescale: options.input.rescale,
    keepMistakes: 36,
  });
  log(`${reportSplit} accuracy: ${(evaluation.accuracy * 100).toFixed(2)}%`);
  const historyValues = history.history as Record<string, number[]>;
  const run: RunRecord = {
    format: RUN_FORMAT,
    startedAt,
    command: process.argv.slice(1),
    options,
    shards: shardsSummary(options.shards, manifest),
    backend,
    epochs: recorder.epochs,
    keptEpoch: plateau.bestEpoch + 1,
    bestValLoss: plateau.bestLoss,
    seconds,
    inputWaitShare,
    evaluation: { split: evaluation.split, accuracy: evaluation.accuracy },
    versions: versions(),
  };
  await writeRunRecord(options.out, run);
  const augmentPreview = isAugmenting(options.augment)
    ? await previewAugmentation({
        shards: options.shards,
        remote: options.remote,
        out: join(options.out, AUGMENT_PREVIEW_FILE),
        seed: options.seed,
        rescale: options.input.rescale,
        augment: options.augment,
        backend: options.backend,
      })
    : undefined;
  await writeReport(options.out, manifest, { history: historyValues, evaluation, run, augmentPreview });
  model.dispose();
  return { backend, epochsRun: history.epoch.length, seconds, history: historyValues, evaluation, inputWaitShare, run };
}

export const AUGMENT_PREVIEW_FILE = 'augment.png';

interface FitInputs {
  model: tf.LayersModel;
  trainData: tf.data.Dataset<tf.TensorContainer>;
  validationData: tf.data.Dataset<tf.TensorContainer>;
}

/** The head and its data when the base is frozen and images are not augmented: the base runs once over both splits. */
async function headOnCachedFeatures(
  transfer: TransferModel,
  train: tf.data.Dataset<Batch>,
  validation: tf.data.Dataset<Batch>,
  options: TrainOptions,
  log: (message: string) => void,
): Promise<FitInputs> {
  const started = performance.now();
  const [trainCache, validationCache] = [
    await cacheFeatures(transfer.frozen, train),
    await cacheFeatures(transfer.frozen, validation),
  ];
  log(
    `feature cache: the frozen base ran once over ${trainCache.count} + ${validationCache.count} images in ${((performance.now() - started) / 1000).toFixed(1)} s; the head trains on its ${trainCache.featureShape.join('x')} features`,
  );
  return {
    model: transfer.head,
    trainData: cachedBatches(trainCache, options.input.batchSize, options.seed),
    validationData: cachedBatches(validationCache, options.input.batchSize),
  };
}

interface PreparedModel {
  model: tf.LayersModel;
  initialEpoch: number;
  transfer?: TransferModel;
  /** What the resumed checkpoint recorded. */
  resumed?: ModelInfo;
}

async function prepareModel(options: TrainOptions, manifest: Manifest): Promise<PreparedModel> {
  const { width, height, channels } = manifest.image;
  const modelOptions = {
    inputShape: [height, width, channels] as [number, number, number],
    classCount: manifest.classes.length,
    filters: options.model.filters,
    head: options.model.head,
    denseUnits: options.model.denseUnits,
    dropout: options.model.dropout,
    learningRate: options.schedule.learningRate,
  };
  if (options.resume) {
    const { model, info } = await loadTrainedModel(options.resume);
    assertSameClasses(info, manifest, options.resume);
    if (options.model.fineTune > 0) unfreezeTopOfBase(model, options.model.fineTune);
    compileForClasses(model, manifest.classes.length, options.schedule.learningRate);
    return { model, initialEpoch: (info.epoch ?? -1) + 1, resumed: info };
  }
  if (options.model.base) {
    const transfer = transferModel(await loadModel(options.model.base), {
      ...modelOptions,
      fineTune: options.model.fineTune,
      baseLayer: options.model.baseLayer,
    });
    return { model: transfer.model, initialEpoch: 0, transfer };
  }
  return { model: buildCnn(modelOptions), initialEpoch: 0 };
}

/**
 * The second stage of the transfer recipe: continuing a head-trained run (--resume) with the top
 * `count` layers of its base unfrozen. The base is the model nested first in the saved one.
 */
function unfreezeTopOfBase(model: tf.LayersModel, count: number): void {
  const base = model.layers.find((layer): layer is tf.LayersModel => layer instanceof tf.LayersModel);
  if (!base)
    throw new ShardlineError(
      'ERR_MODEL',
      `--fine-tune ${count} with --resume needs a model trained with --base (it has no nested base model)`,
    );
  const withWeights = base.layers.filter((layer) => layer.getWeights().length > 0);
  for (const layer of withWeights.slice(-count)) layer.trainable = true;
}

function modelInfo(manifest: Manifest, options: TrainOptions): ModelInfo {
  return { classes: manifest.classes, image: manifest.image, rescale: options.input.rescale };
}

export function assertSameClasses(info: ModelInfo, manifest: Manifest, modelDir: string): void {
  if (info.classes.join('\n') !== manifest.classes.join('\n')) {
    throw new ShardlineError(
      'ERR_MODEL',
      `model ${modelDir} was trained on classes [${info.classes}], shards have [${manifest.classes}]`,
    );
  }
}

/**
 * Metric means over the batches of an epoch so far, weighted by batch size. A single batch's
 * value swings: the 1-image last batch of an epoch showed "acc 0.000" at 94% epoch accuracy.
 */
export class EpochMeans {
  private readonly sums = new Map<string, number>();
  private images = 0;

  add(batchLogs: tf.Logs): tf.Logs {
    const { batch, size, ...metrics } = batchLogs;
    const n = size ?? 1;
    this.images += n;
    const means: tf.Logs = {};
    for (const [key, value] of Object.entries(metrics)) {
      this.sums.set(key, (this.sums.get(key) ?? 0) + value * n);
      means[key] = this.sums.get(key)! / this.images;
    }
    return means;
  }
}

function formatLogs(logs: tf.Logs): string {
  return Object.entries(logs)
    .map(([k, v]) => `${k} ${v.toFixed(4)}`)
    .join(', ');
}
