export {
  AUGMENT_OPTIONS,
  AUGMENTATIONS,
  type Augmentation,
  type AugmentOptions,
  makeAugmenter,
  NO_AUGMENTATION,
} from './augment';
export {
  BACKEND_OPTIONS,
  type BackendChoice,
  type BackendInfo,
  type BackendOptions,
  defaultThreads,
  describeBackend,
  initBackend,
} from './backend';
export { type Batch, type PipelineOptions, shardDataset } from './dataset';
export { EVALUATE_OPTIONS, type EvaluateOptions, type Evaluation, evaluateModel } from './evaluate';
export { buildCnn, type ModelOptions, type TransferModel, transferModel } from './model';
export { loadModel, loadTrainedModel, type ModelInfo, saveTrainedModel } from './model-files';
export { type FilePrediction, PREDICT_OPTIONS, type PredictOptions, predictFiles } from './predict';
export { type TrainResult, trainModel } from './train';
export {
  type InputOptions,
  type ModelChoice,
  type ScheduleOptions,
  TRAIN_OPTIONS,
  type TrainOptions,
  trainOptions,
} from './train-options';
export { MAX_WASM_THREADS } from './wasm/threads';
