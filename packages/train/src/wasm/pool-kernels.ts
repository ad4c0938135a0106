import * as tf from '@tensorflow/tfjs';
import type { MaxPoolGradParams } from './heap-kernels';
import { runSplit } from './heap-pool';
import { backendOf, floats, type Info } from './kernel-call';

interface PoolAttrs {
  filterSize: [number, number] | number;
  strides: [number, number] | number;
  pad: 'valid' | 'same' | number;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

/**
 * The gradient of 2-D max pooling: each window's dy is added at the first in-bounds position
 * holding its maximum, scanning rows then columns, as the cpu backend does. wasm's own kernel
 * is about 4x slower on 2x2 pools, and disagrees with the cpu backend on overlapping windows
 * with 'same' padding (3x3, stride 2: off by up to 0.46 on values in [-1, 1]).
 */
export function makeMaxPoolGrad(fallback: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const backend = backendOf(args);
    const { dy, input } = args.inputs as { dy: Info; input: Info };
    const attrs = args.attrs as unknown as PoolAttrs;
    const info = tf.backend_util.computePool2DInfo(
      input.shape as [number, number, number, number],
      attrs.filterSize,
      attrs.strides,
      1,
      attrs.pad,
      attrs.dimRoundingMode,
    );
    if (input.dtype !== 'float32' || info.dataFormat !== 'channelsLast') return fallback(args);
    const dx = backend.makeOutput(input.shape, 'float32');
    const [xView, dyView, dxView] = [input, dy, dx].map((t) => floats(backend, t)) as [
      Float32Array,
      Float32Array,
      Float32Array,
    ];
    dxView.fill(0);
    const heap = new Float32Array(dxView.buffer);
    const params: MaxPoolGradParams = {
      x: xView.byteOffset / 4,
      dy: dyView.byteOffset / 4,
      dx: dxView.byteOffset / 4,
      inHeight: info.inHeight,
      inWidth: info.inWidth,
      channels: info.inChannels,
      outHeight: info.outHeight,
      outWidth: info.outWidth,
      filterHeight: info.filterHeight,
      filterWidth: info.filterWidth,
      strideHeight: info.strideHeight,
      strideWidth: info.strideWidth,
      padTop: info.padInfo.top,
      padLeft: info.padInfo.left,
    };
    runSplit('routeToMaxima', heap, params, info.batchSize, xView.length);
    return dx;
  };
}
