/** A heap worker (see heap-pool.ts): runs its part of a heap kernel, then signals the main thread. */
import { parentPort } from 'node:worker_threads';
import { type HeapKernelName, runHeapKernel } from './heap-kernels';

export interface HeapTask {
  kernel: HeapKernelName;
  params: never;
  start: number;
  end: number;
  /** Sent when the heap buffer changed (wasm memory grew). */
  heap?: SharedArrayBuffer;
  /** Float64 partial results, for kernels that reduce. */
  scratch?: SharedArrayBuffer;
  /** Int32 flag set to 1 when done. */
  done: SharedArrayBuffer;
}

let heap: Float32Array = new Float32Array(0);
parentPort!.on('message', (task: HeapTask) => {
  if (task.heap) heap = new Float32Array(task.heap) as unknown as Float32Array;
  const flag = new Int32Array(task.done);
  try {
    const out = new Float64Array(task.scratch!);
    out.fill(0);
    runHeapKernel(task.kernel, heap, task.params, task.start, task.end, out);
    Atomics.store(flag, 0, 1);
  } catch {
    Atomics.store(flag, 0, 2);
  }
  Atomics.notify(flag, 0);
});
