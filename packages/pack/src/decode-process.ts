import { useSharpAsWorker } from '@shardline/images';
import { packResults } from './frame-transport';
import { collectionEvery } from './periodic-collection';
import { type EncodeResult, type EncodeTask, type WorkerFunction, workerFunctions } from './worker-functions';

/** Child-process entry of the process pool: runs the named worker function for each message. */
interface Request {
  id: number;
  name: WorkerFunction;
  task: never;
}

/**
 * Images this process encodes between full garbage collections. Left to itself, V8 let each decode
 * process grow with the pack: packing 300,000 CSV rows, each peaked at 82-83 MiB, against 70 MiB
 * collecting every 20,000 images (100,000 rows: 71-72 against 70), in the same time (two interleaved
 * pairs). Every 2,500 images, packs took a quarter longer.
 */
const COLLECT_EVERY = 20_000;

useSharpAsWorker();
const collectGarbage = collectionEvery(COLLECT_EVERY);
let encoded = 0;

// One task at a time, as a piscina worker does: a worker is one core's worth of decoding,
// and the parent may send the next tasks ahead so this process never waits for them.
let queue = Promise.resolve();
process.on('message', (request: Request) => {
  queue = queue.then(async () => {
    const result = await workerFunctions[request.name](request.task);
    // send() serializes at once, so the transport buffer is free again when it returns.
    const sent = request.name === 'encode' ? packResults(result as EncodeResult[]) : result;
    process.send?.({ id: request.id, result: sent });
    if (request.name !== 'encode') return;
    encoded += (request.task as EncodeTask).items.length;
    collectGarbage(encoded);
  });
});
