export { DIGIT_CLASSES, FASHION_MNIST_CLASSES, type IdxArray, parseIdx, readIdx } from './idx';
export { JOURNAL_FILE } from './journal';
export { type PackOptions, type PackProgress, type PackResult, packDataset } from './pack';
export { MAX_IMAGE_SIDE, maxWorkers, PACK_OPTIONS, packOptions } from './pack-options';
export { createDecodePool, DEFAULT_POOL, type DecodePool, defaultWorkerCount, mapOrdered, type PoolKind } from './pool';
export { listSource, type SourceItem, type SourceListing } from './sources';
export { assignSplits } from './split';
export type { DecodeTask, EncodeResult, EncodeTask } from './worker-functions';
