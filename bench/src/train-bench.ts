import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ShardlineError } from '@shardline/errors';
import { type DeepPartial, integer, listOf, type OptionTable, oneOf, withDefaults } from '@shardline/options';
import { BACKEND_OPTIONS, defaultThreads, MAX_WASM_THREADS } from '@shardline/train';
import { DEFAULT_TORCH_PEER, jsonLines, peerUnavailable, runPeer } from './peers';
import { median } from './stats';
import { MATRIX_KERNELS, type StepProfile, TRAIN_BENCH_MODELS, type TrainBenchModel } from './train-step';

const run = promisify(execFile);

export interface TrainBenchOptions {
  /** Defaults to all three: demo, fmnist, catsdogs150. */
  models: TrainBenchModel[];
  /** The thread count compared with 1. Defaults to the core count. */
  threads: number;
  /** Rounds: each runs every thread count once, shardline and the peer alternating. Defaults to 2. */
  rounds: number;
  /** Timed runs per model in one process; its median counts. Defaults to 3. */
  runs: number;
  /** The PyTorch peer script; 'none' skips it. Defaults to DEFAULT_TORCH_PEER. */
  peer: string;
  /** Profile one step of each model at the highest thread count. Defaults to true. */
  profile: boolean;
  onProgress?: (message: string) => void;
}

const MODEL_NAMES = Object.keys(TRAIN_BENCH_MODELS) as TrainBenchModel[];
const atLeastOne = integer({ min: 1 });

export const TRAIN_BENCH_OPTIONS: OptionTable<TrainBenchOptions> = {
  models: {
    kind: 'strings',
    default: MODEL_NAMES,
    check: listOf(oneOf(...MODEL_NAMES), { minLength: 1, what: 'a list of bench models' }),
    describe: `Models to measure, comma-separated: ${MODEL_NAMES.join(', ')}`,
  },
  threads: {
    kind: 'number',
    defaultFrom: defaultThreads,
    defaultText: 'the core count',
    check: BACKEND_OPTIONS.threads.check!,
    describe: `Thread count compared with 1 (1 to ${MAX_WASM_THREADS})`,
  },
  rounds: {
    kind: 'number',
    default: 2,
    check: atLeastOne,
    describe: 'Rounds; each runs every thread count once, shardline and PyTorch alternating; medians are reported',
  },
  runs: {
    kind: 'number',
    default: 3,
    check: atLeastOne,
    describe: 'Timed runs per model in one process (about a second each; catsdogs150: one step)',
  },
  peer: {
    kind: 'string',
    default: DEFAULT_TORCH_PEER,
    describe:
      'The PyTorch peer script, run with /usr/bin/python3; "none" skips it (it is skipped with a note when PyTorch is absent)',
  },
  profile: {
    kind: 'boolean',
    default: true,
    describe: 'Also split one step of each model by kernel (--no-profile to skip)',
  },
};

export interface TrainBenchRow {
  model: TrainBenchModel;
  threads: number;
  imagesPerSecond: number;
  /** PyTorch's images/s at the same thread count, when the peer ran. */
  peerImagesPerSecond?: number;
}

export interface TrainBenchReport {
  rows: TrainBenchRow[];
  /** Why the peer did not run, if it did not. */
  peerNote?: string;
  profiles: { model: TrainBenchModel; threads: number; profile: StepProfile }[];
}

interface Line {
  model: TrainBenchModel;
  threads: number;
  images_per_s?: number;
  profile?: StepProfile;
}

async function shardlineRun(
  threads: number,
  models: TrainBenchModel[],
  runs: number,
  profile = false,
): Promise<Line[]> {
  const args = [
    join(__dirname, 'train-bench-child.js'),
    String(threads),
    models.join(','),
    String(runs),
    ...(profile ? ['profile'] : []),
  ];
  const lines = jsonLines<Line>((await run(process.execPath, args, { maxBuffer: 1 << 24 })).stdout);
  const other = lines.find((l) => l.threads !== threads);
  if (other)
    throw new ShardlineError(
      'ERR_ENVIRONMENT',
      `bench train asked wasm for ${threads} thread(s), but it ran ${other.threads}`,
    );
  return lines;
}

function peerRun(peer: string, threads: number, models: TrainBenchModel[], runs: number): Promise<Line[]> {
  return runPeer<Line>(peer, ['--threads', String(threads), '--models', models.join(','), '--runs', String(runs)]);
}

/**
 * Whole training steps of the peer models at each thread count, in one run: rounds alternate
 * shardline and PyTorch processes over the thread counts, so drift in machine load falls on all.
 */
