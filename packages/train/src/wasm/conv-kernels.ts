import * as tf from '@tensorflow/tfjs';
import { type Info, backendOf, type KernelArgs, type WasmBackend, call, free } from './kernel-call';

interface ConvAttrs {
  strides: [number, number] | number;
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dataFormat: 'NHWC' | 'NCHW';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  dilations?: [number, number] | number;
}

/**
 * dW = correlation of x with dy over batch and space. Transposing x to [C_in, H, W, N]
 * and dy to [OH, OW, N, C_out] turns it into an ordinary Conv2D whose reduction axis
 * is the batch, with the forward stride as the dilation.
 */
export function conv2DBackpropFilter(args: KernelArgs): Info {
  const backend = backendOf(args);
  const { x, dy } = args.inputs as { x: Info; dy: Info };
  const attrs = args.attrs as unknown as ConvAttrs & { filterShape: [number, number, number, number] };
  if (attrs.dataFormat !== 'NHWC') throw new Error('Conv2DBackpropFilter on wasm supports NHWC only');
  const info = tf.backend_util.computeConv2DInfo(x.shape as [number, number, number, number], attrs.filterShape, attrs.strides, attrs.dilations ?? 1, attrs.pad, attrs.dimRoundingMode, false, 'channelsLast');
  const { top, bottom, left, right } = info.padInfo;
  if (info.dilationHeight > 1 && info.strideHeight > 1) throw new Error('Conv2DBackpropFilter on wasm: strides and dilations both > 1 are not supported');
  const padded = call(backend, 'PadV2', { x }, { paddings: [[0, 0], [top, bottom], [left, right], [0, 0]], constantValue: 0 });
  const xT = call(backend, 'Transpose', { x: padded }, { perm: [3, 1, 2, 0] });
  const dyT = call(backend, 'Transpose', { x: dy }, { perm: [1, 2, 0, 3] });
  const full = call(backend, 'Conv2D', { x: xT, filter: dyT }, {
    strides: [info.dilationHeight, info.dilationWidth],
    dilations: [info.strideHeight, info.strideWidth],
    pad: 'valid',
    dataFormat: 'NHWC',
  });
  const [kh, kw] = attrs.filterShape;
  const cropped = call(backend, 'Slice', { x: full }, { begin: [0, 0, 0, 0], size: [full.shape[0], kh, kw, full.shape[3]] });
  const result = call(backend, 'Transpose', { x: cropped }, { perm: [1, 2, 0, 3] });
  free(backend, padded, xT, dyT, full, cropped);
  return result;
}

/**
 * dx for stride-1 convolutions: a full correlation of dy with the spatially
 * flipped filter, channels swapped. Runs on wasm's fast forward Conv2D; other
 * strides use the backend's own kernel.
 */
export function makeConv2DBackpropInput(fallback: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const backend = backendOf(args);
    const { dy, filter } = args.inputs as { dy: Info; filter: Info };
    const attrs = args.attrs as unknown as ConvAttrs & { inputShape: [number, number, number, number] };
    const [kh = 1, kw = 1] = filter.shape;
    const info = tf.backend_util.computeConv2DInfo(attrs.inputShape, filter.shape as [number, number, number, number], attrs.strides, attrs.dilations ?? 1, attrs.pad, attrs.dimRoundingMode, false, 'channelsLast');
    if (attrs.dataFormat !== 'NHWC' || info.strideHeight !== 1 || info.strideWidth !== 1 || info.dilationHeight !== 1 || info.dilationWidth !== 1) return fallback(args);
    const [, h = 0, w = 0] = attrs.inputShape;
    const top = kh - 1 - info.padInfo.top;
    const left = kw - 1 - info.padInfo.left;
    const bottom = h - info.outHeight - top + kh - 1;
    const right = w - info.outWidth - left + kw - 1;
    if (top < 0 || left < 0 || bottom < 0 || right < 0) return fallback(args);
    const padded = call(backend, 'PadV2', { x: dy }, { paddings: [[0, 0], [top, bottom], [left, right], [0, 0]], constantValue: 0 });
    const flipped = call(backend, 'Reverse', { x: filter }, { dims: [0, 1] });
    const swapped = call(backend, 'Transpose', { x: flipped }, { perm: [0, 1, 3, 2] });
    const result = call(backend, 'Conv2D', { x: padded, filter: swapped }, { strides: [1, 1], dilations: [1, 1], pad: 'valid', dataFormat: 'NHWC' });
    free(backend, padded, flipped, swapped);
    return result;
  };
}
