import { decode } from 'bmp-ts';
import { checkPixelLimit, type RawImage } from './raw-image';

/** BMP pixels as RGBA, once the header's size is within maxPixels and the file holds every row it declares. */
export function decodeBmp(bytes: Buffer, maxPixels: number): RawImage {
  checkPixelLimit(bmpSize(bytes), maxPixels);
  checkBmpPixelData(bytes);
  const bmp = decode(bytes, { toRGBA: true });
  return { data: bmp.data, width: bmp.width, height: bmp.height, channels: 4 };
}

function bmpSize(bytes: Buffer): { width: number; height: number } {
  if (bytes.length < 26) throw new Error('truncated BMP header');
  return { width: Math.abs(bytes.readInt32LE(18)), height: Math.abs(bytes.readInt32LE(22)) };
}

const BMP_UNCOMPRESSED = new Set([0, 3]); // BI_RGB, BI_BITFIELDS

/** An uncompressed BMP must hold every row its header declares; bmp-ts reads past the end otherwise. */
function checkBmpPixelData(bytes: Buffer): void {
  if (bytes.length < 34) throw new Error('truncated BMP header');
  if (!BMP_UNCOMPRESSED.has(bytes.readUInt32LE(30))) return;
  const { width, height } = bmpSize(bytes);
  const rowBytes = Math.ceil((width * bytes.readUInt16LE(28)) / 32) * 4;
  const start = bytes.readUInt32LE(10);
  const has = Math.max(0, bytes.length - start);
  if (has < rowBytes * height)
    throw new Error(
      `truncated BMP pixel data: ${width}x${height} needs ${rowBytes * height} bytes from offset ${start}, has ${has}`,
    );
}
