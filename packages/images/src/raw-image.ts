/** Pixels already decoded, HWC uint8. */
export interface RawImage {
  data: Uint8Array;
  width: number;
  height: number;
  channels: 1 | 3 | 4;
}

export function checkPixelLimit(size: { width: number; height: number }, maxPixels: number): void {
  if (size.width * size.height > maxPixels) {
    throw new Error(`image is ${size.width}x${size.height}, over the limit of ${maxPixels} pixels (not decoded)`);
  }
}

export interface Size {
  width: number;
  height: number;
}

/** A region of the source image, in its pixels: left and top inclusive, as PIL's crop box. */
export interface CropBox {
  left: number;
  top: number;
  width: number;
  height: number;
}

/** What a decoder produces: the target size, from a crop of the source when one is given. */
export interface DecodeTarget extends Size {
  crop?: CropBox;
}
