import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatTrainBench, peerUnavailable, runTrainBench, trainBenchJsonLines } from '@shardline/bench';
import { tempDir } from '@shardline/test-support';

test('bench train measures each thread count in its own process, and splits a step by kernel', async () => {
  const report = await runTrainBench({ models: ['demo'], threads: 2, rounds: 1, runs: 1, peer: 'none' });
  assert.deepEqual(
    report.rows.map((r) => [r.model, r.threads]),
    [
      ['demo', 1],
      ['demo', 2],
    ],
  );
  assert.ok(report.rows.every((r) => r.imagesPerSecond > 0 && r.peerImagesPerSecond === undefined));
  assert.equal(report.peerNote, 'peer skipped (--peer none)');
  assert.deepEqual(
    report.profiles.map((p) => [p.model, p.threads]),
    [['demo', 2]],
    'the profile ran with 2 threads',
  );
  const kernels = report.profiles[0]!.profile.kernels.map((k) => k.kernel);
  for (const kernel of ['Conv2D', 'Conv2DBackpropFilter', 'Conv2DBackpropInput', 'MaxPoolGrad'])
    assert.ok(
      kernels.some((k) => k.startsWith(kernel) || k === `Fused${kernel}`),
      `${kernel} in the profile`,
    );
  const table = formatTrainBench(report);
  assert.match(table, /^demo +2 +\d+\.\d +- +- +\d+\.\d\dx$/m);
  assert.match(
    table,
    /demo, one step at 2 thread\(s\): \d+ ms; kernels \d+ ms, of which Conv2D, its gradients and MatMul \d+\.\d%, everything else \d+\.\d%/,
  );
  const lines = trainBenchJsonLines(report)
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.deepEqual(
    lines.map((l) => Object.keys(l).sort()),
    [
      ['images_per_s', 'impl', 'model', 'threads'],
      ['images_per_s', 'impl', 'model', 'threads'],
    ],
  );
  assert.deepEqual(
    lines.map((l) => l.threads),
    [1, 2],
  );
});

test('bench train skips a peer that cannot run, with the reason', async () => {
  const missing = `${tempDir()}/torch_train_step.py`;
  assert.equal(await peerUnavailable(missing), `peer skipped: ${missing} not found`);
});
