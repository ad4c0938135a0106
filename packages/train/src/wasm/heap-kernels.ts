/**
 * Kernels that split into independent ranges, written over the wasm heap as plain arrays so that
 * the main thread and heap workers (heap-worker.ts) run the same code on their parts. Free of
 * tfjs on purpose: every worker loads this file.
 */

export interface ColumnSumsParams {
  /** Element offset of the [rows, cols] matrix in the heap. */
  offset: number;
  cols: number;
}

/** Adds rows [start, end) of the matrix into `out` (length cols), in float64. */
export function columnSums(
  heap: Float32Array,
  p: ColumnSumsParams,
  start: number,
  end: number,
  out: Float64Array,
): void {
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

export interface TransposeParams {
  /** Element offsets of the input and the output in the heap. */
  src: number;
  dst: number;
  /** The collapsed input shape and permutation (see collapseTranspose). */
  shape: number[];
  perm: number[];
}

function stridesOf(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length).fill(1);
  for (let i = shape.length - 2; i >= 0; i--) strides[i] = strides[i + 1]! * shape[i + 1]!;
  return strides;
}

const TILE = 32;

/** The parts a transpose splits into: rows of the tiled walk, or runs when the last axis stays last. */
export function transposeParts(p: TransposeParams): number {
  const rank = p.shape.length;
  if (rank <= 1) return 1;
  const rowAxis = p.perm.indexOf(rank - 1);
  return rowAxis === rank - 1 ? p.shape.reduce((a, b) => a * b, 1) / p.shape[rank - 1]! : p.shape[rank - 1]!;
}

/**
 * Parts [start, end) of a transpose. The output's last axis and the axis that is last in the
 * input are walked in 32x32 tiles, so reads and writes stay in cache; when the last axis stays
 * last, whole runs of it are copied.
 */
export function transposeRange(floatHeap: Float32Array, p: TransposeParams, start: number, end: number): void {
  // Copied as int32 bit patterns, so no float conversion can touch an int32 that reads as a signalling NaN (e.g. -5000000).
  const heap = new Int32Array(floatHeap.buffer);
  const rank = p.shape.length;
  if (rank <= 1) return void heap.copyWithin(p.dst, p.src, p.src + (p.shape[0] ?? 1));
  const inStrides = stridesOf(p.shape);
  const outShape = p.perm.map((axis) => p.shape[axis]!);
  const outStrides = stridesOf(outShape);
  const rowAxis = p.perm.indexOf(rank - 1);
  const colAxis = rank - 1;
  const copying = rowAxis === colAxis;
  const outer = outShape.map((_, j) => j).filter((j) => j !== rowAxis && j !== colAxis);
  if (copying) {
    copyRuns(heap, p, inStrides, outShape.slice(0, -1), start, end);
    return;
  }
  const cols = outShape[colAxis]!;
  const [rowOutStride, colInStride] = [outStrides[rowAxis]!, inStrides[p.perm[colAxis]!]!];
  const index = new Array<number>(outer.length).fill(0);
  for (;;) {
    let inBase = p.src;
    let outBase = p.dst;
    outer.forEach((j, k) => {
      inBase += index[k]! * inStrides[p.perm[j]!]!;
      outBase += index[k]! * outStrides[j]!;
    });
    for (let r0 = start; r0 < end; r0 += TILE) {
      const r1 = Math.min(r0 + TILE, end);
      for (let c0 = 0; c0 < cols; c0 += TILE) {
        const c1 = Math.min(c0 + TILE, cols);
        for (let r = r0; r < r1; r++) {
          const o = outBase + r * rowOutStride;
          const i = inBase + r;
          for (let c = c0; c < c1; c++) heap[o + c] = heap[i + c * colInStride]!;
        }
      }
    }
    let k = outer.length - 1;
    while (k >= 0 && ++index[k]! === outShape[outer[k]!]) index[k--] = 0;
    if (k < 0) return;
  }
}

