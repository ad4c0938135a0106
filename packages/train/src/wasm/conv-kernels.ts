import * as tf from '@tensorflow/tfjs';
import type { PatchParams } from './heap-kernels';
import { runSplit } from './heap-pool';
import { backendOf, call, floats, free, type Info, type KernelArgs, type WasmBackend } from './kernel-call';
import { product } from './matmul-kernel';

interface ConvAttrs {
  strides: [number, number] | number;
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dataFormat: 'NHWC' | 'NCHW';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  dilations?: [number, number] | number;
}

/** Above this many elements of patches, dW is computed as one large convolution instead, which needs no patch copy. */
const MAX_PATCH_ELEMENTS = 16 * 1024 * 1024;

/**
 * dW as one matrix product: patches^T [KH*KW*C_in, N*OH*OW] times dy [N*OH*OW, C_out], on
 * XNNPACK's threaded GEMM. The patches are gathered once in JavaScript (zero where padding),
 * split over the heap workers when large.
 */
function filterGradByPatches(backend: WasmBackend, x: Info, dy: Info, info: tf.backend_util.Conv2DInfo): Info {
  const {
    batchSize,
    inHeight,
    inWidth,
    inChannels,
    outHeight,
    outWidth,
    filterHeight,
    filterWidth,
    strideHeight,
    strideWidth,
    dilationHeight,
    dilationWidth,
    padInfo,
  } = info;
  const spots = batchSize * outHeight * outWidth;
  const rows = filterHeight * filterWidth * inChannels;
  const patches = backend.makeOutput([rows, spots], 'float32');
  const [src, dst] = [floats(backend, x), floats(backend, patches)];
  const params: PatchParams = {
    x: src.byteOffset / 4,
    patches: dst.byteOffset / 4,
    batchSize,
    inHeight,
    inWidth,
    inChannels,
    outHeight,
    outWidth,
    filterWidth,
    strideHeight,
    strideWidth,
    dilationHeight,
    dilationWidth,
    padTop: padInfo.top,
    padLeft: padInfo.left,
  };
  runSplit('gatherPatches', new Float32Array(dst.buffer), params, rows, dst.length);
  const flat = product(
    backend,
    { info: patches, rows, cols: spots, transpose: false },
    { info: dy, rows: spots, cols: info.outChannels, transpose: false },
  );
  const result = call(
    backend,
    'Reshape',
    { x: flat },
    { shape: [filterHeight, filterWidth, inChannels, info.outChannels] },
  );
  free(backend, patches, flat);
  return result;
}

/**
 * dW = correlation of x with dy over batch and space: from patches when they are small enough,
 * else as one convolution. Transposing x to [C_in, H, W, N]
 * and dy to [OH, OW, N, C_out] turns it into an ordinary Conv2D whose reduction axis
 * is the batch, with the forward stride as the dilation.
 */
export function conv2DBackpropFilter(args: KernelArgs): Info {
  const backend = backendOf(args);
  const { x, dy } = args.inputs as { x: Info; dy: Info };
  const attrs = args.attrs as unknown as ConvAttrs & { filterShape: [number, number, number, number] };
  if (attrs.dataFormat !== 'NHWC') throw new Error('Conv2DBackpropFilter on wasm supports NHWC only');
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    attrs.filterShape,
    attrs.strides,
    attrs.dilations ?? 1,
    attrs.pad,
    attrs.dimRoundingMode,
    false,
    'channelsLast',
  );
  if (
    info.filterHeight * info.filterWidth * info.inChannels * info.batchSize * info.outHeight * info.outWidth <=
    MAX_PATCH_ELEMENTS
  )
    return filterGradByPatches(backend, x, dy, info);
  const { top, bottom, left, right } = info.padInfo;
  if (info.dilationHeight > 1 && info.strideHeight > 1)
    throw new Error('Conv2DBackpropFilter on wasm: strides and dilations both > 1 are not supported');
  const padded = call(
    backend,
    'PadV2',
    { x },
    {
      paddings: [
        [0, 0],
        [top, bottom],
        [left, right],
        [0, 0],
      ],
      constantValue: 0,
    },
  );
  const xT = call(backend, 'Transpose', { x: padded }, { perm: [3, 1, 2, 0] });
  const dyT = call(backend, 'Transpose', { x: dy }, { perm: [1, 2, 0, 3] });
  const full = call(
    backend,
    'Conv2D',
    { x: xT, filter: dyT },
    {
      strides: [info.dilationHeight, info.dilationWidth],
      dilations: [info.strideHeight, info.strideWidth],
      pad: 'valid',
      dataFormat: 'NHWC',
    },
  );
  const [kh, kw] = attrs.filterShape;
  const cropped = call(
    backend,
    'Slice',
    { x: full },
    { begin: [0, 0, 0, 0], size: [full.shape[0], kh, kw, full.shape[3]] },
  );
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
    const info = tf.backend_util.computeConv2DInfo(
      attrs.inputShape,
      filter.shape as [number, number, number, number],
      attrs.strides,
      attrs.dilations ?? 1,
      attrs.pad,
      attrs.dimRoundingMode,
      false,
      'channelsLast',
    );
    if (
      attrs.dataFormat !== 'NHWC' ||
      info.strideHeight !== 1 ||
      info.strideWidth !== 1 ||
      info.dilationHeight !== 1 ||
      info.dilationWidth !== 1
    )
      return fallback(args);
    const [, h = 0, w = 0] = attrs.inputShape;
    const top = kh - 1 - info.padInfo.top;
    const left = kw - 1 - info.padInfo.left;
    const bottom = h - info.outHeight - top + kh - 1;
    const right = w - info.outWidth - left + kw - 1;
    if (top < 0 || left < 0 || bottom < 0 || right < 0) return fallback(args);
    const padded = call(
      backend,
      'PadV2',
      { x: dy },
      {
        paddings: [
          [0, 0],
          [top, bottom],
          [left, right],
          [0, 0],
        ],
        constantValue: 0,
      },
    );
    const flipped = call(backend, 'Reverse', { x: filter }, { dims: [0, 1] });
    const swapped = call(backend, 'Transpose', { x: flipped }, { perm: [0, 1, 3, 2] });
    const result = call(
      backend,
      'Conv2D',
      { x: padded, filter: swapped },
      { strides: [1, 1], dilations: [1, 1], pad: 'valid', dataFormat: 'NHWC' },
    );
    free(backend, padded, flipped, swapped);
    return result;
  };
}
