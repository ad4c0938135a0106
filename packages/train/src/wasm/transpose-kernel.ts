import type * as tf from '@tensorflow/tfjs';
import { type Info, type WasmBackend, backendOf } from './kernel-call';

type Values = Float32Array | Int32Array;

/** Drops size-1 axes and merges axes that stay adjacent and in order: [N, H, W, C] by [0, 3, 1, 2] becomes [N, HW, C] by [0, 2, 1]. */
export function collapseTranspose(shape: readonly number[], perm: readonly number[]): { shape: number[]; perm: number[] } {
  const kept = perm.filter((axis) => shape[axis] !== 1);
  const groups: number[][] = [];
  for (const axis of kept) {
    const last = groups.at(-1);
    if (last && last.at(-1)! + 1 === axis) last.push(axis);
    else groups.push([axis]);
  }
  const byInputOrder = groups.slice().sort((p, q) => p[0]! - q[0]!);
  return {
    shape: byInputOrder.map((g) => g.reduce((size, axis) => size * shape[axis]!, 1)),
    perm: groups.map((g) => byInputOrder.indexOf(g)),
  };
}

function stridesOf(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length).fill(1);
  for (let i = shape.length - 2; i >= 0; i--) strides[i] = strides[i + 1]! * shape[i + 1]!;
  return strides;
}

const TILE = 32;

/**
 * Writes src (input `shape`) transposed by `perm` into dst. The output's last axis and the axis
 * that is last in the input are walked in 32x32 tiles, so both reads and writes stay in cache;
 * the other axes are walked in order.
 */
export function transposeInto(src: Values, dst: Values, shape: readonly number[], perm: readonly number[]): void {
  const rank = shape.length;
  if (rank <= 1) return void dst.set(src);
  const inStrides = stridesOf(shape);
  const outShape = perm.map((axis) => shape[axis]!);
  const outStrides = stridesOf(outShape);
  const rowAxis = perm.indexOf(rank - 1); // output axis whose input stride is 1
  const colAxis = rank - 1; // output axis whose output stride is 1
  if (rowAxis === colAxis) return copyRuns(src, dst, shape, perm);
  const [rows, cols] = [outShape[rowAxis]!, outShape[colAxis]!];
  const [rowOutStride, colInStride] = [outStrides[rowAxis]!, inStrides[perm[colAxis]!]!];
  const outer = outShape.map((_, j) => j).filter((j) => j !== rowAxis && j !== colAxis);
  const index = new Array<number>(outer.length).fill(0);
  for (;;) {
    let inBase = 0;
    let outBase = 0;
    outer.forEach((j, k) => {
      inBase += index[k]! * inStrides[perm[j]!]!;
      outBase += index[k]! * outStrides[j]!;
    });
    for (let r0 = 0; r0 < rows; r0 += TILE) {
      const r1 = Math.min(r0 + TILE, rows);
      for (let c0 = 0; c0 < cols; c0 += TILE) {
        const c1 = Math.min(c0 + TILE, cols);
        for (let r = r0; r < r1; r++) {
          const o = outBase + r * rowOutStride;
          const i = inBase + r;
          for (let c = c0; c < c1; c++) dst[o + c] = src[i + c * colInStride]!;
        }
      }
    }
    let k = outer.length - 1;
    while (k >= 0 && ++index[k]! === outShape[outer[k]!]) index[k--] = 0;
    if (k < 0) return;
  }
}

/** The last axis stays last: whole runs of it are copied. */
function copyRuns(src: Values, dst: Values, shape: readonly number[], perm: readonly number[]): void {
  const run = shape.at(-1)!;
  const inStrides = stridesOf(shape);
  const outShape = perm.map((axis) => shape[axis]!).slice(0, -1);
  const index = new Array<number>(outShape.length).fill(0);
  for (let o = 0; o < dst.length; o += run) {
    let i = 0;
    for (let j = 0; j < index.length; j++) i += index[j]! * inStrides[perm[j]!]!;
    dst.set(src.subarray(i, i + run), o);
    let k = index.length - 1;
    while (k >= 0 && ++index[k]! === outShape[k]) index[k--] = 0;
  }
}

/** Transpose by tiles; wasm's own kernel takes about 19 ns an element on large tensors. */
export function makeTiledTranspose(fallback: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const backend: WasmBackend = backendOf(args);
    const { x } = args.inputs as { x: Info };
    const { perm } = args.attrs as unknown as { perm: number[] };
    if (x.dtype !== 'float32' && x.dtype !== 'int32') return fallback(args);
    const collapsed = collapseTranspose(x.shape, perm);
    const out = backend.makeOutput(perm.map((axis) => x.shape[axis]!), x.dtype);
    transposeInto(backend.typedArrayFromHeap(x) as Values, backend.typedArrayFromHeap(out) as Values, collapsed.shape, collapsed.perm);
    return out;
  };
}
