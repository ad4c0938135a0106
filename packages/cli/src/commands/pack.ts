import type { Argv, CommandModule } from 'yargs';
import { DEFAULT_POOL, PACK_DEFAULTS, type PackProgress, defaultWorkerCount, packDataset } from '@shardline/pack';
import { progressBar } from '../progress';
import { formatBytes, parseBytes, parseImageSize } from '../units';
import { printManifestSummary } from './inspect';

export function packOptions(yargs: Argv) {
  return yargs
    .option('src', { type: 'string', demandOption: true, describe: 'Source: a folder of class sub-folders (Keras flow_from_directory layout), a flat folder with --label-pattern, or MNIST/Fashion-MNIST IDX files (folder or *-images-idx3-ubyte[.gz])' })
    .option('out', { type: 'string', default: 'shards', describe: 'Output folder for shards, index files and manifest.json' })
    .option('image-size', { type: 'string', default: String(PACK_DEFAULTS.width), describe: 'Target size: N for NxN, or WIDTHxHEIGHT; images are stretched to it as Keras does' })
    .option('color-mode', { choices: ['rgb', 'grayscale'] as const, default: PACK_DEFAULTS.colorMode, describe: 'Channels stored: 3 (rgb) or 1 (grayscale)' })
    .option('payload', { choices: ['raw', 'jpeg'] as const, default: PACK_DEFAULTS.payload, describe: 'raw: uint8 pixels, no decoding at training time; jpeg: re-encoded, smaller shards' })
    .option('jpeg-quality', { type: 'number', default: PACK_DEFAULTS.jpegQuality, describe: 'JPEG quality for --payload jpeg (1-100)' })
    .option('validation-split', { type: 'number', default: PACK_DEFAULTS.validationSplit, describe: 'Fraction of each class held out as the validation split (stratified)' })
    .option('seed', { type: 'number', default: PACK_DEFAULTS.seed, describe: 'Seed for the split and the record order; the same seed gives the same shards' })
    .option('shard-size', { type: 'string', default: `${PACK_DEFAULTS.shardBytes / 1024 / 1024}MiB`, describe: 'Target bytes per shard before compression (e.g. 16MB, 100MiB)' })
    .option('compression', { choices: ['none', 'gzip', 'zlib'] as const, default: PACK_DEFAULTS.compression, describe: 'Shard compression (TensorFlow TFRecordOptions GZIP/ZLIB); index files only for none' })
    .option('workers', { type: 'number', default: defaultWorkerCount(), describe: 'Decode workers, each decoding one image at a time (0: decode on the main thread)' })
    .option('pool', { choices: ['threads', 'processes'] as const, default: DEFAULT_POOL, describe: 'Workers as child processes, or as piscina worker threads (libvips locks make threads scale worse: `shardline bench pack` measures both)' })
    .option('max-pixels', { type: 'number', default: PACK_DEFAULTS.maxPixels, describe: 'Refuse (without decoding) images with more pixels than this' })
    .option('label-pattern', { type: 'string', describe: "Regex over file names; capture group 1 (or (?<label>...)) is the class, e.g. '^(cat|dog)\\.' for Kaggle cat.123.jpg" })
    .option('class-names', { type: 'string', describe: 'Comma-separated class names for IDX sources (default: Fashion-MNIST names if the path says fashion, else 0-9)' })
    .option('follow-links', { type: 'boolean', default: false, describe: 'Follow symbolic links in --src, as Keras follow_links (loops are detected and skipped); without it each link is skipped and listed in manifest.json' })
    .option('force', { type: 'boolean', default: false, describe: 'Replace shards in --out written by a different pack job' });
}

type PackArgs = ReturnType<typeof packOptions> extends Argv<infer T> ? T : never;

export const packCommand: CommandModule<object, PackArgs> = {
  command: 'pack',
  describe: 'Decode and resize images once, in parallel workers, into TFRecord shards of tf.train.Example',
  builder: (yargs) => packOptions(yargs),
  handler: async (args) => {
    const { width, height } = parseImageSize(args['image-size']);
    const started = Date.now();
    let bar: ReturnType<typeof progressBar> | undefined;
    const result = await packDataset({
      src: args.src,
      out: args.out,
      width,
      height,
      colorMode: args['color-mode'],
      payload: args.payload,
      jpegQuality: args['jpeg-quality'],
      validationSplit: args['validation-split'],
      seed: args.seed,
      shardBytes: parseBytes(args['shard-size']),
      compression: args.compression,
      workers: args.workers,
      pool: args.pool,
      maxPixels: args['max-pixels'],
      labelPattern: args['label-pattern'],
      classNames: args['class-names']?.split(',').map((s) => s.trim()),
      force: args.force,
      followLinks: args['follow-links'],
      onProgress: (p: PackProgress) => {
        bar ??= progressBar('pack', p.total);
        bar.update(p.done, { note: p.skipped ? ` | ${p.skipped} skipped` : '' });
      },
      onSkip: (s) => process.stderr.write(`\nskipped ${s.file}: ${s.reason}\n`),
      onWarning: (message) => process.stderr.write(`\nwarning: ${message}\n`),
    });
    bar?.stop();
    const seconds = (Date.now() - started) / 1000;
    if (result.alreadyComplete) console.log(`${args.out} already holds this exact pack job; nothing to do (use --force to rebuild).`);
    else if (result.resumed > 0) console.log(`Resumed an interrupted run: ${result.resumed} images were already packed.`);
    printManifestSummary(result.manifest, args.out);
    const bytes = Object.values(result.manifest.splits).flatMap((s) => s?.shards ?? []).reduce((n, s) => n + s.bytes, 0);
    console.log(`\n${formatBytes(bytes)} written in ${seconds.toFixed(1)} s with ${args.workers} worker(s).`);
  },
};
