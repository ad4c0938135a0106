import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { JOURNAL_FILE } from '@shardline/pack';
import { generateSample } from '@shardline/sample';
import { MANIFEST_FILE, readManifestFile, taskManifestFile } from '@shardline/shards';
import { CLI, collect, tempDir } from '@shardline/test-support';
import { readTFRecords } from '@shardline/tfrecord';

/** A whole pack, and task 1 of 2 of a distributed pack, which keeps a journal and a manifest of its own. */
const JOBS = [
  { what: 'pack', flags: [], journal: JOURNAL_FILE, manifest: MANIFEST_FILE },
  {
    what: 'task of a distributed pack',
    flags: ['--num-tasks', '2', '--task-index', '1'],
    journal: 'pack-journal-t00001.jsonl',
    manifest: taskManifestFile(1),
  },
];

for (const { what, flags, journal, manifest } of JOBS) {
  const packArgs = (src: string, out: string): string[] => [
    CLI,
    'pack',
    '--src',
    src,
    '--out',
    out,
    '--image-size',
    '32',
    '--shard-size',
    '8KiB',
    '--workers',
    '1',
    // The two folders' shards are compared by name.
    '--dataset-name',
    'resumed',
    ...flags,
  ];
  const journalEntries = (out: string): number => {
    const file = join(out, journal);
    return existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean).length - 1 : 0;
  };

  test(`a killed ${what} leaves no half shard that looks valid, and re-running finishes the same job`, async () => {
    const src = tempDir();
    await generateSample({ out: src, count: 240, width: 160, height: 120, seed: 3 });
    const [killed, clean] = [tempDir(), tempDir()];

    const child = spawn(process.execPath, packArgs(src, killed), { stdio: 'ignore' });
    while (journalEntries(killed) < 5 && child.exitCode === null) await sleep(2);
    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('exit', resolve));
    assert.equal(existsSync(join(killed, manifest)), false, 'the run was killed before it finished');

    // Every file that carries a final shard name is complete and valid.
    for (const file of readdirSync(killed).filter((f) => f.endsWith('.tfrecord'))) {
      await collect(readTFRecords(join(killed, file)));
    }

    const rerun = spawnSync(process.execPath, packArgs(src, killed), { encoding: 'utf8' });
    assert.equal(rerun.status, 0, rerun.stderr);
    assert.match(rerun.stdout, /Resumed an interrupted run: \d+ images were already packed/);
    assert.equal(spawnSync(process.execPath, packArgs(src, clean)).status, 0);

    const [resumed, reference] = [await readManifestFile(killed, manifest), await readManifestFile(clean, manifest)];
    assert.deepEqual(resumed.splits, reference.splits);
    assert.deepEqual(resumed.task, reference.task);
    assert.equal(existsSync(join(killed, journal)), false);
    assert.deepEqual(
      readdirSync(killed).filter((f) => f.endsWith('.partial')),
      [],
    );
  });
}
