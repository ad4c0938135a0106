import { checkOptions, integer, listOf, type OptionChecks, oneOf } from '@shardline/options';
import { MAX_IMAGE_SIDE, maxWorkers } from '@shardline/pack';
import { BACKEND_OPTIONS } from '@shardline/train';
import type { IoBenchOptions } from './io';
import type { PackSpeedOptions } from './pack-speed';
import type { TrainBenchOptions } from './train-bench';
import { TRAIN_BENCH_MODELS } from './train-step';

const atLeastOne = integer({ min: 1 });
const side = integer({ min: 1, max: MAX_IMAGE_SIDE });

/** The benches' entry checks: an OptionError names the option before any work. */
export function checkIoBenchOptions(options: IoBenchOptions): void {
  const checks: OptionChecks<IoBenchOptions> = {
    width: side,
    height: side,
    batchSize: atLeastOne,
    epochs: atLeastOne,
    workers: integer({ min: 0, max: maxWorkers() }),
  };
  checkOptions(options, checks);
}

export function checkPackSpeedOptions(options: PackSpeedOptions): void {
  checkOptions(options, {
    width: side,
    height: side,
    repetitions: atLeastOne,
  } satisfies OptionChecks<PackSpeedOptions>);
}

export function checkTrainBenchOptions(options: TrainBenchOptions): void {
  const checks: OptionChecks<TrainBenchOptions> = {
    models: listOf(oneOf(...Object.keys(TRAIN_BENCH_MODELS)), { minLength: 1, what: 'a list of bench models' }),
    threads: listOf(BACKEND_OPTIONS.threads.check!, { minLength: 1, what: 'a list of thread counts' }),
    rounds: atLeastOne,
    runs: atLeastOne,
  };
  checkOptions(options, checks);
}
