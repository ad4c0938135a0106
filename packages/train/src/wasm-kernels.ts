import * as tf from '@tensorflow/tfjs';

type Info = tf.TensorInfo;
type Backend = tf.KernelBackend & { disposeData(dataId: object): void };

/** Calls another kernel of the same backend directly (no tape, no tensor bookkeeping). */
function call(backend: Backend, name: string, inputs: Record<string, Info>, attrs: Record<string, unknown> = {}): Info {
  const kernel = tf.getKernel(name, 'wasm');
  if (!kernel) throw new Error(`wasm backend has no ${name} kernel`);
  return kernel.kernelFunc({ inputs, backend, attrs: attrs as tf.NamedAttrMap }) as Info;
}

function free(backend: Backend, ...infos: Info[]): void {
  for (const info of infos) backend.disposeData(info.dataId);
}

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
function conv2DBackpropFilter(args: { inputs: tf.NamedTensorInfoMap; backend: tf.KernelBackend; attrs: tf.NamedAttrMap }): Info {
  const backend = args.backend as Backend;
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
function makeConv2DBackpropInput(fallback: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const backend = args.backend as Backend;
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

/**
 * wasm's generic Tile walks every output element through index arithmetic
 * (~110 ns each measured). Tiling that only repeats size-1 axes is a broadcast,
 * which wasm's vectorised Add does in one pass over a zero-filled output.
 */
function makeBroadcastTile(fallback: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const backend = args.backend as Backend;
    const { x } = args.inputs as { x: Info };
    const { reps } = args.attrs as unknown as { reps: number[] };
    const isBroadcast = x.dtype === 'float32' && reps.every((r, i) => r === 1 || x.shape[i] === 1);
    if (!isBroadcast) return fallback(args);
    const shape = x.shape.map((d, i) => d * reps[i]!);
    const zeros = call(backend, 'Fill', {}, { shape, value: 0, dtype: 'float32' });
    const result = call(backend, 'Add', { a: zeros, b: x });
    free(backend, zeros);
    return result;
  };
}

/** Kernels wasm has but runs slowly, each replaced by a composition that falls back to the original. */
const OVERRIDES: Record<WasmOverride, (original: tf.KernelFunc) => tf.KernelFunc> = {
  Conv2DBackpropInput: makeConv2DBackpropInput,
  Tile: makeBroadcastTile,
};

export type WasmOverride = 'Conv2DBackpropInput' | 'Tile';

const originals = new Map<WasmOverride, tf.KernelConfig>();

/** Supplies the gradient kernels the wasm backend lacks or runs slowly. Call before tf.setBackend('wasm'). */
export function registerWasmGradientKernels(): void {
  if (!tf.getKernel('Conv2DBackpropFilter', 'wasm')) {
    tf.registerKernel({ kernelName: 'Conv2DBackpropFilter', backendName: 'wasm', kernelFunc: conv2DBackpropFilter as tf.KernelFunc });
  }
  for (const name of Object.keys(OVERRIDES) as WasmOverride[]) useWasmOverride(name, true);
}

/**
 * Switches one kernel between wasm's own and the faster composition (benchmarks
 * compare both in one run). The original keeps its setupFunc, which binds the
 * wasm function the fallback path calls.
 */
export function useWasmOverride(name: WasmOverride, enabled: boolean): void {
  const original = originals.get(name) ?? tf.getKernel(name, 'wasm');
  if (!original) return;
  originals.set(name, original);
  tf.unregisterKernel(name, 'wasm');
  tf.registerKernel({ ...original, kernelFunc: enabled ? OVERRIDES[name](original.kernelFunc) : original.kernelFunc });
}
