import { crc32cOf, maskCrc, maskedCrc32c } from './crc';

/** u64 length + u32 masked CRC of the length. */
export const HEADER_BYTES = 12;
/** u32 masked CRC of the data. */
export const FOOTER_BYTES = 4;
export const FRAME_OVERHEAD = HEADER_BYTES + FOOTER_BYTES;

/** Frames one record: length, masked CRC-32C of the length bytes, data, masked CRC-32C of data. */
export function frameRecord(data: Uint8Array): Buffer {
  const frame = Buffer.allocUnsafe(HEADER_BYTES + data.byteLength + FOOTER_BYTES);
  frame.writeBigUInt64LE(BigInt(data.byteLength), 0);
  frame.writeUInt32LE(maskedCrc32c(frame.subarray(0, 8)), 8);
  frame.set(data, HEADER_BYTES);
  frame.writeUInt32LE(maskedCrc32c(data), HEADER_BYTES + data.byteLength);
  return frame;
}

export type HeaderCheck = { ok: true; length: number } | { ok: false; reason: string };

/** Validates a 12-byte header; the length is only trusted once its CRC matches. */
export function parseHeader(header: Uint8Array): HeaderCheck {
  const view = Buffer.isBuffer(header) ? header : Buffer.from(header.buffer, header.byteOffset, HEADER_BYTES);
  const expected = view.readUInt32LE(8);
  const actual = maskCrc(crc32cOf(view.subarray(0, 8)));
  if (expected !== actual) {
    return {
      ok: false,
      reason: `corrupt length field: CRC mismatch (stored 0x${hex(expected)}, computed 0x${hex(actual)})`,
    };
  }
  // Two 32-bit halves: BigInt arithmetic here cost more than the rest of the header check.
  const high = view.readUInt32LE(4);
  if (high > MAX_SAFE_HIGH_WORD) return { ok: false, reason: `record length ${view.readBigUInt64LE(0)} is impossible` };
  return { ok: true, length: high * 2 ** 32 + view.readUInt32LE(0) };
}

/** The high 32 bits of Number.MAX_SAFE_INTEGER (2^53 - 1). */
const MAX_SAFE_HIGH_WORD = 0x1fffff;

/** Returns a reason if the data CRC stored in the footer does not match the data. */
export function checkDataCrc(data: Uint8Array, footer: Uint8Array): string | undefined {
  const expected = Buffer.from(footer.buffer, footer.byteOffset, FOOTER_BYTES).readUInt32LE(0);
  const actual = maskedCrc32c(data);
  if (expected === actual) return undefined;
  return `corrupt record data: CRC mismatch (stored 0x${hex(expected)}, computed 0x${hex(actual)})`;
}

function hex(n: number): string {
  return n.toString(16).padStart(8, '0');
}
