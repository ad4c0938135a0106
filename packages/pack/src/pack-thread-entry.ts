import { parentPort, workerData } from 'node:worker_threads';
import { errorData } from '@shardline/errors';
import { type PackProgress, packInThisThread } from './pack';
import type { PackThreadData, PackThreadMessage } from './pack-thread';
import { collectionEvery } from './periodic-collection';

/**
 * Images between full garbage collections of this thread. Left to itself, V8 lets a long pack's old
 * generation fill with dead objects and buffers: packing a 100,000-row pixel CSV, the process peaked
 * at 131-134 MiB, and at 119-121 MiB collecting every 10,000 images (two interleaved pairs). Every
 * 2,500 images it peaked at 108-111 MiB against 113-118 every 10,000, and at 98-103 against 108-111
 * for 10,000 rows, in the same time (six interleaved runs each).
 */
const COLLECT_EVERY = 2_500;

// Entry of a pack thread (see pack-thread.ts): packs, reporting each callback and the outcome to the caller.
const { options, listens } = workerData as PackThreadData;
const post = (message: PackThreadMessage) => parentPort!.postMessage(message);
// The first report comes when packing starts, and the listing's garbage is dead.
const collectGarbage = collectionEvery(COLLECT_EVERY, 0);

const onProgress = (progress: PackProgress) => {
  collectGarbage(progress.done);
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
