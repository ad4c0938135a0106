import { OptionError } from '@shardline/errors';
import {
  MANIFEST_FILE,
  SHARD_FILE,
  SPLIT_ORDER,
  TASK_MANIFEST_FILE,
  type TaskInfo,
  type TaskPart,
  type TaskRange,
  TFDS_SHARD_FILE,
  taskManifestFile,
  taskTag,
} from '@shardline/shards';
import { JOURNAL_FILE } from './journal';
import type { Splits } from './split';

/** The task of a distributed pack that `numTasks` and `taskIndex` name; undefined for a whole pack. */
export function packTask({ numTasks, taskIndex }: { numTasks: number; taskIndex: number }): TaskPart | undefined {
  return numTasks > 1 ? { index: taskIndex, count: numTasks } : undefined;
}

/**
 * Task `index` of `count` packs positions [start, end) of each split's packing order. The parts are
 * contiguous and in task order, so the tasks' shards read in task order hold a whole pack's records
 * in a whole pack's order.
 */
export function taskRange(length: number, { index, count }: TaskPart): TaskRange {
  return { start: Math.floor((length * index) / count), end: Math.floor((length * (index + 1)) / count), of: length };
}

/** A task's part of each split, and where the part lies in the whole split. */
export function taskSplits(
  splits: Splits,
  task: TaskPart | undefined,
): { splits: Splits; ranges?: TaskInfo['ranges'] } {
  if (!task) return { splits };
  const part = {} as Splits;
  const ranges = {} as TaskInfo['ranges'];
  for (const split of SPLIT_ORDER) {
    const range = taskRange(splits[split].length, task);
    part[split] = splits[split].subarray(range.start, range.end);
    ranges[split] = range;
  }
  return { splits: part, ranges };
}

/** Cluster schedulers that run N copies of one command tell each its index in these variables. */
const INDEX_VARIABLES = ['JOB_COMPLETION_INDEX', 'SLURM_ARRAY_TASK_ID'] as const;

/**
 * The task index a scheduler gave this process: a Kubernetes Indexed Job's JOB_COMPLETION_INDEX, or
 * a Slurm array's SLURM_ARRAY_TASK_ID counted from SLURM_ARRAY_TASK_MIN (so `--array=1-3` works).
 */
export function taskIndexFromEnvironment(count: number, env: NodeJS.ProcessEnv = process.env): number {
  const variable = INDEX_VARIABLES.find((name) => env[name] !== undefined && env[name] !== '');
  if (!variable)
    throw new OptionError(
      'taskIndex',
      undefined,
      `is required with --num-tasks ${count}, unless JOB_COMPLETION_INDEX (Kubernetes) or SLURM_ARRAY_TASK_ID (Slurm) is set`,
    );
  const first = variable === 'SLURM_ARRAY_TASK_ID' ? Number(env.SLURM_ARRAY_TASK_MIN ?? 0) : 0;
  const index = Number(env[variable]) - first;
  if (!Number.isInteger(index) || index < 0 || index >= count) {
    const from =
      first === 0 ? `${variable}=${env[variable]}` : `${variable}=${env[variable]} less SLURM_ARRAY_TASK_MIN=${first}`;
    throw new OptionError(
      'taskIndex',
      env[variable],
      `comes from ${from}, and must be an integer from 0 to ${count - 1} (--num-tasks ${count})`,
    );
  }
  return index;
}

const TASK_JOURNAL_FILE = /^pack-journal-t\d{5}\.jsonl$/;

/** The files a pack writes in its output folder: a task of a distributed pack tags each of its own. */
export class OutputFiles {
  constructor(readonly task: TaskPart | undefined) {}

  get manifest(): string {
    return this.task ? taskManifestFile(this.task.index) : MANIFEST_FILE;
  }

  get journal(): string {
    return this.task ? `pack-journal-${taskTag(this.task.index)}.jsonl` : JOURNAL_FILE;
  }

  /** Files this pack replaces when it starts over: a whole pack, every pack file; a task, its own. */
  replaces(name: string): boolean {
    const shard = SHARD_FILE.exec(name);
    if (!this.task) return shard !== null || TFDS_SHARD_FILE.test(name) || isTaskRecord(name);
    return shard?.[2] === taskTag(this.task.index) || name === this.manifest;
  }
}

/** A task's manifest or journal: the mark of a distributed pack, which a whole pack does not replace unasked. */
export function isTaskRecord(name: string): boolean {
  return TASK_MANIFEST_FILE.test(name) || TASK_JOURNAL_FILE.test(name);
}
