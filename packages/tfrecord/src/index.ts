export { ChunkLease, READ_CHUNK_BYTES, ReadBufferPool } from './buffer-pool';
export { type Compression, compressionFromExtension, detectCompression, type ResolvedCompression } from './compression';
export { crc32cOf, maskCrc, maskedCrc32c } from './crc';
export { ProtobufDecodeError, TFRecordError } from './errors';
export {
  bytesFeature,
  bytesMatchAt,
  decodeExample,
  decodeExampleFeatures,
  decodeExampleReference,
  decodeSequenceExample,
  decodeSequenceExampleReference,
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
  PROTO_DIR,
  type SequenceExample,
} from './example';
export { FOOTER_BYTES, FRAME_OVERHEAD, frameRecord, HEADER_BYTES, parseHeader } from './framing';
export { formatIndex, readIndex, writeIndex } from './index-file';
export { DEFAULT_MAX_RECORD_BYTES, type ReadOptions, readTFRecordGroups, readTFRecords, type TFRecord } from './reader';
export { framedSize, type RecordLocation, TFRecordWriter } from './writer';
