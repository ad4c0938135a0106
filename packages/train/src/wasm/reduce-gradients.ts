import * as tf from '@tensorflow/tfjs';

type Saved = tf.Tensor[];

/** dy of a reduction reshaped to keep the reduced axes as size 1, divided by `divisor`, broadcast back to x's shape. */
function spreadBack(
  dy: tf.Tensor,
  x: tf.Tensor,
  axis: number | number[],
  divisor: (reduced: number) => number,
): tf.Tensor {
  const axes = tf.util.parseAxisParam(axis, x.shape);
  const keptShape = x.shape.map((d, i) => (axes.includes(i) ? 1 : d));
  const reduced = axes.reduce((n, a) => n * x.shape[a]!, 1);
  return tf.broadcastTo(tf.div(tf.reshape(dy, keptShape), divisor(reduced)), x.shape);
}

/**
 * tfjs's gradients of Sum and Mean multiply dy by ones(x.shape), and ones() fills a JavaScript
 * array of the whole shape, then copies it into the backend: 18% of a catsdogs150 step. A
 * broadcast gives the same values: (dy * 1) / n equals dy / n exactly.
 */
const GRADIENTS: tf.GradConfig[] = [
  {
    kernelName: 'Sum',
    inputsToSave: ['x'],
    gradFunc: (dy, saved, attrs) => ({
      x: () => spreadBack(dy as tf.Tensor, (saved as Saved)[0]!, attrs.axis as number[], () => 1),
    }),
  },
  {
    kernelName: 'Mean',
    inputsToSave: ['x'],
    gradFunc: (dy, saved, attrs) => ({
      x: () => spreadBack(dy as tf.Tensor, (saved as Saved)[0]!, attrs.axis as number[], (n) => n),
    }),
  },
];

export function registerReductionGradients(): void {
  for (const config of GRADIENTS) tf.registerGradient(config);
}
