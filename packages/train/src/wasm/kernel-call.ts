import * as tf from '@tensorflow/tfjs';

export type Info = tf.TensorInfo;

/** The parts of tfjs-backend-wasm's BackendWasm that kernels written here use. */
export interface WasmBackend {
  disposeData(dataId: object): void;
  incRef(dataId: object): void;
  makeOutput(shape: number[], dtype: tf.DataType): Info;
  typedArrayFromHeap(info: Info): Float32Array | Int32Array | Uint8Array;
}

export type KernelArgs = Parameters<tf.KernelFunc>[0];

export function backendOf(args: KernelArgs): WasmBackend {
  return args.backend as WasmBackend;
}

/** Calls another kernel of the same backend directly (no tape, no tensor bookkeeping). */
export function call(
  backend: WasmBackend,
  name: string,
  inputs: Record<string, Info>,
  attrs: Record<string, unknown> = {},
): Info {
  const kernel = tf.getKernel(name, 'wasm');
  if (!kernel) throw new Error(`wasm backend has no ${name} kernel`);
  return kernel.kernelFunc({ inputs, backend, attrs: attrs as tf.NamedAttrMap }) as Info;
}

export function free(backend: WasmBackend, ...infos: Info[]): void {
  for (const info of infos) backend.disposeData(info.dataId);
}

/** A float32 tensor's values, as a view of the wasm heap (valid until the next allocation). */
export function floats(backend: WasmBackend, info: Info): Float32Array {
  return backend.typedArrayFromHeap(info) as Float32Array;
}
