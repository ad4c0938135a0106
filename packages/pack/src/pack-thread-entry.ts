import { parentPort, workerData } from 'node:worker_threads';
import { errorData } from '@shardline/errors';
import { packInThisThread } from './pack';
import type { PackThreadData, PackThreadMessage } from './pack-thread';

// Entry of a pack thread (see pack-thread.ts): packs, reporting each callback and the outcome to the caller.
const { options, listens } = workerData as PackThreadData;
const post = (message: PackThreadMessage) => parentPort!.postMessage(message);

packInThisThread({
  ...options,
  onProgress: listens.progress ? (progress) => post({ kind: 'progress', progress }) : undefined,
  onSkip: listens.skip ? (skipped) => post({ kind: 'skip', skipped }) : undefined,
  onWarning: listens.warning ? (message) => post({ kind: 'warning', message }) : undefined,
}).then(
  (result) => post({ kind: 'done', result }),
  (err: unknown) => post({ kind: 'failed', error: errorData(err) }),
);
