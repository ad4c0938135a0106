import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { OptionError } from '@shardline/errors';
import { DEFAULT_MAX_PIXELS } from '@shardline/images';
import { mergeTasks, packDataset, packOptions } from '@shardline/pack';
import { taskIndexFromEnvironment, taskRange } from '@shardline/pack/internal';
import {
  type Manifest,
  readManifest,
  SPLIT_ORDER,
  type SplitName,
  splitShards,
  taskManifestFile,
  tfdsShardName,
  verifyShards,
} from '@shardline/shards';
import { CLI, catsAndDogs, imageBytes, packDefaults, tempDir } from '@shardline/test-support';
import { readTFRecords } from '@shardline/tfrecord';

/** 23 cats and 17 dogs, three files that fail to decode and two the listing skips. */
async function sourceWithBadFiles(): Promise<string> {
  return catsAndDogs(23, 17, {
    'cats/empty.jpg': Buffer.alloc(0),
    'dogs/text.png': 'not a PNG',
    'dogs/short.ppm': Buffer.from('P6\n8 8\n255\nxx'),
    'dogs/notes.txt': 'x',
    'stray.jpg': await imageBytes('jpeg', 8, 8),
  });
}

/** Each split's records, as the bytes of each record in reading order. */
async function recordsBySplit(dir: string, manifest: Manifest): Promise<Partial<Record<SplitName, Buffer[]>>> {
  const out: Partial<Record<SplitName, Buffer[]>> = {};
  for (const split of SPLIT_ORDER) {
    if (!manifest.splits[split]) continue;
    const records: Buffer[] = [];
    for (const shard of splitShards(dir, manifest, split))
      for await (const { data } of readTFRecords(shard.path)) records.push(Buffer.from(data));
    out[split] = records;
  }
  return out;
}

const skipList = (manifest: Manifest) => manifest.skipped.map((s) => `${s.file}: ${s.reason}`).sort();

function runTask(src: string, out: string, index: number): Promise<{ status: number | null; stderr: string }> {
  const args = ['pack', '--src', src, '--out', out, '--image-size', '12x16', '--shard-size', '2KiB', '--workers', '1'];
  const child = spawn(
    process.execPath,
    [CLI, ...args, '--num-tasks', '3', '--seed', '7', '--validation-split', '0.25'],
    {
      env: { ...process.env, JOB_COMPLETION_INDEX: String(index) },
    },
  );
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  return new Promise((resolve) => child.on('close', (status) => resolve({ status, stderr })));
}

