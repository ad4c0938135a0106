import { createHash } from 'node:crypto';
import { mkdir, readdir, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { OptionError, ShardlineError } from '@shardline/errors';
import type { DecodeOptions } from '@shardline/images';
import type { DeepPartial } from '@shardline/options';
import {
  addCounts,
  type CrossSplitDuplicate,
  MANIFEST_FILE,
  MANIFEST_FORMAT,
  type Manifest,
  RECORD_KEYS,
  readManifest,
  readManifestFile,
  removeTfdsMetadata,
  requireTwoClasses,
  type SkippedFile,
  SPLIT_ORDER,
  type SplitInfo,
  type SplitName,
  type TaskPart,
  taskManifestNames,
  tfdsLabelProblem,
  totalRecords,
  writeManifest,
  writeTfdsMetadata,
} from '@shardline/shards';
import type { Compression } from '@shardline/tfrecord';
import type { CsvOptions } from './csv-table';
import { intactEntries, Journal, type JournalEntry, readJournal } from './journal';
import { packOptions } from './pack-options';
import { isTaskRecord, OutputFiles, packTask, taskSplits } from './pack-task';
import { packInThread } from './pack-thread';
import { createDecodePool, type DecodePool, mapOrdered, type PoolKind } from './pool';
import { ShardSequence } from './shard-writer';
import { SourceHashes } from './source-hashes';
import { listSource, type SourceItems, type SourceListing } from './sources';
import { assignSplits, type Splits } from './split';
import { moveShards, tfdsRenames } from './tfds-names';

/**
 * What packDataset does: how each image is decoded (DecodeOptions: width and height default to 64,
 * rgb, raw pixels), and where the records go. PACK_OPTIONS holds each option's default and check.
 */
export interface PackOptions extends DecodeOptions {
  /** Required. */
  src: string;
  /** Defaults to 'shards'. */
  out: string;
  validationSplit: number;
  seed: number;
  shardBytes: number;
  compression: Compression;
  /** Defaults to the core count. */
  workers: number;
  /** Child processes (default) or piscina worker threads; `shardline bench pack` measures both. */
  pool: PoolKind;
  labelPattern?: string;
  classNames?: string[];
  /** Replace an output folder that holds a different pack job. */
  force?: boolean;
  /** Names the shards and the TFDS metadata. Defaults to the out folder's name in snake_case. */
  datasetName: string;
  /** Defaults to 1. Above 1, this run is task `taskIndex` of a distributed pack: it packs its part of each split, and `mergeTasks` writes the manifest. */
  numTasks: number;
  /** Defaults to JOB_COMPLETION_INDEX or SLURM_ARRAY_TASK_ID when numTasks is above 1; otherwise 0. */
  taskIndex: number;
  /** Follow symbolic links in the source (Keras follow_links); loops are detected and skipped. Defaults to false: links are skipped and listed. */
  followLinks?: boolean;
  /** How a pixel CSV source (--src train.csv) is read. */
  csv: CsvOptions;
  onProgress?: (progress: PackProgress) => void;
  onSkip?: (skipped: SkippedFile) => void;
  /** Called with what the run found suspicious but packed anyway (the same image in two splits). */
  onWarning?: (message: string) => void;
}

export interface PackProgress {
  done: number;
  total: number;
  skipped: number;
}

export interface PackResult {
  manifest: Manifest;
  /** Images already packed by an earlier, interrupted run of the same job. */
  resumed: number;
  /** The folder already held this exact job, complete. */
  alreadyComplete: boolean;
}

/**
 * Packs a source into shards; options left out take their PACK_OPTIONS defaults. The options are
 * checked here; the pack runs in a thread of its own (see pack-thread.ts), and the callbacks are
 * called in this one.
 */
export async function packDataset(given: DeepPartial<PackOptions>): Promise<PackResult> {
  return packInThread(packOptions(given));
}

/** Packs in the calling thread, with options already checked. */
export async function packInThisThread(options: PackOptions): Promise<PackResult> {
  // Decode workers take about a quarter of a second to start; they start while the source is listed.
  const pool = createDecodePool(options.workers, options.pool);
  try {
    return await packWith(options, pool);
  } finally {
    await pool.close();
  }
}

async function packWith(options: PackOptions, pool: DecodePool): Promise<PackResult> {
  const listing = await listInputs(options);
  const splits = assignSplits(listing.items, options.validationSplit, options.seed);
  checkEveryClassTrains(splits, listing, options.validationSplit);
  const fingerprint = jobFingerprint(options, splits, listing.items);
  const files = new OutputFiles(packTask(options));
  const part = taskSplits(splits, files.task);
  await mkdir(options.out, { recursive: true });

  const existing = await readManifestFile(options.out, files.manifest).catch(() => undefined);
  const done = options.force ? undefined : await completedJob(options.out, files, fingerprint, existing);
  if (done) return { manifest: done, resumed: 0, alreadyComplete: true };
  const otherJob = await otherJobFile(options.out, files, fingerprint, existing);
  const journalFingerprint = files.task ? `${fingerprint} ${files.manifest}` : fingerprint;
  const prior = await resumableEntries(options, files, journalFingerprint, otherJob);

  const journal = await Journal.start(join(options.out, files.journal), journalFingerprint);
  for (const entry of prior) await journal.append(entry);
  const written = await writeRemaining(options, pool, listing, part.splits, prior, journal, files.task);
  const entries = [...prior, ...written.entries];

  const manifest = buildManifest(options, listing, entries, written.trailingSkips, fingerprint);
  manifest.crossSplitDuplicates = written.sources.crossSplit(listing.items);
  warnOfLeakage(manifest.crossSplitDuplicates, countCovered(prior), options.onWarning);
  if (files.task && part.ranges) {
    // Files the listing skipped are the same in every task; the first task's manifest lists them.
    if (files.task.index > 0) manifest.skipped = manifest.skipped.slice(listing.skipped.length);
    manifest.task = { ...files.task, ranges: part.ranges };
  } else if (totalRecords(manifest) === 0) {
    await journal.remove();
    throw nothingPacked(options.src, manifest.skipped);
  } else {
    await nameForTfds(options.out, manifest);
    const labelProblem = tfdsLabelProblem(manifest);
    if (labelProblem) options.onWarning?.(labelProblem);
  }
  await writeManifest(options.out, manifest, files.manifest);
  await journal.remove();
  return { manifest, resumed: countCovered(prior), alreadyComplete: false };
}

/** The source's inputs; a source with none, or with one class, is refused. */
async function listInputs(options: PackOptions): Promise<SourceListing> {
  const { src, labelPattern, classNames, followLinks, csv } = options;
  const listing = await listSource(src, { labelPattern, classNames, followLinks, csv });
  if (listing.items.length === 0)
    throw listing.skipped.length > 0
      ? nothingPacked(src, listing.skipped)
      : new ShardlineError('ERR_INPUT', `no images found in ${src}`);
  requireTwoClasses(listing.classes, src);
  return listing;
}

/** The manifest of this job when the folder already holds it whole: this pack's (or task's) own, or for a task, the merged one. */
async function completedJob(
  out: string,
  files: OutputFiles,
  fingerprint: string,
  existing: Manifest | undefined,
): Promise<Manifest | undefined> {
  const { task } = files;
  if (
    existing?.fingerprint === fingerprint &&
    existing.task?.index === task?.index &&
    existing.task?.count === task?.count
  )
    return existing;
  if (!task) return undefined;
  const merged = await readManifest(out).catch(() => undefined);
  return merged?.fingerprint === fingerprint && !merged.task ? merged : undefined;
}

/**
 * Gives a whole pack's shards their TFDS names and writes TFDS's metadata beside them; manifest.json,
 * written after, completes the folder. A run killed between the renames and manifest.json packs again:
 * its journal names shards by their first names.
 */
async function nameForTfds(dir: string, manifest: Manifest): Promise<void> {
  const { named, renames } = tfdsRenames(manifest.splits, manifest.datasetName!, manifest.compression);
  await moveShards(dir, renames);
  manifest.splits = named;
  await writeTfdsMetadata(dir, manifest);
}

/**
 * A file in the output folder that another pack job wrote, if any; it is not replaced without --force.
 * For a whole pack: an earlier manifest, and any task's manifest or journal. For a task: its own earlier
 * manifest, and a manifest of the whole job or of another task made with other options or task count.
 */
async function otherJobFile(
  out: string,
  files: OutputFiles,
  fingerprint: string,
  existing: Manifest | undefined,
): Promise<string | undefined> {
  if (existing) return files.manifest;
  const names = await readdir(out);
  if (!files.task) return names.find(isTaskRecord);
  for (const name of [MANIFEST_FILE, ...taskManifestNames(out)]) {
    const other = await readManifestFile(out, name).catch(() => undefined);
    if (other && (other.fingerprint !== fingerprint || (other.task && other.task.count !== files.task.count)))
      return name;
  }
  return undefined;
}

function nothingPacked(src: string, skipped: SkippedFile[]): ShardlineError {
  const reasons = skipped.slice(0, 5).map((s) => `${s.file}: ${s.reason}`);
  const more = skipped.length > 5 ? `; and ${skipped.length - 5} more` : '';
  return new ShardlineError(
    'ERR_INPUT',
    `every one of the ${skipped.length} inputs in ${src} was skipped, so nothing was packed (${reasons.join('; ')}${more})`,
  );
}

/** A validation split that leaves a class with no training images is refused, naming the class. */
function checkEveryClassTrains(splits: Splits, listing: SourceListing, validationSplit: number): void {
  const { items, classes } = listing;
  const training = new Set<number>();
  for (const index of splits.train) training.add(items.label(index));
  const starved = classes.filter((_, label) => !training.has(label) && listsOutsideTest(items, label));
  if (starved.length > 0)
    throw new OptionError(
      'validationSplit',
      validationSplit,
      `leaves class(es) ${starved.join(', ')} with no training images`,
    );
}

function listsOutsideTest(items: SourceItems, label: number): boolean {
  for (let index = 0; index < items.length; index++)
    if (items.label(index) === label && items.split(index) !== 'test') return true;
  return false;
}

/** Shards an interrupted run of this same job (or task) completed; clears anything else of its own in the folder. */
async function resumableEntries(
  options: PackOptions,
  files: OutputFiles,
  journalFingerprint: string,
  otherJob: string | undefined,
): Promise<JournalEntry[]> {
  const prior = await readJournal(join(options.out, files.journal));
  const sameJob = prior?.fingerprint === journalFingerprint;
  const other = otherJob ?? (prior && !sameJob ? files.journal : undefined);
  if (other && !options.force) {
    throw new ShardlineError(
      'ERR_INPUT',
      `${options.out} already holds shards from a different pack job (${other}: other source, options or task count); pass --force to replace them, or choose another --out`,
    );
  }
  const kept = sameJob && !options.force ? await intactEntries(options.out, prior.entries) : [];
  const keep = new Set(kept.flatMap((e) => [e.shard.file, e.shard.index]));
  for (const file of await readdir(options.out)) {
    if (files.replaces(file) && !keep.has(file)) await rm(join(options.out, file), { force: true });
  }
  // A whole job's manifest (and TFDS's) no longer describes the folder once any of its shards is rewritten.
  await rm(join(options.out, MANIFEST_FILE), { force: true });
  await removeTfdsMetadata(options.out);
  return kept;
}

/** Images per message to a decode worker. */
const BATCH_IMAGES = 8;

/** Positions [start, start + indices.length) of one split, decoded in one message; `indices` are the images' indices in the source. */
interface WorkBatch {
  split: SplitName;
  start: number;
  indices: Uint32Array;
}

/**
 * The order splits are packed in: the held-out ones first, so that the check for one image in two
 * splits keeps only their hashes and looks the training images up.
 */
const PACK_ORDER: readonly SplitName[] = ['validation', 'test', 'train'];

/** The images not packed yet, split by split, BATCH_IMAGES at a time; made as they are taken, so a long source holds no list of them. */
function* workBatches(splits: Splits, prior: JournalEntry[]): Generator<WorkBatch> {
  for (const split of PACK_ORDER) {
    const indices = splits[split];
    for (let start = resumePoint(prior, split); start < indices.length; start += BATCH_IMAGES)
      yield { split, start, indices: indices.subarray(start, start + BATCH_IMAGES) };
  }
}

async function writeRemaining(
  options: PackOptions,
  pool: DecodePool,
  listing: SourceListing,
  splits: Splits,
  prior: JournalEntry[],
  journal: Journal,
  task: TaskPart | undefined,
): Promise<{ entries: JournalEntry[]; trailingSkips: SkippedFile[]; sources: SourceHashes }> {
  const { width, height, colorMode, payload, jpegQuality, maxPixels } = options;
  const decodeOptions: DecodeOptions = { width, height, colorMode, payload, jpegQuality, maxPixels };
  const { items, classes } = listing;
  const total = SPLIT_ORDER.reduce((n, s) => n + splits[s].length, 0);
  // An interrupted run of this same job covered a prefix of each split, never more than all of it.
  const progress: PackProgress = { done: countCovered(prior), total, skipped: 0 };
  const writers = new SplitWriters(options, classes.length, prior, journal, task);
  const sources = new SourceHashes(splits.validation.length + splits.test.length);
  const encode = async (batch: WorkBatch) => {
    const tasks = Array.from(batch.indices, (index) => {
      const { input, label, name } = items.item(index);
      return { input, label, className: classes[label]!, filename: name };
    });
    return { batch, results: await pool.encode({ options: decodeOptions, items: tasks }) };
  };
  const batches = workBatches(splits, prior);
  for await (const { batch, results } of mapOrdered(batches, Math.max(4, options.workers * 4), encode)) {
    const { split, start, indices } = batch;
    for (let i = 0; i < results.length; i++) {
      const result = results[i]!;
      const index = indices[i]!;
      if (result.ok) {
        const label = items.label(index);
        // Most records go straight into the write chunk; only a full chunk or shard waits for I/O.
        if (!writers.tryAdd(split, result.frame, label)) await writers.add(split, start + i, result.frame, label);
        sources.add(result.sourceSha256, split, index);
      } else {
        const skipped = { file: items.name(index), reason: result.reason, split };
        writers.skip(split, skipped);
        progress.skipped++;
        options.onSkip?.(skipped);
      }
      progress.done++;
    }
    options.onProgress?.(progress);
  }
  await writers.finish(splits);
  return { entries: writers.completed, trailingSkips: writers.trailingSkips, sources };
}

function warnOfLeakage(
  duplicates: CrossSplitDuplicate[],
  resumed: number,
  warn: ((message: string) => void) | undefined,
): void {
  if (resumed > 0)
    warn?.(
      `the check for one image in two splits covered only this run's images, not the ${resumed} packed before the interruption`,
    );
  if (duplicates.length === 0) return;
  const shown = duplicates
    .slice(0, 5)
    .map((d) => `${d.files.map((f) => `${f.split}:${f.file}`).join(' = ')} (sha256 ${d.sha256.slice(0, 12)})`);
  warn?.(
    `${duplicates.length} image(s) appear in more than one split, so validation scores images the model trained on: ${shown.join('; ')}${duplicates.length > 5 ? '; ...' : ''} (all listed in manifest.json, crossSplitDuplicates)`,
  );
}

/** Routes records to one ShardSequence per split and journals every shard it completes. */
class SplitWriters {
  readonly completed: JournalEntry[] = [];
  readonly trailingSkips: SkippedFile[] = [];
  private readonly sequences = new Map<SplitName, ShardSequence>();
  private readonly pendingSkips = new Map<SplitName, SkippedFile[]>();

  constructor(
    private readonly options: PackOptions,
    private readonly classCount: number,
    private readonly prior: JournalEntry[],
    private readonly journal: Journal,
    private readonly task: TaskPart | undefined,
  ) {}

  async add(split: SplitName, position: number, record: Uint8Array, label: number): Promise<void> {
    const closed = await this.sequence(split).add(record, label);
    if (closed) await this.complete(split, closed, position);
  }

  /** Appends a record when no I/O is needed for it (see ShardSequence.tryAdd); false when add must be awaited. */
  tryAdd(split: SplitName, record: Uint8Array, label: number): boolean {
    return this.sequence(split).tryAdd(record, label);
  }

  skip(split: SplitName, skipped: SkippedFile): void {
    const pending = this.pendingSkips.get(split);
    if (pending) pending.push(skipped);
    else this.pendingSkips.set(split, [skipped]);
  }

  /** Closes every split's last shard. Skips after it are kept in `trailingSkips` for the manifest. */
  async finish(splits: Splits): Promise<void> {
    for (const split of SPLIT_ORDER) {
      const closed = await this.sequences.get(split)?.close();
      if (closed) await this.complete(split, closed, splits[split].length);
      this.trailingSkips.push(...(this.pendingSkips.get(split) ?? []));
      this.pendingSkips.delete(split);
    }
  }

  private async complete(split: SplitName, shard: JournalEntry['shard'], itemEnd: number): Promise<void> {
    const entry: JournalEntry = { split, shard, itemEnd, skipped: this.pendingSkips.get(split) ?? [] };
    this.pendingSkips.delete(split);
    this.completed.push(entry);
    await this.journal.append(entry);
  }

  private sequence(split: SplitName): ShardSequence {
    let sequence = this.sequences.get(split);
    if (!sequence) {
      const shardsSoFar = this.prior.filter((e) => e.split === split).length;
      sequence = new ShardSequence(
        this.options.out,
        split,
        this.classCount,
        this.options.shardBytes,
        this.options.compression,
        shardsSoFar,
        this.task,
      );
      this.sequences.set(split, sequence);
    }
    return sequence;
  }
}

function resumePoint(entries: JournalEntry[], split: SplitName): number {
  return entries.filter((e) => e.split === split).at(-1)?.itemEnd ?? 0;
}

function countCovered(entries: JournalEntry[]): number {
  return SPLIT_ORDER.reduce((n, split) => n + resumePoint(entries, split), 0);
}

function buildManifest(
  options: PackOptions,
  listing: SourceListing,
  entries: JournalEntry[],
  trailingSkips: SkippedFile[],
  fingerprint: string,
): Manifest {
  const splits: Manifest['splits'] = {};
  for (const split of SPLIT_ORDER) {
    const shards = entries.filter((e) => e.split === split).map((e) => e.shard);
    if (shards.length > 0) splits[split] = summarizeSplit(shards, listing.classes.length);
  }
  const channels = options.colorMode === 'grayscale' ? 1 : 3;
  return {
    format: MANIFEST_FORMAT,
    createdAt: new Date().toISOString(),
    source: { path: resolve(options.src), layout: listing.layout },
    classes: listing.classes,
    image: {
      width: options.width,
      height: options.height,
      channels,
      colorMode: options.colorMode,
      payload: options.payload,
      ...(options.payload === 'jpeg' ? { jpegQuality: options.jpegQuality } : {}),
    },
    compression: options.compression,
    recordKeys: RECORD_KEYS,
    datasetName: options.datasetName,
    splits,
    skipped: [...listing.skipped, ...entries.flatMap((e) => e.skipped), ...trailingSkips],
    fingerprint,
  };
}

export function summarizeSplit(shards: SplitInfo['shards'], classCount: number): SplitInfo {
  const classCounts = new Array<number>(classCount).fill(0);
  for (const shard of shards) addCounts(classCounts, shard.classCounts);
  return { records: shards.reduce((n, s) => n + s.records, 0), classCounts, shards };
}

/** Identifies a job: the same source listing and options give the same records (file names and places aside). */
function jobFingerprint(options: PackOptions, splits: Splits, items: SourceItems): string {
  const {
    src,
    out,
    datasetName,
    workers,
    pool,
    force,
    numTasks,
    taskIndex,
    onProgress,
    onSkip,
    onWarning,
    ...shaping
  } = options;
  const hash = createHash('sha256').update(sortedJson(shaping));
  for (const split of SPLIT_ORDER)
    for (const index of splits[split]) hash.update(`${split}\0${items.label(index)}\0${items.name(index)}\n`);
  return hash.digest('hex');
}

/** JSON with every object's keys sorted: options given in another order, or a default given explicitly, are the same job. */
function sortedJson(value: unknown): string {
  return JSON.stringify(value, (_key, node: unknown) =>
    node && typeof node === 'object' && !Array.isArray(node)
      ? Object.fromEntries(Object.entries(node).sort(([a], [b]) => (a < b ? -1 : 1)))
      : node,
  );
}
