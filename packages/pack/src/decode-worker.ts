import { configureSharpForWorker, workerFunctions } from './worker-functions';

// Entry of a piscina worker thread; piscina calls the export named in run(task, { name }).
configureSharpForWorker();

export const { decode, encode } = workerFunctions;
