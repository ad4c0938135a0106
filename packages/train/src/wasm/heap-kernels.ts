/**
 * Kernels that split into independent ranges, written over the wasm heap as plain arrays so that
 * the main thread and heap workers (heap-worker.ts) run the same code on their parts.
 */

export interface ColumnSumsParams {
  /** Element offset of the [rows, cols] matrix in the heap. */
  offset: number;
  cols: number;
}

/** Adds rows [start, end) of the matrix into `out` (length cols), in float64. */
export function columnSums(heap: Float32Array, p: ColumnSumsParams, start: number, end: number, out: Float64Array): void {
  for (let r = start, base = p.offset + start * p.cols; r < end; r++, base += p.cols) {
    for (let c = 0; c < p.cols; c++) out[c]! += heap[base + c]!;
  }
}

export interface MaxPoolGradParams {
  /** Element offsets of x, dy and dx (zero-filled) in the heap. */
  x: number;
  dy: number;
  dx: number;
  inHeight: number;
  inWidth: number;
  channels: number;
  outHeight: number;
  outWidth: number;
  filterHeight: number;
  filterWidth: number;
  strideHeight: number;
  strideWidth: number;
  padTop: number;
  padLeft: number;
}

/**
 * For images [start, end) of the batch: each window's dy is added at the first in-bounds
 * position holding its maximum, scanning rows then columns, as the cpu backend does.
 */
export function routeToMaxima(heap: Float32Array, p: MaxPoolGradParams, start: number, end: number): void {
  const { channels } = p;
  const best = new Float32Array(channels);
  const where = new Int32Array(channels);
  let o = p.dy + start * p.outHeight * p.outWidth * channels;
  for (let n = start; n < end; n++) {
    for (let oh = 0; oh < p.outHeight; oh++) {
      for (let ow = 0; ow < p.outWidth; ow++, o += channels) {
        best.fill(-Infinity);
        where.fill(-1);
        const top = oh * p.strideHeight - p.padTop;
        const left = ow * p.strideWidth - p.padLeft;
        for (let h = Math.max(top, 0); h < Math.min(top + p.filterHeight, p.inHeight); h++) {
          const row = (n * p.inHeight + h) * p.inWidth;
          for (let w = Math.max(left, 0); w < Math.min(left + p.filterWidth, p.inWidth); w++) {
            const base = (row + w) * channels;
            for (let c = 0; c < channels; c++) {
              const v = heap[p.x + base + c]!;
              if (v > best[c]!) {
                best[c] = v;
                where[c] = base + c;
              }
            }
          }
        }
        for (let c = 0; c < channels; c++) if (where[c]! >= 0) heap[p.dx + where[c]!]! += heap[o + c]!;
      }
    }
  }
}

export const HEAP_KERNELS = { columnSums, routeToMaxima };
export type HeapKernelName = keyof typeof HEAP_KERNELS;
