export {
  AUGMENT_OPTIONS,
  AUGMENT_PRESETS,
  AUGMENTATIONS,
  type Augmentation,
  type AugmentOptions,
  type AugmentPreset,
  makeAugmenter,
  NO_AUGMENTATION,
  withAugmentPreset,
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
export { COMPARE_OPTIONS, type CompareOptions, compareRuns, formatComparison, type RunComparison } from './compare';
export { type Batch, type PipelineOptions, shardDataset } from './dataset';
export { EVALUATE_OPTIONS, type EvaluateOptions, type Evaluation, evaluateModel } from './evaluate';
export { buildCnn, type ModelOptions, type TransferModel, transferModel } from './model';
export { loadModel, loadTrainedModel, type ModelInfo, saveTrainedModel } from './model-files';
export { type FilePrediction, PREDICT_OPTIONS, type PredictOptions, predictFiles } from './predict';
export { PREVIEW_OPTIONS, type PreviewOptions, previewAugmentation, previewOptions } from './preview';
export { type EpochRecord, RUN_FILE, type RunRecord, readRunRecord } from './run-record';
export { AUGMENT_PREVIEW_FILE, type TrainResult, trainModel } from './train';
export {
  type InputOptions,
  type ModelChoice,
  partRecords,
  type ScheduleOptions,
  TRAIN_OPTIONS,
  type TrainOptions,
  trainOptions,
} from './train-options';
export { MAX_WASM_THREADS } from './wasm/threads';
