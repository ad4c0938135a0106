import { useSharpAsWorker } from '@shardline/images';
import { packResults } from './frame-transport';
import { type EncodeResult, type WorkerFunction, workerFunctions } from './worker-functions';

/** Child-process entry of the process pool: runs the named worker function for each message. */
interface Request {
  id: number;
  name: WorkerFunction;
  task: never;
}

useSharpAsWorker();

// One task at a time, as a piscina worker does: a worker is one core's worth of decoding,
// and the parent may send the next tasks ahead so this process never waits for them.
let queue = Promise.resolve();
process.on('message', (request: Request) => {
  queue = queue.then(async () => {
    const result = await workerFunctions[request.name](request.task);
    // send() serializes at once, so the transport buffer is free again when it returns.
    const sent = request.name === 'encode' ? packResults(result as EncodeResult[]) : result;
    process.send?.({ id: request.id, result: sent });
  });
});
