import type * as tf from '@tensorflow/tfjs';
import { type TransposeParams, transposeParts } from './heap-kernels';
import { runSplit } from './heap-pool';
import { backendOf, type Info, type WasmBackend } from './kernel-call';

/** Drops size-1 axes and merges axes that stay adjacent and in order: [N, H, W, C] by [0, 3, 1, 2] becomes [N, HW, C] by [0, 2, 1]. */
export function collapseTranspose(
  shape: readonly number[],
  perm: readonly number[],
): { shape: number[]; perm: number[] } {
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

/** Transpose by tiles, split over the heap workers when large; wasm's own kernel takes about 19 ns an element on large tensors. */
export function makeTiledTranspose(fallback: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const backend: WasmBackend = backendOf(args);
    const { x } = args.inputs as { x: Info };
    const { perm } = args.attrs as unknown as { perm: number[] };
    if (x.dtype !== 'float32' && x.dtype !== 'int32') return fallback(args);
    const collapsed = collapseTranspose(x.shape, perm);
    const out = backend.makeOutput(
      perm.map((axis) => x.shape[axis]!),
      x.dtype,
    );
    const [src, dst] = [backend.typedArrayFromHeap(x), backend.typedArrayFromHeap(out)];
    const heap = new Float32Array(dst.buffer);
    const params: TransposeParams = { src: src.byteOffset / 4, dst: dst.byteOffset / 4, ...collapsed };
    runSplit('transposeRange', heap, params, transposeParts(params), dst.length);
    return out;
  };
}
