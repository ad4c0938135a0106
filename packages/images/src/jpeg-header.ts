/** What a JPEG's markers say before its pixels: enough to refuse it unread, or to choose a decoder. */
export interface JpegHeader {
  width: number;
  height: number;
  /** 1 (grayscale), 3 (YCbCr or RGB) or 4 (CMYK or YCCK). */
  components: number;
  /** An embedded ICC profile (APP2), which only a colour-managed decoder honours. */
  hasIccProfile: boolean;
}

const SOI = 0xd8;
/** Start-of-frame markers: C0-CF except DHT (C4), JPG (C8) and DAC (CC). */
const isStartOfFrame = (marker: number) =>
  marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;

/** Reads markers up to the frame header; undefined if the bytes are not a JPEG with one. */
export function readJpegHeader(bytes: Uint8Array): JpegHeader | undefined {
  if (bytes[0] !== 0xff || bytes[1] !== SOI) return undefined;
  let hasIccProfile = false;
  for (let at = 2; at + 4 <= bytes.length; ) {
    if (bytes[at] !== 0xff) return undefined;
    const marker = bytes[at + 1]!;
    if (marker === 0xff) {
      at++; // fill byte
      continue;
    }
    const length = (bytes[at + 2]! << 8) | bytes[at + 3]!;
    if (marker === 0xe2 && isIccSegment(bytes, at + 4)) hasIccProfile = true;
    if (isStartOfFrame(marker)) {
      if (at + 10 > bytes.length) return undefined;
      const height = (bytes[at + 5]! << 8) | bytes[at + 6]!;
      const width = (bytes[at + 7]! << 8) | bytes[at + 8]!;
      return { width, height, components: bytes[at + 9]!, hasIccProfile };
    }
    at += 2 + length;
  }
  return undefined;
}

const ICC = [...Buffer.from('ICC_PROFILE\0')];

function isIccSegment(bytes: Uint8Array, at: number): boolean {
  return ICC.every((b, i) => bytes[at + i] === b);
}