function copyRuns(
  heap: Int32Array,
  p: TransposeParams,
  inStrides: number[],
  outShape: number[],
  start: number,
  end: number,
): void {
  const run = p.shape.at(-1)!;
  const index = new Array<number>(outShape.length).fill(0);
  for (let j = outShape.length - 1, rest = start; j >= 0; j--) {
    index[j] = rest % outShape[j]!;
    rest = Math.floor(rest / outShape[j]!);
  }
  for (let part = start; part < end; part++) {
    let i = p.src;
    for (let j = 0; j < index.length; j++) i += index[j]! * inStrides[p.perm[j]!]!;
    heap.copyWithin(p.dst + part * run, i, i + run);
    let k = index.length - 1;
    while (k >= 0 && ++index[k]! === outShape[k]) index[k--] = 0;
  }
}

export interface PatchParams {
  /** Element offsets of x [N, H, W, C] and of the patches [KH * KW * C, N * OH * OW] in the heap. */
  x: number;
  patches: number;
  batchSize: number;
  inHeight: number;
  inWidth: number;
  inChannels: number;
  outHeight: number;
  outWidth: number;
  filterWidth: number;
  strideHeight: number;
  strideWidth: number;
  dilationHeight: number;
  dilationWidth: number;
  padTop: number;
  padLeft: number;
}

/** Rows [start, end) of the transposed patch matrix: row (kh, kw, c) holds that tap of every output position, zero where padding. */
export function gatherPatches(heap: Float32Array, p: PatchParams, start: number, end: number): void {
  const spots = p.batchSize * p.outHeight * p.outWidth;
  for (let rowIndex = start; rowIndex < end; rowIndex++) {
    const c = rowIndex % p.inChannels;
    const kw = Math.floor(rowIndex / p.inChannels) % p.filterWidth;
    const kh = Math.floor(rowIndex / p.inChannels / p.filterWidth);
    let o = p.patches + rowIndex * spots;
    for (let n = 0; n < p.batchSize; n++) {
      for (let oh = 0; oh < p.outHeight; oh++) {
        const h = oh * p.strideHeight + kh * p.dilationHeight - p.padTop;
        const row = (n * p.inHeight + h) * p.inWidth;
        for (let ow = 0; ow < p.outWidth; ow++) {
          const w = ow * p.strideWidth + kw * p.dilationWidth - p.padLeft;
          heap[o++] =
            h >= 0 && h < p.inHeight && w >= 0 && w < p.inWidth ? heap[p.x + (row + w) * p.inChannels + c]! : 0;
        }
      }
    }
  }
}

/** Every kernel takes (heap, params, start, end, out); `out` collects float64 partial results where a kernel reduces. */
export const HEAP_KERNELS = {
  columnSums: (heap: Float32Array, p: ColumnSumsParams, start: number, end: number, out: Float64Array) =>
    columnSums(heap, p, start, end, out),
  routeToMaxima: (heap: Float32Array, p: MaxPoolGradParams, start: number, end: number) =>
    routeToMaxima(heap, p, start, end),
  transposeRange: (heap: Float32Array, p: TransposeParams, start: number, end: number) =>
    transposeRange(heap, p, start, end),
  gatherPatches: (heap: Float32Array, p: PatchParams, start: number, end: number) => gatherPatches(heap, p, start, end),
};
export type HeapKernelName = keyof typeof HEAP_KERNELS;

/** Runs a kernel by name on one part (the worker side and the pool's own part). */
export function runHeapKernel(
  name: HeapKernelName,
  heap: Float32Array,
  params: unknown,
  start: number,
  end: number,
  out: Float64Array,
): void {
  (HEAP_KERNELS[name] as (h: Float32Array, p: unknown, s: number, e: number, o: Float64Array) => void)(
    heap,
    params,
    start,
    end,
    out,
  );
}
