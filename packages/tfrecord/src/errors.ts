import type { Compression } from './compression';

/**
 * A TFRecord file is malformed; names the file and the byte offset of the bad record.
 * In a compressed file the offset counts bytes of the decompressed stream, and the message says so.
 */
export class TFRecordError extends Error {
  constructor(
    readonly file: string,
    readonly offset: number,
    readonly reason: string,
    readonly compression: Compression = 'none',
  ) {
    const stream = compression === 'none' ? '' : ` of the decompressed ${compression} stream`;
    super(`${file}: ${reason} (record at byte offset ${offset}${stream})`);
    this.name = 'TFRecordError';
  }
}

/** Record bytes that are not the protobuf message expected; whoever read the record adds its file and offset. */
export class ProtobufDecodeError extends Error {
  constructor(
    readonly messageName: string,
    readonly reason: string,
  ) {
    super(`malformed ${messageName}: ${reason}`);
    this.name = 'ProtobufDecodeError';
  }
}
