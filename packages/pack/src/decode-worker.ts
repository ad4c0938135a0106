import { useSharpAsWorker } from '@shardline/images';
import { workerFunctions } from './worker-functions';

// Entry of a piscina worker thread; piscina calls the export named in run(task, { name }).
useSharpAsWorker();

export const { decode, encode, timeDecodes } = workerFunctions;
