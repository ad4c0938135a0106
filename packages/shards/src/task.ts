import type { SplitName } from './splits';

/** Task `index` of `count` in a distributed pack (`pack --num-tasks count --task-index index`). */
export interface TaskPart {
  index: number;
  count: number;
}

/** The positions [start, end) of a split's packing order that a task packed, of the `of` the whole job packs. */
export interface TaskRange {
  start: number;
  end: number;
  of: number;
}

/** What a task's manifest adds to a manifest: the task, and the part of each split it packed. */
export interface TaskInfo extends TaskPart {
  ranges: Record<SplitName, TaskRange>;
}

/** Task tags have five digits. */
export const MAX_TASKS = 100_000;

/** `t00001`: marks the files of task 1. */
export function taskTag(index: number): string {
  return `t${String(index).padStart(5, '0')}`;
}

/** A task writes its manifest here; `shardline merge` combines them into manifest.json. */
export function taskManifestFile(index: number): string {
  return `manifest-${taskTag(index)}.json`;
}

/** Task manifest names; group 1 is the task index. */
export const TASK_MANIFEST_FILE = /^manifest-t(\d{5})\.json$/;
