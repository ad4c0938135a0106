import * as tf from '@tensorflow/tfjs';
import { conv2DBackpropFilter, makeConv2DBackpropInput } from './conv-kernels';
import { makeBroadcastTile, makeSharedCast, makeSharedIdentity } from './copy-kernels';
import { makeConvMatMul } from './matmul-kernel';
import { makeMaxPoolGrad } from './pool-kernels';
import { registerReductionGradients } from './reduce-gradients';
import { makeLeadingMean, makeLeadingSum } from './reduce-kernels';
import { makeTiledTranspose } from './transpose-kernel';

/** Kernels wasm has but runs slowly, each replaced by one that falls back to the original outside its fast case. */
const OVERRIDES = {
  BatchMatMul: makeConvMatMul,
  Cast: makeSharedCast,
  Conv2DBackpropInput: makeConv2DBackpropInput,
  Identity: makeSharedIdentity,
  MaxPoolGrad: makeMaxPoolGrad,
  Mean: makeLeadingMean,
  Sum: makeLeadingSum,
  Tile: makeBroadcastTile,
  Transpose: makeTiledTranspose,
} satisfies Record<string, (original: tf.KernelFunc) => tf.KernelFunc>;

export type WasmOverride = keyof typeof OVERRIDES;
export const WASM_OVERRIDES = Object.keys(OVERRIDES) as WasmOverride[];

const originals = new Map<WasmOverride, tf.KernelConfig>();

/**
 * Supplies the gradient kernels the wasm backend lacks or runs slowly, and gradients of Sum and
 * Mean that broadcast instead of building ones (the same values on every backend).
 * Call before tf.setBackend('wasm').
 */
export function registerWasmGradientKernels(): void {
  if (!tf.getKernel('Conv2DBackpropFilter', 'wasm')) {
    tf.registerKernel({
      kernelName: 'Conv2DBackpropFilter',
      backendName: 'wasm',
      kernelFunc: conv2DBackpropFilter as tf.KernelFunc,
    });
  }
  for (const name of WASM_OVERRIDES) useWasmOverride(name, true);
  registerReductionGradients();
}

/**
 * Switches one kernel between wasm's own and the faster one (benchmarks and tests compare
 * both in one run). The original keeps its setupFunc, which binds the wasm function the
 * fallback path calls.
 */
export function useWasmOverride(name: WasmOverride, enabled: boolean): void {
  const original = originals.get(name) ?? tf.getKernel(name, 'wasm');
  if (!original) return;
  originals.set(name, original);
  tf.unregisterKernel(name, 'wasm');
  tf.registerKernel({ ...original, kernelFunc: enabled ? OVERRIDES[name](original.kernelFunc) : original.kernelFunc });
}
