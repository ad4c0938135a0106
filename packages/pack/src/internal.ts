/** The parts benches and tests reach into; not a stable API. */

export { ChunkedColumn } from './chunked-column';
export { DIGIT_CLASSES, FASHION_MNIST_CLASSES, type IdxArray, parseIdx, readIdx } from './idx';
export * from './index';
export { taskIndexFromEnvironment, taskRange } from './pack-task';
export { collectionEvery } from './periodic-collection';
export { isPixelCsv } from './pixel-csv';
export { createDecodePool, type DecodePool, mapOrdered } from './pool';
export { SourceHashes } from './source-hashes';
export type { SourceItems } from './sources';
export { assignSplits, type Splits } from './split';
export type { DecodeTask, EncodeResult, EncodeTask, TimingTask } from './worker-functions';
