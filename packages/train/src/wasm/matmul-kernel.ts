import * as tf from '@tensorflow/tfjs';
import { backendOf, call, free, type Info, type WasmBackend } from './kernel-call';

interface MatMulAttrs {
  transposeA: boolean;
  transposeB: boolean;
}

/** A row-major [rows, cols] matrix that may need transposing first. */
export interface Operand {
  info: Info;
  rows: number;
  cols: number;
  transpose: boolean;
}

/** The operand as a 2-D [rows, cols] tensor, transposed if asked; a new tensor the caller frees. */
function matrix(backend: WasmBackend, o: Operand): Info {
  const flat = call(backend, 'Reshape', { x: o.info }, { shape: [o.rows, o.cols] });
  if (!o.transpose) return flat;
  const transposed = call(backend, 'Transpose', { x: flat }, { perm: [1, 0] });
  free(backend, flat);
  return transposed;
}

/** x [M, K] times w [K, N] as a 1x1 convolution: XNNPACK's threaded GEMM. */
export function product(backend: WasmBackend, x: Operand, w: Operand): Info {
  const xm = matrix(backend, x);
  const wm = matrix(backend, w);
  const [m, k, n] = [x.transpose ? x.cols : x.rows, w.transpose ? w.cols : w.rows, w.transpose ? w.rows : w.cols];
  const image = call(backend, 'Reshape', { x: xm }, { shape: [1, 1, m, k] });
  const filter = call(backend, 'Reshape', { x: wm }, { shape: [1, 1, k, n] });
  const out = call(
    backend,
    'Conv2D',
    { x: image, filter },
    { strides: [1, 1], pad: 'valid', dataFormat: 'NHWC', dilations: [1, 1] },
  );
  free(backend, image, filter, xm, wm);
  return out;
}

/**
 * wasm's BatchMatMul runs XNNPACK on one thread when neither side is transposed, and a scalar
 * triple loop (about 1.6 GFLOP/s) when one is: the two gradients of every dense layer. Here an
 * unbatched product C = op(A) op(B) (leading dimensions all 1) is a 1x1 convolution, on all threads. Either C is computed
 * directly, or C^T = op(B)^T op(A)^T and then transposed: whichever moves fewer elements, counting
 * transposes and the copy XNNPACK makes of the filter operand.
 */
export function makeConvMatMul(fallback: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const backend = backendOf(args);
    const { a, b } = args.inputs as { a: Info; b: Info };
    const { transposeA, transposeB } = args.attrs as unknown as MatMulAttrs;
    const unbatched = (t: Info) =>
      t.dtype === 'float32' && t.shape.length >= 2 && t.shape.slice(0, -2).every((d) => d === 1);
    if (!unbatched(a) || !unbatched(b)) return fallback(args);
    const A: Operand = { info: a, rows: a.shape.at(-2)!, cols: a.shape.at(-1)!, transpose: transposeA };
    const B: Operand = { info: b, rows: b.shape.at(-2)!, cols: b.shape.at(-1)!, transpose: transposeB };
    const [sizeA, sizeB] = [tf.util.sizeFromShape(a.shape), tf.util.sizeFromShape(b.shape)];
    const [m, n] = [transposeA ? A.cols : A.rows, transposeB ? B.rows : B.cols];
    const directCost = (transposeA ? sizeA : 0) + (transposeB ? sizeB : 0) + sizeB;
    const transposedCost = (transposeB ? 0 : sizeB) + (transposeA ? 0 : sizeA) + sizeA + m * n;
    let out: Info;
    if (directCost <= transposedCost) {
      out = product(backend, A, B);
    } else {
      const outT = product(backend, { ...B, transpose: !transposeB }, { ...A, transpose: !transposeA });
      const flat = call(backend, 'Reshape', { x: outT }, { shape: [n, m] });
      out = call(backend, 'Transpose', { x: flat }, { perm: [1, 0] });
      free(backend, outT, flat);
    }
    const ones = new Array<number>(Math.max(a.shape.length, b.shape.length) - 2).fill(1);
    const result = call(backend, 'Reshape', { x: out }, { shape: [...ones, m, n] });
    free(backend, out);
    return result;
  };
}
