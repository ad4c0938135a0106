import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { parentPort, workerData } from 'node:worker_threads';
import { errorData } from '@shardline/errors';
import { type PackProgress, packInThisThread } from './pack';
import type { PackThreadData, PackThreadMessage } from './pack-thread';

/**
 * Images between full garbage collections of this thread. Left to itself, V8 lets a long pack's old
 * generation fill with dead objects and buffers: packing a 100,000-row pixel CSV, the process peaked
 * at 131-134 MiB, and at 119-121 MiB collecting every 10,000 images, in the same time (two
 * interleaved pairs; 10,000 rows: 103-108 MiB either way).
 */
const COLLECT_EVERY = 10_000;

// Entry of a pack thread (see pack-thread.ts): packs, reporting each callback and the outcome to the caller.
const { options, listens } = workerData as PackThreadData;
const post = (message: PackThreadMessage) => parentPort!.postMessage(message);
const collectGarbage = fullCollection();
let nextCollection = COLLECT_EVERY;

const onProgress = (progress: PackProgress) => {
  if (progress.done >= nextCollection) {
    nextCollection = progress.done + COLLECT_EVERY;
    collectGarbage();
  }
  if (listens.progress) post({ kind: 'progress', progress });
};

packInThisThread({
  ...options,
  onProgress,
  onSkip: listens.skip ? (skipped) => post({ kind: 'skip', skipped }) : undefined,
  onWarning: listens.warning ? (message) => post({ kind: 'warning', message }) : undefined,
}).then(
  (result) => post({ kind: 'done', result }),
  (err: unknown) => post({ kind: 'failed', error: errorData(err) }),
);

/** V8's gc(), taken from a context made while --expose-gc is briefly set; the flag is cleared again at once. */
function fullCollection(): () => void {
  setFlagsFromString('--expose-gc');
  try {
    return runInNewContext('gc') as () => void;
  } finally {
    setFlagsFromString('--no-expose-gc');
  }
}
