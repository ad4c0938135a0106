export { ChunkLease, ReadBufferPool } from './buffer-pool';
export { type ByteSource, type Chunk, type Compression, fileSource } from './compression';
export { ProtobufDecodeError, TFRecordError } from './errors';
export {
  bytesFeature,
  bytesMatchAt,
  decodeExample,
  decodeExampleFeatures,
  decodeSequenceExample,
  encodeExample,
  encodeSequenceExample,
  type Feature,
  FeatureKeys,
  type Features,
  floatFeature,
  getBytes,
  getFloats,
  getInt,
  getInt64s,
  getString,
  int64Feature,
  type SequenceExample,
} from './example';
export { frameRecord } from './framing';
export { parseIndex, readIndex, writeIndex } from './index-file';
export { type ReadOptions, readTFRecordGroups, readTFRecords, type TFRecord } from './reader';
export { framedSize, type RecordLocation, TFRecordWriter } from './writer';
