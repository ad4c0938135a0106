export { type AugmentOptions, NO_AUGMENTATION, isAugmenting, makeAugmenter } from './augment';
export { type BackendChoice, initBackend } from './backend';
export { type Batch, InputWaitMeter, type PipelineOptions, labelTensor, shardDataset, toBatch } from './dataset';
export { type Evaluation, type Prediction, decide, evaluateSplit, predictBatch, summarize } from './evaluate';
export { buildCnn, transferModel } from './model';
export { fileLoadHandler, fileSaveHandler, loadModel } from './model-files';
export { type LabelledPixels, labelledImages, shardPaths } from './records';
export { type TrainOptions, type TrainResult, trainModel } from './train';
export { type WasmOverride, registerWasmGradientKernels, useWasmOverride } from './wasm-kernels';
