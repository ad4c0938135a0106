import { crc32c } from '@node-rs/crc32';

const MASK_DELTA = 0xa282ead8;

/** CRC-32C (Castagnoli), hardware-accelerated via @node-rs/crc32. */
export function crc32cOf(data: Uint8Array): number {
  return crc32c(toBuffer(data)) >>> 0;
}

/**
 * TFRecord stores CRCs "masked" so that a CRC of data that itself contains CRCs
 * does not degenerate: rotate right by 15 bits and add a constant.
 */
export function maskCrc(crc: number): number {
  return ((((crc >>> 15) | (crc << 17)) >>> 0) + MASK_DELTA) >>> 0;
}

export function maskedCrc32c(data: Uint8Array): number {
  return maskCrc(crc32cOf(data));
}

function toBuffer(data: Uint8Array): Buffer {
  return Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}
