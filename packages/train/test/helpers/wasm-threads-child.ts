/**
 * Run as its own process by wasm-threads.test: starts wasm with the threads asked for, checks
 * a convolution against the cpu backend, and prints what it saw as one JSON line. The process
 * must then exit by itself: a referenced pthread would keep it alive.
 */
import os from 'node:os';
import { initBackend } from '@shardline/train';
import * as tf from '@tensorflow/tfjs';

async function main(): Promise<void> {
  const threads = Number(process.argv[2]);
  const before = {
    createObjectURL: URL.createObjectURL,
    cpus: os.cpus,
    worker: (globalThis as { Worker?: unknown }).Worker,
  };
  const info = await initBackend({ choice: 'wasm', threads });
  const conv = () =>
    tf.conv2d(
      tf.randomUniform([4, 20, 20, 8], -1, 1, 'float32', 1) as tf.Tensor4D,
      tf.randomUniform([3, 3, 8, 16], -1, 1, 'float32', 2) as tf.Tensor4D,
      1,
      'same',
    );
  const onWasm = await conv().data();
  await tf.setBackend('cpu');
  const onCpu = await conv().data();
  const worstDifference = Math.max(...Array.from(onWasm, (v, i) => Math.abs(v - onCpu[i]!)));
  const restored =
    URL.createObjectURL === before.createObjectURL &&
    os.cpus === before.cpus &&
    (globalThis as { Worker?: unknown }).Worker === before.worker;
  const again = await initBackend({ choice: 'wasm', threads: threads + 1 });
  console.log(JSON.stringify({ info, restored, cpus: os.cpus().length, worstDifference, again }));
}

void main();
