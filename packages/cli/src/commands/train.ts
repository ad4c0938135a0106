import type { DeepPartial } from '@shardline/options';
import type { TrainOptions } from '@shardline/train';
import type { Argv, CommandModule } from 'yargs';
import { trainLibrary } from '../libraries';
import { addFlags, optionsFromFlags } from '../option-flags';
import { progressBar } from '../progress';

/** train's flags: every option of the library's TRAIN_OPTIONS table. */
export function trainFlags<T>(yargs: Argv<T>): Argv<T> {
  return addFlags(yargs, trainLibrary().TRAIN_OPTIONS);
}

/** The options the flags spell, with a progress bar per epoch and log lines between them. */
export function trainOptionsFromFlags(args: Record<string, unknown>): DeepPartial<TrainOptions> {
  let bar: ReturnType<typeof progressBar> | undefined;
  let barEpoch = -1;
  return {
    ...optionsFromFlags(trainLibrary().TRAIN_OPTIONS, args),
    onLog: (message) => {
      bar?.stop();
      bar = undefined;
      console.log(message);
    },
    onBatch: (epoch, batch, total, logs) => {
      if (epoch !== barEpoch) {
        bar?.stop();
        bar = progressBar(`epoch ${epoch + 1}`, total, 'batches');
        barEpoch = epoch;
      }
      bar?.update(batch + 1, { note: ` | loss ${(logs.loss ?? 0).toFixed(3)} acc ${(logs.acc ?? 0).toFixed(3)}` });
    },
  };
}

export async function trainAndReport(options: TrainOptions): Promise<void> {
  const result = await trainLibrary().trainModel(options);
  console.log(
    `\nReport: ${options.out}/index.html (accuracy ${(result.evaluation.accuracy * 100).toFixed(2)}% on ${result.evaluation.split})`,
  );
}

export const trainCommand: CommandModule = {
  command: 'train',
  describe: 'Stream shards into a tfjs tf.data pipeline with augmentation, train a CNN, write a report',
  builder: (yargs) => trainFlags(yargs),
  handler: (args) => trainAndReport(trainLibrary().trainOptions(trainOptionsFromFlags(args))),
};
