import type * as tf from '@tensorflow/tfjs';
import { backendOf, call, free, type Info, type KernelArgs, type WasmBackend } from './kernel-call';

/** The output shares the input's memory, as the cpu backend does; wasm's own kernel copies it. */
function share(backend: WasmBackend, x: Info): Info {
  backend.incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
}

/** Identity without a copy: layers call it for every tensor they pass through (140 times a step). */
export function makeSharedIdentity(fallback: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const { x } = args.inputs as { x: Info };
    return x.dtype === 'string' ? fallback(args) : share(backendOf(args), x);
  };
}

/** A cast to the dtype a tensor already has is a share, not a copy. */
export function makeSharedCast(fallback: tf.KernelFunc): tf.KernelFunc {
  return (args: KernelArgs) => {
    const { x } = args.inputs as { x: Info };
    const { dtype } = args.attrs as unknown as { dtype: tf.DataType };
    return x.dtype === dtype && dtype !== 'string' ? share(backendOf(args), x) : fallback(args);
  };
}

/**
 * wasm's generic Tile walks every output element through index arithmetic
 * (~110 ns each measured). Tiling that only repeats size-1 axes is a broadcast,
 * which wasm's vectorised Add does in one pass over a zero-filled output.
 */
export function makeBroadcastTile(fallback: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const backend = backendOf(args);
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
