/**
 * Decoder for Netpbm PGM/PPM (P2, P3, P5, P6), the format GTSRB traffic signs ship in.
 * libvips in sharp's prebuilt binaries does not read it, and npm has no maintained decoder.
 */
import type { RawImage } from './raw-image';

const MAGIC: Record<string, { channels: 1 | 3; binary: boolean }> = {
  P2: { channels: 1, binary: false },
  P3: { channels: 3, binary: false },
  P5: { channels: 1, binary: true },
  P6: { channels: 3, binary: true },
};

export function isNetpbm(bytes: Uint8Array): boolean {
  return bytes[0] === 0x50 && MAGIC[String.fromCharCode(0x50, bytes[1] ?? 0)] !== undefined;
}

/** Reads width and height without decoding pixels (for the pixel limit). */
export function netpbmSize(bytes: Uint8Array): { width: number; height: number } {
  const header = new HeaderTokens(bytes);
  header.next();
  return { width: header.nextInt('width'), height: header.nextInt('height') };
}

export function decodeNetpbm(bytes: Uint8Array): RawImage {
  const tokens = new HeaderTokens(bytes);
  const format = MAGIC[tokens.next()];
  if (!format) throw new Error('not a PGM/PPM file');
  const width = tokens.nextInt('width');
  const height = tokens.nextInt('height');
  const maxVal = tokens.nextInt('maxval');
  if (maxVal < 1 || maxVal > 65535) throw new Error(`invalid PGM/PPM maxval ${maxVal}`);
  const count = width * height * format.channels;
  const data = new Uint8Array(count);
  if (format.binary) {
    const start = tokens.position + 1; // exactly one whitespace byte after maxval
    const bytesPerSample = maxVal > 255 ? 2 : 1;
    if (bytes.length < start + count * bytesPerSample)
      throw new Error(
        `truncated PGM/PPM pixel data: needs ${count * bytesPerSample} bytes, has ${Math.max(0, bytes.length - start)}`,
      );
    for (let i = 0; i < count; i++) {
      const sample =
        bytesPerSample === 2
          ? ((bytes[start + 2 * i] ?? 0) << 8) | (bytes[start + 2 * i + 1] ?? 0)
          : (bytes[start + i] ?? 0);
      data[i] = scale(sample, maxVal);
    }
  } else {
    for (let i = 0; i < count; i++) {
      if (!tokens.hasMore()) throw new Error(`truncated PGM/PPM pixel data: needs ${count} values, has ${i}`);
      data[i] = scale(tokens.nextInt('pixel value'), maxVal);
    }
  }
  return { data, width, height, channels: format.channels };
}

function scale(sample: number, maxVal: number): number {
  return maxVal === 255 ? sample : Math.round((sample * 255) / maxVal);
}

/** Whitespace-separated header tokens, skipping # comments. */
class HeaderTokens {
  position = 0;
  constructor(private readonly bytes: Uint8Array) {}

  next(): string {
    this.skipSpaceAndComments();
    const start = this.position;
    while (this.position < this.bytes.length && !isSpace(this.bytes[this.position]!)) this.position++;
    if (start === this.position) throw new Error('truncated PGM/PPM header');
    return String.fromCharCode(...this.bytes.subarray(start, this.position));
  }

  /** True if a token follows (comments and whitespace skipped). */
  hasMore(): boolean {
    this.skipSpaceAndComments();
    return this.position < this.bytes.length;
  }

  nextInt(what: string): number {
    const token = this.next();
    const value = Number(token);
    if (!Number.isInteger(value) || value < 0) throw new Error(`invalid PGM/PPM ${what} '${token}'`);
    return value;
  }

  private skipSpaceAndComments(): void {
    while (this.position < this.bytes.length) {
      const c = this.bytes[this.position]!;
      if (c === 0x23) while (this.position < this.bytes.length && this.bytes[this.position] !== 0x0a) this.position++;
      else if (isSpace(c)) this.position++;
      else return;
    }
  }
}

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d || c === 0x0b || c === 0x0c;
}
