import { ShardlineError } from '@shardline/errors';
import type { Compression } from './compression';

/**
 * A TFRecord file is malformed; names the file and the byte offset of the bad record.
 * In a compressed file the offset counts bytes of the decompressed stream, and the message says so.
 */
export class TFRecordError extends ShardlineError {
  constructor(
    readonly file: string,
    readonly offset: number,
    readonly reason: string,
    readonly compression: Compression = 'none',
  ) {
    const stream = compression === 'none' ? '' : ` of the decompressed ${compression} stream`;
    super('ERR_DATA', `${file}: ${reason} (record at byte offset ${offset}${stream})`);
  }
}

/** Record bytes that are not the protobuf message expected; whoever read the record adds its file and offset. */
export class ProtobufDecodeError extends ShardlineError {
  constructor(
    readonly messageName: string,
    readonly reason: string,
  ) {
    super('ERR_DATA', `malformed ${messageName}: ${reason}`);
  }
}
