import { writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { isRemote } from '@shardline/remote';
import { type Manifest, readJsonDocument, type SplitName } from '@shardline/shards';
import * as tf from '@tensorflow/tfjs';
import type { BackendInfo } from './backend';
import { resolveLog } from './callbacks';
import type { InputWaitMeter } from './dataset';
import type { TrainOptions } from './train-options';

export const RUN_FILE = 'run.json';
export const RUN_FORMAT = 'shardline-run/1';

/** One epoch as the run saw it. Metrics are the epoch's (loss, acc, val_loss, val_acc). */
export interface EpochRecord {
  /** 1-based, as the logs print it. */
  epoch: number;
  /** Wall time of the epoch, its validation pass included. */
  seconds: number;
  /** Training images of the epoch per second of `seconds`. */
  imagesPerSecond: number;
  /** Share of `seconds` the trainer waited for its next batch. */
  inputWaitShare: number;
  /** The optimizer's rate during the epoch (reduce-on-plateau cuts it between epochs). */
  learningRate: number;
  metrics: Record<string, number>;
}

/** run.json: how a training run was made and what it gave, enough to reproduce and compare it. */
export interface RunRecord {
  format: typeof RUN_FORMAT;
  startedAt: string;
  /** The process's command line (node's path left out). */
  command: string[];
  /** Every option, defaults filled in, as trainModel used them. */
  options: TrainOptions;
  shards: {
    path: string;
    classes: string[];
    image: Manifest['image'];
    splits: Partial<Record<SplitName, { records: number; shards: number; classCounts: number[] }>>;
  };
  backend: BackendInfo;
  epochs: EpochRecord[];
  /** 1-based epoch whose weights were kept (best val_loss), and that loss. */
  keptEpoch: number;
  bestValLoss: number;
  seconds: number;
  inputWaitShare: number;
  evaluation: { split: SplitName; accuracy: number };
  versions: { shardline: string; tfjs: string; node: string };
}

/** Times each epoch and notes its learning rate, as a tfjs callback. */
export class EpochRecorder extends tf.Callback {
  readonly epochs: EpochRecord[] = [];
  private started = 0;
  private waitedBefore = 0;
  private learningRate = 0;

  constructor(
    private readonly meter: InputWaitMeter,
    private readonly trainImages: number,
  ) {
    super();
  }

  override async onEpochBegin(): Promise<void> {
    this.started = performance.now();
    this.waitedBefore = this.meter.waitMs;
    this.learningRate = (this.model as tf.LayersModel).optimizer.getConfig().learningRate as number;
  }

  override async onEpochEnd(epoch: number, logs: tf.Logs = {}): Promise<void> {
    const seconds = (performance.now() - this.started) / 1000;
    this.epochs.push({
      epoch: epoch + 1,
      seconds,
      imagesPerSecond: this.trainImages / seconds,
      inputWaitShare: (this.meter.waitMs - this.waitedBefore) / 1000 / seconds,
      learningRate: this.learningRate,
      metrics: await resolveLogs(logs),
    });
  }
}

async function resolveLogs(logs: tf.Logs): Promise<Record<string, number>> {
  const entries = await Promise.all(Object.entries(logs).map(async ([key, value]) => [key, await resolveLog(value)]));
  return Object.fromEntries(entries.filter(([, value]) => value !== undefined));
}

export function shardsSummary(dir: string, manifest: Manifest): RunRecord['shards'] {
  const splits: RunRecord['shards']['splits'] = {};
  for (const [name, split] of Object.entries(manifest.splits))
    if (split)
      splits[name as SplitName] = {
        records: split.records,
        shards: split.shards.length,
        classCounts: split.classCounts,
      };
  return { path: isRemote(dir) ? dir : resolve(dir), classes: manifest.classes, image: manifest.image, splits };
}

export function versions(): RunRecord['versions'] {
  const own = require('../package.json') as { version: string };
  return { shardline: own.version, tfjs: tf.version.tfjs, node: process.versions.node };
}

export async function writeRunRecord(out: string, record: RunRecord): Promise<void> {
  await writeFile(join(out, RUN_FILE), `${JSON.stringify(record, null, 2)}\n`);
}

/** An earlier run's run.json; the error names the folder and what is wrong with it. */
export async function readRunRecord(dir: string): Promise<RunRecord> {
  const file = join(dir, RUN_FILE);
  return readJsonDocument<RunRecord>(file, {
    format: RUN_FORMAT,
    what: 'run record',
    missing: (err) => `${dir} is not a training run folder: ${file} cannot be read (${err.message})`,
  });
}
