import * as tf from '@tensorflow/tfjs';
import { runSplit } from './heap-pool';
import { backendOf, floats, type Info } from './kernel-call';

interface ReduceAttrs {
  axis: number | number[];
  keepDims: boolean;
}

/** The reduced axes when they are the leading ones (e.g. N, H, W of NHWC), else undefined. */
function leadingAxes(x: Info, attrs: ReduceAttrs): number | undefined {
  const axes = tf.util.parseAxisParam(attrs.axis, x.shape).sort((p, q) => p - q);
  return axes.every((axis, i) => axis === i) && axes.length < x.shape.length ? axes.length : undefined;
}

/** Column sums of a heap matrix [rows, cols] in float64, split over the heap workers when large, divided by `divisor`. */
function columnMeans(view: Float32Array, rows: number, cols: number, divisor: number): Float32Array {
  const heap = new Float32Array(view.buffer);
  const params = { offset: view.byteOffset / 4, cols };
  const parts = runSplit('columnSums', heap, params, rows, view.length, cols);
  return Float32Array.from({ length: cols }, (_, c) => parts.reduce((sum, part) => sum + part[c]!, 0) / divisor);
}

/**
 * Sum or Mean over leading axes, as batch norm and bias gradients reduce [N, H, W, C] to [C].
 * wasm's kernels first transpose the whole tensor so the reduced axes come last; one pass of
 * column sums needs no copy. Other reductions use wasm's own kernel.
 */
function makeLeadingReduction(mean: boolean) {
  return (fallback: tf.KernelFunc): tf.KernelFunc =>
    (args) => {
      const backend = backendOf(args);
      const { x } = args.inputs as { x: Info };
      const attrs = args.attrs as unknown as ReduceAttrs;
      const count = x.dtype === 'float32' ? leadingAxes(x, attrs) : undefined;
      if (count === undefined) return fallback(args);
      const rows = tf.util.sizeFromShape(x.shape.slice(0, count));
      const inner = x.shape.slice(count);
      const sums = columnMeans(floats(backend, x), rows, tf.util.sizeFromShape(inner), mean ? rows : 1);
      const out = backend.makeOutput(
        attrs.keepDims ? [...x.shape.slice(0, count).map(() => 1), ...inner] : inner,
        'float32',
      );
      floats(backend, out).set(sums);
      return out;
    };
}

export const makeLeadingSum = makeLeadingReduction(false);
export const makeLeadingMean = makeLeadingReduction(true);