export async function runTrainBench(given: DeepPartial<TrainBenchOptions> = {}): Promise<TrainBenchReport> {
  const { models, rounds, runs, peer, ...options } = withDefaults(TRAIN_BENCH_OPTIONS, given);
  const threadCounts = [...new Set([1, options.threads])];
  const progress = options.onProgress ?? (() => undefined);
  const peerNote = await peerUnavailable(peer);
  const samples = new Map<string, number[]>();
  const add = (impl: string, lines: Line[], threads: number) => {
    for (const l of lines)
      samples.set(`${impl}|${l.model}|${threads}`, [
        ...(samples.get(`${impl}|${l.model}|${threads}`) ?? []),
        l.images_per_s!,
      ]);
  };
  for (let round = 1; round <= rounds; round++) {
    for (const threads of threadCounts) {
      progress(`round ${round}/${rounds}: shardline, ${threads} thread(s)`);
      // A process per model: in one process, the models measured first changed the later ones' speed.
      for (const model of models) add('shardline', await shardlineRun(threads, [model], runs), threads);
      if (peerNote || !peer) continue;
      progress(`round ${round}/${rounds}: PyTorch, ${threads} thread(s)`);
      add('pytorch', await peerRun(peer, threads, models, runs), threads);
    }
  }
  const rows = models.flatMap((model) =>
    threadCounts.map((threads) => {
      const ours = samples.get(`shardline|${model}|${threads}`) ?? [];
      const theirs = samples.get(`pytorch|${model}|${threads}`);
      return {
        model,
        threads,
        imagesPerSecond: median(ours),
        ...(theirs ? { peerImagesPerSecond: median(theirs) } : {}),
      };
    }),
  );
  const profileThreads = Math.max(...threadCounts);
  if (options.profile) progress(`profiling one step of each model at ${profileThreads} thread(s)`);
  const profiles = options.profile ? await shardlineRun(profileThreads, models, 1, true) : [];
  return {
    rows,
    ...(peerNote ? { peerNote } : {}),
    profiles: profiles.map((l) => ({ model: l.model, threads: l.threads, profile: l.profile! })),
  };
}

const fmt = (n: number | undefined, digits = 1) => (n === undefined ? '-' : n.toFixed(digits));

/** The table, thread scaling, and each profiled step split into matrix kernels and the rest. */
export function formatTrainBench(report: TrainBenchReport): string {
  const lines = ['model        threads  shardline img/s  PyTorch img/s  ratio  vs 1 thread'];
  for (const r of report.rows) {
    const single = report.rows.find(
      (o) => o.model === r.model && o.threads === Math.min(...report.rows.map((x) => x.threads)),
    )!;
    const ratio = r.peerImagesPerSecond ? r.imagesPerSecond / r.peerImagesPerSecond : undefined;
    lines.push(
      `${r.model.padEnd(12)} ${String(r.threads).padStart(7)}  ${fmt(r.imagesPerSecond).padStart(15)}  ${fmt(r.peerImagesPerSecond).padStart(13)}  ${fmt(ratio, 2).padStart(5)}  ${(r.imagesPerSecond / single.imagesPerSecond).toFixed(2).padStart(10)}x`,
    );
  }
  if (report.peerNote) lines.push(`(${report.peerNote})`);
  for (const { model, threads, profile } of report.profiles) {
    const top = profile.kernels.filter((k) => !k.kernel.endsWith('__op'));
    const total = top.reduce((s, k) => s + k.ms, 0);
    const matrix = top.filter((k) => MATRIX_KERNELS.has(k.kernel)).reduce((s, k) => s + k.ms, 0);
    lines.push(
      `\n${model}, one step at ${threads} thread(s): ${profile.stepMs.toFixed(0)} ms; kernels ${total.toFixed(0)} ms, of which Conv2D, its gradients and MatMul ${((100 * matrix) / total).toFixed(1)}%, everything else ${((100 * (total - matrix)) / total).toFixed(1)}%`,
    );
    for (const k of top.slice(0, 8))
      lines.push(
        `  ${k.kernel.padEnd(22)} ${k.ms.toFixed(1).padStart(8)} ms  ${((100 * k.ms) / total).toFixed(1).padStart(5)}%  ${k.calls} call(s)`,
      );
  }
  return lines.join('\n');
}

/** One JSON object per line: { model, threads, images_per_s, impl }, shardline's and the peer's. */
export function trainBenchJsonLines(report: TrainBenchReport): string {
  return report.rows
    .flatMap((r) => [
      { model: r.model, threads: r.threads, images_per_s: r.imagesPerSecond, impl: 'shardline' },
      ...(r.peerImagesPerSecond === undefined
        ? []
        : [{ model: r.model, threads: r.threads, images_per_s: r.peerImagesPerSecond, impl: 'pytorch' }]),
    ])
    .map((o) => JSON.stringify(o))
    .join('\n');
}
