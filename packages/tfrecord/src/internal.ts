/** The parts benches and tests reach into; not a stable API. */

export { READ_CHUNK_BYTES } from './buffer-pool';
export { compressionFromExtension, detectCompression, type ResolvedCompression } from './compression';
export { crc32cOf, maskCrc, maskedCrc32c } from './crc';
export { decodeExampleReference, decodeSequenceExampleReference, PROTO_DIR } from './example';
export { FOOTER_BYTES, FRAME_OVERHEAD, HEADER_BYTES, parseHeader } from './framing';
export * from './index';
export { DEFAULT_MAX_RECORD_BYTES } from './reader';
