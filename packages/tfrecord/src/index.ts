export { ChunkLease, READ_CHUNK_BYTES, ReadBufferPool } from './buffer-pool';
export { crc32cOf, maskCrc, maskedCrc32c } from './crc';
export { ProtobufDecodeError, TFRecordError } from './errors';
export { FRAME_OVERHEAD, FOOTER_BYTES, HEADER_BYTES, frameRecord, parseHeader } from './framing';
export { type Compression, type ResolvedCompression, compressionFromExtension, detectCompression } from './compression';
export { DEFAULT_MAX_RECORD_BYTES, type ReadOptions, type TFRecord, readTFRecordGroups, readTFRecords } from './reader';
export { type RecordLocation, TFRecordWriter, framedSize } from './writer';
export { formatIndex, readIndex, writeIndex } from './index-file';
export {
  type Feature,
  type Features,
  PROTO_DIR,
  bytesFeature,
  bytesMatchAt,
  FeatureKeys,
  decodeExample,
  decodeExampleFeatures,
  decodeExampleReference,
  decodeSequenceExample,
  decodeSequenceExampleReference,
  encodeSequenceExample,
  type SequenceExample,
  encodeExample,
  floatFeature,
  getBytes,
  getFloats,
  getInt,
  getInt64s,
  getString,
  int64Feature,
} from './example';