describe('distributed pack', () => {
  test('three tasks run at once, then merge, equal one pack: the same records in the same order, splits, counts and skips', async () => {
    const src = await sourceWithBadFiles();
    const [tasks, whole] = [tempDir(), tempDir()];
    const runs = await Promise.all([0, 1, 2].map((index) => runTask(src, tasks, index)));
    for (const run of runs) assert.equal(run.status, 0, run.stderr);
    await assert.rejects(readManifest(tasks), /holds 3 task manifest\(s\).*shardline merge/);
    const merge = spawnSync(process.execPath, [CLI, 'merge', tasks], { encoding: 'utf8' });
    assert.equal(merge.status, 0, merge.stderr);

    const single = await packDataset(packDefaults(src, whole, { shardBytes: 2048, maxPixels: DEFAULT_MAX_PIXELS }));
    const merged = await readManifest(tasks);
    assert.equal(merged.fingerprint, single.manifest.fingerprint);
    assert.equal(merged.task, undefined);
    for (const split of SPLIT_ORDER) {
      assert.equal(merged.splits[split]?.records, single.manifest.splits[split]?.records, split);
      assert.deepEqual(merged.splits[split]?.classCounts, single.manifest.splits[split]?.classCounts, split);
    }
    assert.deepEqual(await recordsBySplit(tasks, merged), await recordsBySplit(whole, single.manifest));
    assert.deepEqual(skipList(merged), skipList(single.manifest));
    assert.equal(merged.skipped.length, 5);
    const shards = merged.splits.train!.shards;
    assert.deepEqual(
      shards.map((shard) => shard.file),
      shards.map((_, i) => tfdsShardName(merged.datasetName!, 'train', i, shards.length, 'none')),
      "the tasks' shards are numbered in task order, as one TFDS split",
    );
    assert.deepEqual(
      readdirSync(tasks).filter((name) => /-t\d{5}|manifest-t|journal/.test(name)),
      [],
      'no task file is left',
    );
    const report = await verifyShards(tasks);
    assert.ok(report.ok, report.problems.join('\n'));
  });

  test('merge refuses a missing task, a task of another job, a part packed twice, a lost input and a damaged shard, naming the file', async () => {
    const src = await sourceWithBadFiles();
    const out = tempDir();
    const options = packDefaults(src, out, { shardBytes: 2048, numTasks: 3 });
    for (const taskIndex of [0, 1, 2]) await packDataset({ ...options, taskIndex });
    const file = join(out, taskManifestFile(1));
    const original = readFileSync(file, 'utf8');
    const edited = (edit: (m: Manifest) => void) => {
      const manifest = JSON.parse(original) as Manifest;
      edit(manifest);
      writeFileSync(file, JSON.stringify(manifest));
    };

    rmSync(file);
    await assert.rejects(mergeTasks(out), /1 of the 3 tasks .* not finished \(task 1: no manifest-t00001\.json\)/);
    edited((m) => {
      m.task!.ranges.train.start += 1;
    });
    await assert.rejects(
      mergeTasks(out),
      /manifest-t00001\.json packed inputs \d+ to \d+ of split train.*twice or not at all/,
    );
    edited((m) => {
      m.skipped = m.skipped.filter((s) => s.split === undefined);
    });
    await assert.rejects(
      mergeTasks(out),
      /manifest-t00001\.json records and skips \d+ inputs of split \w+, but its part holds \d+/,
    );
    writeFileSync(file, original);
    const shard = readManifestShard(out, 1);
    truncateSync(join(out, shard), 100);
    await assert.rejects(mergeTasks(out), new RegExp(`${shard}: 100 bytes, but manifest-t00001\\.json lists`));

    await packDataset({ ...options, taskIndex: 1, width: 8, force: true });
    await assert.rejects(
      mergeTasks(out),
      /manifest-t00001\.json and manifest-t00000\.json come from different pack jobs/,
    );
    rmSync(join(out, taskManifestFile(1)));
    rmSync(join(out, taskManifestFile(0)));
    rmSync(join(out, taskManifestFile(2)));
    await assert.rejects(mergeTasks(out), /holds no task manifests/);
  });

  test('a folder of task shards is not replaced by a whole pack or a task with other options without --force', async () => {
    const src = await sourceWithBadFiles();
    const out = tempDir();
    const options = packDefaults(src, out, { shardBytes: 2048, numTasks: 2, taskIndex: 0 });
    await packDataset(options);
    assert.equal((await packDataset(options)).alreadyComplete, true);
    await assert.rejects(packDataset({ ...options, width: 8 }), /different pack job \(manifest-t00000\.json/);
    await assert.rejects(packDataset({ ...options, numTasks: 3 }), /different pack job \(manifest-t00000\.json/);
    await assert.rejects(
      packDataset({ ...options, taskIndex: 1, width: 8 }),
      /different pack job \(manifest-t00000\.json/,
      "another task's manifest of other options",
    );
    await assert.rejects(packDataset({ ...options, numTasks: 1 }), /different pack job \(manifest-t00000\.json/);
    await packDataset({ ...options, numTasks: 1, force: true });
    assert.deepEqual(
      readdirSync(out).filter((name) => /-t\d{5}/.test(name)),
      [],
      'a whole pack with --force removes every task file',
    );
  });

  test('the task index comes from --task-index, JOB_COMPLETION_INDEX or SLURM_ARRAY_TASK_ID; a bad one names its source', () => {
    assert.equal(taskIndexFromEnvironment(3, { JOB_COMPLETION_INDEX: '2' }), 2);
    assert.equal(taskIndexFromEnvironment(3, { SLURM_ARRAY_TASK_ID: '3', SLURM_ARRAY_TASK_MIN: '1' }), 2);
    assert.throws(
      () => taskIndexFromEnvironment(3, { SLURM_ARRAY_TASK_ID: '3' }),
      /SLURM_ARRAY_TASK_ID=3, and must be an integer from 0 to 2/,
    );
    assert.throws(() => taskIndexFromEnvironment(3, { JOB_COMPLETION_INDEX: 'x' }), /JOB_COMPLETION_INDEX=x/);
    assert.throws(
      () => taskIndexFromEnvironment(3, {}),
      (err: unknown) => err instanceof OptionError && /is required with --num-tasks 3/.test(err.message),
    );
    assert.throws(
      () => packOptions({ src: 'a', out: 'b', numTasks: 2, taskIndex: 2 }),
      /taskIndex = 2: must be below --num-tasks \(2\)/,
    );
    const saved = process.env.SLURM_ARRAY_TASK_ID;
    process.env.SLURM_ARRAY_TASK_ID = '7';
    try {
      assert.equal(packOptions({ src: 'a', out: 'b' }).taskIndex, 0, 'a whole pack inside an array job is task 0');
      assert.equal(packOptions({ src: 'a', out: 'b', numTasks: 8 }).taskIndex, 7);
    } finally {
      if (saved === undefined) delete process.env.SLURM_ARRAY_TASK_ID;
      else process.env.SLURM_ARRAY_TASK_ID = saved;
    }
  });

  test('task parts are contiguous, in task order, differ by one input at most and cover every input once', () => {
    for (const [length, count] of [
      [0, 3],
      [2, 3],
      [10, 3],
      [1001, 7],
      [5, 5],
    ] as const) {
      let next = 0;
      for (let index = 0; index < count; index++) {
        const { start, end, of } = taskRange(length, { index, count });
        assert.equal(start, next);
        assert.equal(of, length);
        assert.ok(end - start >= Math.floor(length / count) && end - start <= Math.ceil(length / count));
        next = end;
      }
      assert.equal(next, length);
    }
  });
});

function readManifestShard(out: string, task: number): string {
  const manifest = JSON.parse(readFileSync(join(out, taskManifestFile(task)), 'utf8')) as Manifest;
  return manifest.splits.train!.shards[0]!.file;
}
