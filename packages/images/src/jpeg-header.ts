/** What a JPEG's markers say before its pixels: enough to refuse it unread, or to choose a decoder. */
export interface JpegHeader {
  width: number;
  height: number;
  /** 1 (grayscale), 3 (YCbCr or RGB) or 4 (CMYK or YCCK). */
  components: number;
  /** An embedded ICC profile (APP2), which only a colour-managed decoder honours. */
  hasIccProfile: boolean;
  /** EXIF orientation, 1 to 8: 1 (upright) without EXIF or its tag, 0 where the EXIF segment could not be read. */
  orientation: number;
}

const SOI = 0xd8;
/** Start-of-frame markers: C0-CF except DHT (C4), JPG (C8) and DAC (CC). */
const isStartOfFrame = (marker: number) =>
  marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;

/** Reads markers up to the frame header; undefined if the bytes are not a JPEG with one. */
export function readJpegHeader(bytes: Uint8Array): JpegHeader | undefined {
  if (bytes[0] !== 0xff || bytes[1] !== SOI) return undefined;
  let hasIccProfile = false;
  let orientation = 1;
  for (let at = 2; at + 4 <= bytes.length; ) {
    if (bytes[at] !== 0xff) return undefined;
    const marker = bytes[at + 1]!;
    if (marker === 0xff) {
      at++; // fill byte
      continue;
    }
    const length = (bytes[at + 2]! << 8) | bytes[at + 3]!;
    if (marker === 0xe2 && isIccSegment(bytes, at + 4)) hasIccProfile = true;
    if (marker === 0xe1 && isExifSegment(bytes, at + 4)) orientation = exifOrientation(bytes, at + 10, at + 2 + length);
    if (isStartOfFrame(marker)) {
      if (at + 10 > bytes.length) return undefined;
      const height = (bytes[at + 5]! << 8) | bytes[at + 6]!;
      const width = (bytes[at + 7]! << 8) | bytes[at + 8]!;
      return { width, height, components: bytes[at + 9]!, hasIccProfile, orientation };
    }
    at += 2 + length;
  }
  return undefined;
}

const ICC = [...Buffer.from('ICC_PROFILE\0')];
const EXIF = [...Buffer.from('Exif\0\0')];
const ORIENTATION_TAG = 0x0112;

function isIccSegment(bytes: Uint8Array, at: number): boolean {
  return ICC.every((b, i) => bytes[at + i] === b);
}

function isExifSegment(bytes: Uint8Array, at: number): boolean {
  return EXIF.every((b, i) => bytes[at + i] === b);
}

/** The orientation tag of IFD0 in the TIFF structure from `tiff` to `end`: 1 without one, 0 if unreadable. */
function exifOrientation(bytes: Uint8Array, tiff: number, end: number): number {
  if (end > bytes.length || tiff + 8 > end) return 0;
  const view = new DataView(bytes.buffer, bytes.byteOffset + tiff, end - tiff);
  const little = view.getUint16(0) === 0x4949; // 'II'; 'MM' is big-endian
  const ifd = view.getUint32(4, little);
  if (ifd + 2 > view.byteLength) return 0;
  const last = ifd + 2 + 12 * view.getUint16(ifd, little);
  if (last > view.byteLength) return 0;
  for (let entry = ifd + 2; entry < last; entry += 12) {
    if (view.getUint16(entry, little) !== ORIENTATION_TAG) continue;
    const value = view.getUint16(entry + 8, little);
    return value >= 1 && value <= 8 ? value : 0;
  }
  return 1;
}
