import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { type ErrorData, errorFromData } from '@shardline/errors';
import type { SkippedFile } from '@shardline/shards';
import type { PackOptions, PackProgress, PackResult } from './pack';

/**
 * A pack runs in a worker thread whose young generation is fixed at 3 MiB (semi-spaces of 1 MiB, as
 * the decode processes have). In the caller's thread V8 grows it to 48 MiB over a long run, and the
 * buffers of dead IPC results wait for its rarer scavenges. Packing a CSV of 10,000 and of 100,000
 * rows (two interleaved pairs), the CLI's process peaked at 104 and 166-172 MiB that way, against
 * 101-105 and 124-125 with this thread. The thread costs about 0.15 s to start.
 */
const YOUNG_GENERATION_MB = 3;

/** The options a pack thread gets: the callbacks stay in the caller, which the thread tells which ones exist. */
export interface PackThreadData {
  options: Omit<PackOptions, 'onProgress' | 'onSkip' | 'onWarning'>;
  listens: { progress: boolean; skip: boolean; warning: boolean };
}

export type PackThreadMessage =
  | { kind: 'progress'; progress: PackProgress }
  | { kind: 'skip'; skipped: SkippedFile }
  | { kind: 'warning'; message: string }
  | { kind: 'done'; result: PackResult }
  | { kind: 'failed'; error: ErrorData };

/** Runs packInThisThread in a pack thread; the callbacks are called here, in order, as the thread reports. */
export function packInThread(options: PackOptions): Promise<PackResult> {
  const { onProgress, onSkip, onWarning, ...rest } = options;
  const workerData: PackThreadData = {
    options: rest,
    listens: { progress: onProgress !== undefined, skip: onSkip !== undefined, warning: onWarning !== undefined },
  };
  const thread = new Worker(join(__dirname, 'pack-thread-entry.js'), {
    workerData,
    resourceLimits: { maxYoungGenerationSizeMb: YOUNG_GENERATION_MB },
  });
  return new Promise((resolve, reject) => {
    thread.on('message', (message: PackThreadMessage) => {
      if (message.kind === 'progress') onProgress?.(message.progress);
      else if (message.kind === 'skip') onSkip?.(message.skipped);
      else if (message.kind === 'warning') onWarning?.(message.message);
      else if (message.kind === 'done') resolve(message.result);
      else reject(errorFromData(message.error));
    });
    thread.on('error', reject);
    // After 'done' or 'failed' this settles nothing: a promise settles once.
    thread.on('exit', (code) => reject(new Error(`the pack thread stopped (exit code ${code}) before it finished`)));
  });
}
