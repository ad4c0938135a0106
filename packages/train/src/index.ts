export {
  AUGMENT_OPTIONS,
  AUGMENTATIONS,
  type Augmentation,
  type AugmentDraw,
  type AugmentOptions,
  applyAugmentation,
  isAugmenting,
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
export {
  type Batch,
  InputWaitMeter,
  imageTensor,
  labelTensor,
  type PipelineOptions,
  shardDataset,
  toBatch,
} from './dataset';
export { type Evaluation, evaluateModel, evaluateSplit, summarize } from './evaluate';
export { cachedBatches, cacheFeatures, type FeatureCache } from './feature-cache';
export { type LabelledPixels, labelledImageGroups, labelledImages, type RecordStreamOptions } from './image-stream';
export { buildCnn, type ModelOptions, type TransferModel, transferModel } from './model';
export {
  fileLoadHandler,
  fileSaveHandler,
  loadModel,
  loadTrainedModel,
  MODEL_INFO_FILE,
  type ModelInfo,
  saveTrainedModel,
} from './model-files';
export { decide, type FilePrediction, type Prediction, predictBatch, predictFiles } from './predict';
export { renderChart } from './report';
export { EpochMeans, type TrainResult, trainModel } from './train';
export {
  INPUT_OPTIONS,
  type InputOptions,
  type ModelChoice,
  type ScheduleOptions,
  TRAIN_OPTIONS,
  type TrainOptions,
  trainOptions,
} from './train-options';
export { heapPoolTasks, MIN_SPLIT_ELEMENTS } from './wasm/heap-pool';
export { registerWasmGradientKernels, useWasmOverride, WASM_OVERRIDES, type WasmOverride } from './wasm/kernels';
export { MAX_WASM_THREADS, PTHREAD_WORKER_SCRIPT, wasmThreadsUnavailable, withThreadedWasm } from './wasm/threads';
