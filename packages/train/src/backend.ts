import * as tf from '@tensorflow/tfjs';
import { registerWasmGradientKernels } from './wasm-kernels';

export type BackendChoice = 'auto' | 'tensorflow' | 'wasm' | 'cpu';

/** Optional native backends, in order of preference; each registers the 'tensorflow' backend. */
const NATIVE_PACKAGES = ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'];

function loadNative(): string | undefined {
  for (const name of NATIVE_PACKAGES) {
    try {
      require(name);
      return name;
    } catch {
      // not installed, or its native library is missing: try the next one
    }
  }
  return undefined;
}

/** Picks and initialises a backend: native TensorFlow if installed, else wasm, else cpu. */
export async function initBackend(choice: BackendChoice = 'auto'): Promise<string> {
  if (choice === 'auto' || choice === 'tensorflow') {
    const native = loadNative();
    if (native && (await tf.setBackend('tensorflow'))) return `tensorflow (${native})`;
    if (choice === 'tensorflow') throw new Error(`--backend tensorflow needs ${NATIVE_PACKAGES.join(' or ')} installed (with its libtensorflow)`);
  }
  if (choice === 'auto' || choice === 'wasm') {
    await import('@tensorflow/tfjs-backend-wasm');
    registerWasmGradientKernels();
    if (await tf.setBackend('wasm')) return 'wasm';
    if (choice === 'wasm') throw new Error('the wasm backend failed to initialise');
  }
  await tf.setBackend('cpu');
  return 'cpu';
}
