const WASM_OUT = '@tensorflow/tfjs-backend-wasm/wasm-out/';

/** The emscripten main script the pthread workers import: the package's self-contained copy. */
export const THREADED_MAIN_SCRIPT = require.resolve(`${WASM_OUT}tfjs-backend-wasm-threaded-simd.js`);

type WorkerBody = (require: NodeRequire, filename: string) => void;

/** emscripten's pthread worker code as a function of CommonJS's require and __filename, which it expects in scope. */
export function compilePthreadWorker(): WorkerBody {
  const { wasmWorkerContents } = require(`${WASM_OUT}tfjs-backend-wasm-threaded-simd.worker.js`) as {
    wasmWorkerContents: string;
  };
  // The package stores the code in a template literal, so its "\n" escapes arrive as raw newlines inside string literals.
  return new Function('require', '__filename', wasmWorkerContents.replace(/\n/g, '\\n')) as WorkerBody;
}
