/** The parts benches and tests reach into; not a stable API. */

export { type AugmentDraw, applyAugmentation, isAugmenting } from './augment';
export { PlateauCallback } from './callbacks';
export { InputWaitMeter, imageTensor, labelTensor, toBatch } from './dataset';
export { evaluateSplit, summarize } from './evaluate';
export { cachedBatches, cacheFeatures, type FeatureCache } from './feature-cache';
export { type LabelledPixels, labelledImageGroups, labelledImages, type RecordStreamOptions } from './image-stream';
export * from './index';
export { fileLoadHandler, fileSaveHandler, MODEL_INFO_FILE } from './model-files';
export { decide, type Prediction, predictBatch } from './predict';
export { renderChart } from './report';
export { EpochRecorder } from './run-record';
export { EpochMeans } from './train';
export { INPUT_OPTIONS } from './train-options';
export { heapPoolTasks, MIN_SPLIT_ELEMENTS } from './wasm/heap-pool';
export { registerWasmGradientKernels, useWasmOverride, WASM_OVERRIDES, type WasmOverride } from './wasm/kernels';
export { PTHREAD_WORKER_SCRIPT, wasmThreadsUnavailable, withThreadedWasm } from './wasm/threads';
