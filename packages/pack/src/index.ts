export { type ColorMode, type DecodeOptions, type DecodeResult, type DecodedImage, type ImageInput, type Payload, decodeImage } from './decode';
export type { DecodeTask, EncodeResult, EncodeTask } from './worker-functions';
export { DIGIT_CLASSES, FASHION_MNIST_CLASSES, type IdxArray, parseIdx, readIdx } from './idx';
export { JOURNAL_FILE } from './journal';
export {
  type CrossSplitDuplicate,
  MANIFEST_FILE,
  MANIFEST_FORMAT,
  type Manifest,
  RECORD_KEYS,
  type ShardInfo,
  type SplitInfo,
  readManifest,
  totalRecords,
  writeJsonAtomically,
} from './manifest';
export { decodeNetpbm } from './netpbm';
export { type PackOptions, type PackProgress, type PackResult, packDataset } from './pack';
export { DEFAULT_POOL, type DecodePool, type PoolKind, createDecodePool, defaultWorkerCount, mapOrdered } from './pool';
export { type ImageRecord, decodeImageExample, encodeImageExample } from './record';
export { PARTIAL_SUFFIX, hashFile, shardFileName } from './shard-writer';
export { IMAGE_EXTENSIONS, type SkippedFile, type SourceItem, type SourceListing, listSource } from './sources';
export { SPLIT_ORDER, type SplitName, assignSplits, shuffle } from './split';
export { type VerifyReport, verifyShards } from './verify';
export { MAX_IMAGE_SIDE, PACK_DEFAULTS, checkPackOptions, maxWorkers } from './pack-options';
