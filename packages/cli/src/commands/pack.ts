import { PACK_OPTIONS, type PackProgress, packDataset, packOptions } from '@shardline/pack';
import type { CommandModule } from 'yargs';
import { printManifestSummary } from '../manifest-summary';
import { addFlags, optionsFromFlags } from '../option-flags';
import { progressBar } from '../progress';
import { formatBytes } from '../units';

type PackArgs = Record<string, unknown>;

export const packCommand: CommandModule<object, PackArgs> = {
  command: 'pack',
  describe: 'Decode and resize images once, in parallel workers, into TFRecord shards of tf.train.Example',
  builder: (yargs) => addFlags(yargs, PACK_OPTIONS),
  handler: async (args) => {
    const options = packOptions(optionsFromFlags(PACK_OPTIONS, args));
    const started = Date.now();
    let bar: ReturnType<typeof progressBar> | undefined;
    const result = await packDataset({
      ...options,
      onProgress: (p: PackProgress) => {
        bar ??= progressBar('pack', p.total);
        bar.update(p.done, { note: p.skipped ? ` | ${p.skipped} skipped` : '' });
      },
      onSkip: (s) => process.stderr.write(`\nskipped ${s.file}: ${s.reason}\n`),
      onWarning: (message) => process.stderr.write(`\nwarning: ${message}\n`),
    });
    bar?.stop();
    const seconds = (Date.now() - started) / 1000;
    if (result.alreadyComplete)
      console.log(`${options.out} already holds this exact pack job; nothing to do (use --force to rebuild).`);
    else if (result.resumed > 0)
      console.log(`Resumed an interrupted run: ${result.resumed} images were already packed.`);
    printManifestSummary(result.manifest, options.out);
    const { task, datasetName, compression } = result.manifest;
    if (!task && datasetName && compression === 'none')
      console.log(`\nTensorFlow Datasets reads it as is: tfds.builder_from_directory(${JSON.stringify(options.out)})`);
    if (task)
      console.log(
        `\nTask ${task.index} (of tasks 0 to ${task.count - 1}) is done. Once every task is, run: shardline merge ${options.out}`,
      );
    const bytes = Object.values(result.manifest.splits)
      .flatMap((s) => s?.shards ?? [])
      .reduce((n, s) => n + s.bytes, 0);
    console.log(`\n${formatBytes(bytes)} written in ${seconds.toFixed(1)} s with ${options.workers} worker(s).`);
  },
};
