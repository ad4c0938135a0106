import { type WorkerFunction, workerFunctions } from './decode-worker';

/** Child-process entry of the process pool: runs the named worker function for each message. */
interface Request {
  id: number;
  name: WorkerFunction;
  task: never;
}

process.on('message', (request: Request) => {
  void workerFunctions[request.name](request.task).then((result) => process.send?.({ id: request.id, result }));
});
