import * as tf from '@tensorflow/tfjs';
import { type Info, backendOf, type WasmBackend, floats } from './kernel-call';

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
    const info = tf.backend_util.computePool2DInfo(input.shape as [number, number, number, number], attrs.filterSize, attrs.strides, 1, attrs.pad, attrs.dimRoundingMode);
    if (input.dtype !== 'float32' || info.dataFormat !== 'channelsLast') return fallback(args);
    const dx = backend.makeOutput(input.shape, 'float32');
    const dxValues = floats(backend, dx);
    dxValues.fill(0);
    routeToMaxima(floats(backend, input), floats(backend, dy), dxValues, info);
    return dx;
  };
}

function routeToMaxima(x: Float32Array, dy: Float32Array, dx: Float32Array, info: tf.backend_util.Conv2DInfo): void {
  const { batchSize, inHeight, inWidth, inChannels: channels, outHeight, outWidth, filterHeight, filterWidth, strideHeight, strideWidth, padInfo } = info;
  const best = new Float32Array(channels);
  const where = new Int32Array(channels);
  let o = 0;
  for (let n = 0; n < batchSize; n++) {
    for (let oh = 0; oh < outHeight; oh++) {
      for (let ow = 0; ow < outWidth; ow++, o += channels) {
        best.fill(-Infinity);
        where.fill(-1);
        const top = oh * strideHeight - padInfo.top;
        const left = ow * strideWidth - padInfo.left;
        for (let h = Math.max(top, 0); h < Math.min(top + filterHeight, inHeight); h++) {
          const row = (n * inHeight + h) * inWidth;
          for (let w = Math.max(left, 0); w < Math.min(left + filterWidth, inWidth); w++) {
            const base = (row + w) * channels;
            for (let c = 0; c < channels; c++) {
              const v = x[base + c]!;
              if (v > best[c]!) {
                best[c] = v;
                where[c] = base + c;
              }
            }
          }
        }
        for (let c = 0; c < channels; c++) if (where[c]! >= 0) dx[where[c]!]! += dy[o + c]!;
      }
    }
  }
}
