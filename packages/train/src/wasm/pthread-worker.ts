/**
 * Entry script of every pthread worker of tfjs-backend-wasm's threaded SIMD build in Node
 * (worker_threads refuses the Blob URL tfjs makes for it). It runs emscripten's worker code
 * unchanged, except that the Blob of the main script it is sent resolves to the package's own
 * copy of that script (wasm-out/), which is self-contained; the bundled copy is not.
 * The patch of URL is this worker thread's own: its realm holds nothing else.
 */
import { compilePthreadWorker, THREADED_MAIN_SCRIPT } from './worker-source';

URL.createObjectURL = () => THREADED_MAIN_SCRIPT;
URL.revokeObjectURL = () => undefined;
compilePthreadWorker()(require, __filename);
