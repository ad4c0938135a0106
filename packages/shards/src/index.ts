export { decodeImageExample, type EncodedImage, encodeImageExample, type ImageRecord } from './image-record';
export { isMissing, readJsonDocument } from './json-document';
export {
  type ColorMode,
  type CrossSplitDuplicate,
  type ImageSpec,
  MANIFEST_FILE,
  MANIFEST_FORMAT,
  type Manifest,
  type Payload,
  RECORD_KEYS,
  readManifest,
  readManifestFile,
  requireTwoClasses,
  type ShardInfo,
  type SkippedFile,
  type SourceLayout,
  type SplitInfo,
  taskManifestNames,
  totalRecords,
  writeManifest,
} from './manifest';
export { addCounts, recordProblem, ShardTally } from './record-check';
export {
  checkShardFiles,
  hashFile,
  hashSource,
  PARTIAL_SUFFIX,
  SHARD_FILE,
  ShardMismatchError,
  type ShardRef,
  shardFileName,
  splitShards,
} from './shard-files';
export { type ExpectedFile, localStore, type ShardStore, storeOf } from './shard-store';
export { SPLIT_ORDER, type SplitName, shuffle, shuffleInPlace } from './splits';
export {
  MAX_TASKS,
  TASK_MANIFEST_FILE,
  type TaskInfo,
  type TaskPart,
  type TaskRange,
  taskManifestFile,
  taskTag,
} from './task';
export {
  removeTfdsMetadata,
  TFDS_FEATURES_FILE,
  TFDS_FILES,
  TFDS_INFO_FILE,
  TFDS_LABELS_FILE,
  TFDS_NAME,
  TFDS_SHARD_FILE,
  tfdsFeatures,
  tfdsInfo,
  tfdsLabelProblem,
  tfdsName,
  tfdsShardName,
  writeTfdsMetadata,
} from './tfds';
export { type VerifyOptions, type VerifyReport, verifyShards } from './verify';
