import { type WorkerFunction, configureSharpForWorker, workerFunctions } from './worker-functions';

/** Child-process entry of the process pool: runs the named worker function for each message. */
interface Request {
  id: number;
  name: WorkerFunction;
  task: never;
}

configureSharpForWorker();

process.on('message', (request: Request) => {
  void workerFunctions[request.name](request.task).then((result) => process.send?.({ id: request.id, result }));
});
