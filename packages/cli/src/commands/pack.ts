import { PACK_OPTIONS, type PackProgress, packDataset, packOptions } from '@shardline/pack';
import type { Argv, CommandModule } from 'yargs';
import { addFlags, optionsFromFlags } from '../option-flags';
import { progressBar } from '../progress';
import { formatBytes, parseBytes, parseImageSize } from '../units';
import { printManifestSummary } from './inspect';

/** Flags spelled otherwise than the table's options: one size for two options, and sizes in units. */
const SPECIAL_FLAGS = ['image-size', 'shard-size'];

export function packFlags<T>(yargs: Argv<T>) {
  return addFlags(yargs, PACK_OPTIONS, SPECIAL_FLAGS)
    .option('image-size', {
      type: 'string',
      defaultDescription: String(PACK_OPTIONS.width.default),
      describe:
        'Target size as Keras target_size: N for NxN, or HEIGHTxWIDTH (64x96 is 96 wide); images are stretched to it as Keras does',
    })
    .option('shard-size', {
      type: 'string',
      defaultDescription: PACK_OPTIONS.shardBytes.defaultText!,
      describe: PACK_OPTIONS.shardBytes.describe,
    });
}

type PackArgs = Record<string, unknown> & { 'image-size'?: string; 'shard-size'?: string };

export const packCommand: CommandModule<object, PackArgs> = {
  command: 'pack',
  describe: 'Decode and resize images once, in parallel workers, into TFRecord shards of tf.train.Example',
  builder: (yargs) => packFlags(yargs) as Argv<PackArgs>,
  handler: async (args) => {
    const options = packOptions({
      ...optionsFromFlags(PACK_OPTIONS, args, SPECIAL_FLAGS),
      ...(args['image-size'] === undefined ? {} : parseImageSize(args['image-size'])),
      ...(args['shard-size'] === undefined ? {} : { shardBytes: parseBytes(args['shard-size']) }),
    });
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
    const bytes = Object.values(result.manifest.splits)
      .flatMap((s) => s?.shards ?? [])
      .reduce((n, s) => n + s.bytes, 0);
    console.log(`\n${formatBytes(bytes)} written in ${seconds.toFixed(1)} s with ${options.workers} worker(s).`);
  },
};
