import { benchConvGradients, benchTrainingSteps } from './conv-grads';

/** node bench/dist/run-conv-grads.js: wasm conv kernels, and training steps with each dx kernel, in one run. */
async function main(): Promise<void> {
  console.log('GFLOP/s per kernel (median of 9; 3x3 same convolutions)');
  console.table(
    (await benchConvGradients()).map((r) => ({
      ...r,
      inputGradSpeedup: r.inputGradComposedGflops / r.inputGradWasmGflops,
    })),
  );
  console.log('training steps, images/s');
  console.table((await benchTrainingSteps()).map((r) => ({ ...r, speedup: r.broadcastTile / r.wasmKernels })));
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
