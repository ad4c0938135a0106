import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { OptionError } from '@shardline/errors';
import { initBackend, wasmThreadsUnavailable } from '@shardline/train/internal';

const CHILD = join(__dirname, 'helpers', 'wasm-threads-child.js');

/** Runs the child with a time limit; a process that does not exit by itself fails the test. */
function runChild(threads: number): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CHILD, String(threads)]);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d));
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

test('a thread count outside 1 to 8 is refused, naming the value', async () => {
  for (const threads of [0, 9, 1.5, Number.NaN]) {
    await assert.rejects(
      initBackend({ choice: 'wasm', threads }),
      (err: unknown) =>
        err instanceof OptionError &&
        err.option === 'threads' &&
        err.message === `option threads = ${threads}: must be an integer from 1 to 8`,
    );
  }
});

test('this machine can run wasm threads', () => {
  assert.equal(wasmThreadsUnavailable(), undefined);
});

for (const threads of [1, 2, 3]) {
  test(`wasm starts with ${threads} thread(s) in Node, computes as cpu does, leaves no patch behind and lets the process exit`, async () => {
    const { code, stdout, stderr } = await runChild(threads);
    assert.equal(code, 0, `child exited with ${code}: ${stderr}`);
    type Info = { name: string; threads: number; notes: string[] };
    const seen = JSON.parse(stdout) as {
      info: Info;
      restored: boolean;
      cpus: number;
      worstDifference: number;
      again: Info;
    };
    assert.equal(seen.info.name, 'wasm');
    assert.equal(seen.info.threads, threads, `notes: ${seen.info.notes.join('; ')}`);
    assert.deepEqual(seen.info.notes, []);
    assert.ok(seen.restored, 'URL.createObjectURL, os.cpus and the global Worker are as they were');
    assert.ok(seen.worstDifference < 1e-4, `wasm and cpu differ by ${seen.worstDifference}`);
    assert.equal(seen.again.threads, threads, 'a second start keeps the pool');
    assert.deepEqual(seen.again.notes, [
      `wasm already runs ${threads} thread(s) in this process; its pool is fixed when it starts, so ${threads + 1} cannot take effect`,
    ]);
  });
}
