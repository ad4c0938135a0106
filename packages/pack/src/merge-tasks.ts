import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { ShardlineError } from '@shardline/errors';
import {
  checkShardFiles,
  type Manifest,
  readManifest,
  readManifestFile,
  type ShardRef,
  SPLIT_ORDER,
  type SplitName,
  type TaskInfo,
  taskManifestFile,
  taskManifestNames,
  tfdsName,
  totalRecords,
  writeManifest,
  writeTfdsMetadata,
} from '@shardline/shards';
import { fileSource } from '@shardline/tfrecord';
import { summarizeSplit } from './pack';
import { moveShards, tfdsRenames } from './tfds-names';

interface TaskManifest {
  name: string;
  manifest: Manifest & { task: TaskInfo };
}

/**
 * Combines the task manifests of a distributed pack (`pack --num-tasks N`) in `dir` into its
 * manifest.json, which train, verify and TensorFlow readers use, gives the shards their TFDS names
 * (numbered across the tasks, in task order) and writes TFDS's metadata. Refuses, naming the file,
 * tasks made with other options or another task count, tasks missing or not finished, inputs packed
 * twice or by no task, and shard files missing or of the wrong size. The task manifests are removed
 * last; merge run again on a merged folder returns its manifest, and on one stopped part way
 * through, finishes it.
 */
export async function mergeTasks(dir: string): Promise<Manifest> {
  const names = taskManifestNames(dir);
  if (names.length === 0) return mergedBefore(dir);
  const tasks = await Promise.all(names.map(async (name) => taskManifest(dir, name)));
  checkSameJob(dir, tasks);
  checkEveryInputOnce(dir, tasks);
  const manifest = mergedManifest(tasks.map((t) => t.manifest));
  if (totalRecords(manifest) === 0)
    throw new ShardlineError('ERR_INPUT', `the tasks in ${dir} skipped every input, so there is nothing to merge`);
  const datasetName = manifest.datasetName ?? tfdsName(basename(resolve(dir)));
  const { named, renames } = tfdsRenames(manifest.splits, datasetName, manifest.compression);
  const newNames = new Map(renames.map(([from, to]) => [from.file, to.file]));
  for (const { name, manifest: task } of tasks) await checkShardFiles(shardRefs(dir, task, newNames), name);
  await moveShards(dir, renames);
  const merged = { ...manifest, splits: named };
  await writeTfdsMetadata(dir, merged);
  await writeManifest(dir, merged);
  for (const name of names) await rm(join(dir, name), { force: true });
  return merged;
}

async function mergedBefore(dir: string): Promise<Manifest> {
  const merged = await readManifest(dir).catch(() => undefined);
  if (merged && !merged.task) return merged;
  throw new ShardlineError(
    'ERR_INPUT',
    `${dir} holds no task manifests (${taskManifestFile(0)}, ...): 'shardline pack --num-tasks N --task-index I --out ${dir}' writes them`,
  );
}

/** A task's shards where they are now: under the name the task gave them, or under the new one if a stopped merge moved them. */
function shardRefs(dir: string, manifest: Manifest, newNames: Map<string, string>): ShardRef[] {
  return SPLIT_ORDER.flatMap((split) => manifest.splits[split]?.shards ?? []).map((info) => {
    const path = join(dir, info.file);
    const current = existsSync(path) ? path : join(dir, newNames.get(info.file) ?? info.file);
    return { path: current, info, source: fileSource(current) };
  });
}

async function taskManifest(dir: string, name: string): Promise<TaskManifest> {
  const manifest = await readManifestFile(dir, name);
  const { task } = manifest;
  if (!task)
    throw new ShardlineError('ERR_DATA', `${join(dir, name)} has no 'task' field: pack --num-tasks did not write it`);
  if (taskManifestFile(task.index) !== name)
    throw new ShardlineError(
      'ERR_DATA',
      `${join(dir, name)} is the manifest of task ${task.index}, so its name should be ${taskManifestFile(task.index)}`,
    );
  return { name, manifest: { ...manifest, task } };
}

function checkSameJob(dir: string, tasks: TaskManifest[]): void {
  const [first] = tasks as [TaskManifest];
  const { count } = first.manifest.task;
  for (const { name, manifest } of tasks) {
    if (manifest.fingerprint !== first.manifest.fingerprint || manifest.task.count !== count)
      throw new ShardlineError(
        'ERR_INPUT',
        `${join(dir, name)} and ${first.name} come from different pack jobs (other source, options or --num-tasks): remove the stale one, or pack again into an empty folder`,
      );
  }
  const present = new Set(tasks.map((t) => t.manifest.task.index));
  const missing = Array.from({ length: count }, (_, index) => index).filter((index) => !present.has(index));
  if (missing.length > 0) {
    const shown = missing.slice(0, 10).join(', ') + (missing.length > 10 ? ', ...' : '');
    throw new ShardlineError(
      'ERR_INPUT',
      `${missing.length} of the ${count} tasks in ${dir} have not finished (task ${shown}: no ${taskManifestFile(missing[0]!)}); run them, then merge again`,
    );
  }
}

/** The tasks' parts of each split follow one another from the first input to the last, and each task accounts for every input of its part. */
function checkEveryInputOnce(dir: string, tasks: TaskManifest[]): void {
  for (const split of SPLIT_ORDER) {
    let next = 0;
    const of = tasks[0]!.manifest.task.ranges[split].of;
    for (const { name, manifest } of tasks) {
      const { start, end } = manifest.task.ranges[split];
      const file = join(dir, name);
      if (start !== next || end < start || manifest.task.ranges[split].of !== of)
        throw new ShardlineError(
          'ERR_DATA',
          `${file} packed inputs ${start} to ${end} of split ${split}, but the tasks before it reached ${next} (of ${of}): inputs would be packed twice or not at all`,
        );
      const accounted = accountedInputs(manifest, split);
      if (accounted !== end - start)
        throw new ShardlineError(
          'ERR_DATA',
          `${file} records and skips ${accounted} inputs of split ${split}, but its part holds ${end - start}`,
        );
      next = end;
    }
    if (next !== of)
      throw new ShardlineError('ERR_DATA', `the tasks in ${dir} packed ${next} of the ${of} inputs of split ${split}`);
  }
}

function accountedInputs(manifest: Manifest, split: SplitName): number {
  const skipped = manifest.skipped.filter((s) => s.split === split).length;
  return (manifest.splits[split]?.records ?? 0) + skipped;
}

/** One manifest for the whole job: each split's shards in task order, so they hold one pack's records in its order. */
function mergedManifest(manifests: Manifest[]): Manifest {
  const { task: _task, ...first } = manifests[0]!;
  const splits: Manifest['splits'] = {};
  for (const split of SPLIT_ORDER) {
    const shards = manifests.flatMap((m) => m.splits[split]?.shards ?? []);
    if (shards.length > 0) splits[split] = summarizeSplit(shards, first.classes.length);
  }
  return {
    ...first,
    createdAt: new Date().toISOString(),
    splits,
    skipped: manifests.flatMap((m) => m.skipped),
    crossSplitDuplicates: manifests.flatMap((m) => m.crossSplitDuplicates ?? []),
  };
}
