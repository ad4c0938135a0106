import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { packDataset } from '@shardline/pack';
import { openStore } from '@shardline/remote';
import { type Manifest, readManifest, type ShardStore } from '@shardline/shards';
import {
  CLI,
  catsAndDogs,
  packDefaults,
  s3Folder,
  serveFolder,
  type TestServer,
  tempDir,
} from '@shardline/test-support';
import { initBackend, shardDataset } from '@shardline/train';
import * as tf from '@tensorflow/tfjs';

const run = promisify(execFile);
let folder: string;
let manifest: Manifest;
let http: TestServer;
let s3: Awaited<ReturnType<typeof s3Folder>>;

before(async () => {
  await initBackend({ choice: 'wasm' });
  folder = tempDir();
  ({ manifest } = await packDataset(
    packDefaults(await catsAndDogs(40, 36), folder, { width: 16, height: 16, shardBytes: 12_000 }),
  ));
  http = await serveFolder(folder, { cutAfter: 5_000 });
  s3 = await s3Folder(folder);
});

after(async () => {
  await http.close();
  await s3.close();
});

/** Every batch of one shuffled, interleaved epoch as plain arrays: pixels and labels. */
async function epochBatches(store: ShardStore): Promise<number[][]> {
  const options = { batchSize: 8, rescale: 1, prefetch: 2, cycleLength: 3, seed: 11, shuffleBuffer: 20 };
  const batches: number[][] = [];
  await shardDataset(store, await readManifest(store), 'train', options).forEachAsync((batch) => {
    batches.push([...batch.xs.dataSync(), ...batch.ys.dataSync()]);
    tf.dispose([batch.xs, batch.ys]);
  });
  return batches;
}

describe('training from remote shards', () => {
  test('one epoch from http:// (a connection cut in every shard) and from s3:// delivers exactly the batches of the local folder', async () => {
    const local = await epochBatches(openStore(folder));
    assert.ok(manifest.splits.train!.shards.length >= 3 && local.length >= 6);
    assert.deepEqual(await epochBatches(openStore(http.url)), local, 'http://');
    assert.ok(
      http.requests.some((r) => r.start > 0),
      'a shard was resumed mid-way',
    );
    assert.deepEqual(await epochBatches(openStore(s3.url, { endpoint: s3.endpoint })), local, 's3://');
  });

  test('shardline train and evaluate run from an http:// folder, and verify checks an s3:// one', async () => {
    const out = tempDir();
    await cli('train', '--shards', http.url, '--out', out, '--epochs', '1', '--batch-size', '16');
    const run = JSON.parse(readFileSync(join(out, 'run.json'), 'utf8'));
    assert.equal(run.shards.path, http.url);
    await cli('evaluate', '--model', join(out, 'model'), '--shards', http.url);
    const verify = await cli('verify', s3.url, '--endpoint', s3.endpoint);
    assert.match(verify, /OK: \d+ records, every CRC valid/);
  });
});

/** Runs the CLI without blocking this process, which serves the shards. */
async function cli(...args: string[]): Promise<string> {
  const { stdout } = await run(process.execPath, [CLI, ...args], { encoding: 'utf8' });
  return stdout;
}
