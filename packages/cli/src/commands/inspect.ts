import { stat } from 'node:fs/promises';
import { ShardlineError } from '@shardline/errors';
import { checkOptions, type DeepPartial, integer } from '@shardline/options';
import { isRemote, openStore, REMOTE_OPTIONS, type RemoteOptions } from '@shardline/remote';
import { readManifest, type ShardStore } from '@shardline/shards';
import { decodeSequenceExample, type Feature, type Features, readTFRecords } from '@shardline/tfrecord';
import type { CommandModule } from 'yargs';
import { printManifestSummary } from '../manifest-summary';
import { addFlags, optionsFromFlags } from '../option-flags';

const COMPRESSION_CHOICES = ['auto', 'none', 'gzip', 'zlib'] as const;
type CompressionChoice = (typeof COMPRESSION_CHOICES)[number];

type InspectArgs = { path: string; records: number; compression: CompressionChoice } & Record<string, unknown>;

export const inspectCommand: CommandModule<object, InspectArgs> = {
  command: 'inspect <path>',
  describe:
    'Summarise a shard folder (manifest, class histogram), or list the features of any TFRecord file (Example or SequenceExample)',
  builder: (yargs) =>
    addFlags(
      yargs
        .positional('path', {
          type: 'string',
          demandOption: true,
          describe:
            'A folder written by pack, or a .tfrecord[.gz] file: a path, or an http(s):// or s3:// URL (a folder URL ends in /)',
        })
        .option('records', { type: 'number', default: 3, describe: 'For a single file: how many records to show' })
        .option('compression', {
          choices: COMPRESSION_CHOICES,
          default: 'auto' as CompressionChoice,
          describe:
            'For a single file: how it is compressed. auto: by its name (.gz/.gzip gzip, .zz/.zlib zlib), else guessed from its first bytes (errors then say it was a guess)',
        }),
      REMOTE_OPTIONS,
    ),
  handler: async (args) => {
    checkOptions({ records: args.records }, { records: integer({ min: 0 }) });
    const { store, file } = await located(args.path, optionsFromFlags(REMOTE_OPTIONS, args));
    if (file === undefined) return printManifestSummary(await readManifest(store), args.path);
    let count = 0;
    for await (const record of readTFRecords(store.source(file), { compression: args.compression })) {
      if (count++ < args.records)
        console.log(`record ${count - 1} @${record.offset}: ${describeRecord(record.data, args.path, record.offset)}`);
    }
    console.log(`${args.path}: ${count} records, all CRCs valid`);
  },
};

/** A folder (a local directory, or a URL ending in /), or a file and the folder it is in. */
async function located(
  path: string,
  remote: DeepPartial<RemoteOptions>,
): Promise<{ store: ShardStore; file: string | undefined }> {
  const folder = isRemote(path) ? path.endsWith('/') : (await stat(path)).isDirectory();
  if (folder) return { store: openStore(path, remote), file: undefined };
  const cut = path.lastIndexOf('/') + 1;
  return { store: openStore(path.slice(0, cut) || '.', remote), file: path.slice(cut) };
}

/** The record's features; a SequenceExample's feature lists follow its context, with their lengths. */
function describeRecord(data: Uint8Array, file: string, offset: number): string {
  let decoded: ReturnType<typeof decodeSequenceExample>;
  try {
    decoded = decodeSequenceExample(data);
  } catch (err) {
    throw new ShardlineError(
      'ERR_DATA',
      `${file}: record at byte offset ${offset} is not a tf.train.Example or SequenceExample (${(err as Error).message})`,
    );
  }
  const context = describeFeatures(decoded.context);
  const lists = Object.entries(decoded.featureLists);
  if (lists.length === 0) return context;
  const described = lists.map(
    ([key, steps]) =>
      `${key}: ${steps.length} step(s) [${steps
        .slice(0, 2)
        .map((f) => describeFeature(f))
        .join(' | ')}${steps.length > 2 ? ' | ...' : ''}]`,
  );
  return `SequenceExample; context ${context || 'empty'}; feature lists ${described.join('; ')}`;
}

function describeFeatures(features: Features): string {
  return Object.entries(features)
    .map(([key, f]) => `${key}: ${describeFeature(f)}`)
    .join('; ');
}

function describeFeature(f: Feature): string {
  if (f.kind === 'none') return 'empty';
  const preview =
    f.kind === 'bytes'
      ? f.value.map((b) => (b.length > 24 ? `<${b.length} bytes>` : JSON.stringify(Buffer.from(b).toString())))
      : f.value.slice(0, 4).map(String);
  return `${f.kind}[${f.value.length}] ${preview.slice(0, 4).join(',')}`;
}
