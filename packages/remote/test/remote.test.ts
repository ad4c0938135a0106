import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { packDataset } from '@shardline/pack';
import { openStore, RemoteError } from '@shardline/remote';
import {
  type Manifest,
  readManifest,
  type ShardStore,
  SPLIT_ORDER,
  splitShards,
  verifyShards,
} from '@shardline/shards';
import {
  CLI,
  catsAndDogs,
  type Faults,
  faultProxy,
  packDefaults,
  s3Folder,
  selfSignedCertificate,
  serveFolder,
  type TestServer,
  tempDir,
} from '@shardline/test-support';
import { ReadBufferPool, readTFRecords } from '@shardline/tfrecord';

let folder: string;
let manifest: Manifest;

before(async () => {
  folder = tempDir();
  // Shards of several read buffers each, so resuming and chunk edges are exercised mid-shard.
  ({ manifest } = await packDataset(
    packDefaults(await catsAndDogs(30, 30), folder, { width: 48, height: 48, shardBytes: 160_000 }),
  ));
});

/** Every record of every split, in order, read through `store`. */
async function allRecords(store: ShardStore | string, pool?: ReadBufferPool): Promise<Buffer[]> {
  const records: Buffer[] = [];
  for (const split of SPLIT_ORDER) {
    if (!manifest.splits[split]) continue;
    for (const shard of splitShards(store, manifest, split))
      for await (const record of readTFRecords(shard.source, { compression: 'none', bufferPool: pool })) {
        records.push(Buffer.from(record.data));
        record.lease?.release();
      }
  }
  return records;
}

async function withServer<T>(faults: Faults, use: (server: TestServer) => Promise<T>): Promise<T> {
  const server = await serveFolder(folder, faults);
  try {
    return await use(server);
  } finally {
    await server.close();
  }
}

const firstShard = () => manifest.splits.train!.shards[0]!.file;

describe('remote shards', () => {
  test('over HTTP, with and without a buffer pool, every record equals the local read', async () => {
    const local = await allRecords(folder);
    await withServer({}, async ({ url }) => {
      const store = openStore(url);
      assert.deepEqual((await readManifest(store)).splits, manifest.splits);
      assert.deepEqual(await allRecords(store), local);
      const pool = new ReadBufferPool(64 * 1024);
      assert.deepEqual(await allRecords(store, pool), local);
      assert.equal(pool.buffersIdle, pool.buffersAllocated, 'every pooled buffer comes back');
      const report = await verifyShards(store);
      assert.ok(report.ok, report.problems.join('\n'));
    });
  });

  test('a connection cut mid-shard resumes with a Range request from the byte reached', async () => {
    const local = await allRecords(folder);
    await withServer({ cutAfter: 70_000 }, async ({ url, requests }) => {
      assert.deepEqual(await allRecords(openStore(url)), local);
      const resumed = requests.filter((r) => r.method === 'GET' && r.file === firstShard() && r.start > 0);
      assert.equal(resumed.length, 1);
      assert.ok(resumed[0]!.start >= 65_536 && resumed[0]!.start <= 70_000, `resumed at ${resumed[0]!.start}`);
    });
  });

  test('503 answers are retried with backoff; a server that stalls past the timeout is dropped and asked again', async () => {
    const local = await allRecords(folder);
    await withServer({ unavailable: 2 }, async ({ url }) => {
      assert.deepEqual(await allRecords(openStore(url)), local);
    });
    await withServer({ stall: { after: 10_000, ms: 3_000 } }, async ({ url, requests }) => {
      const started = Date.now();
      const store = openStore(url, { timeout: 1 });
      const shard = splitShards(store, manifest, 'train')[0]!;
      const records = [];
      for await (const record of readTFRecords(shard.source, { compression: 'none' })) records.push(record);
      assert.equal(records.length, shard.info.records);
      assert.ok(Date.now() - started < 2_900, 'the stalled request was given up, not waited out');
      assert.ok(requests.some((r) => r.file === shard.info.file && r.start > 0));
    });
  });

  test('a server without Range support still serves every byte once', async () => {
    const local = await allRecords(folder);
    await withServer({ ignoreRange: true, cutAfter: 50_000 }, async ({ url }) => {
      assert.deepEqual(await allRecords(openStore(url)), local);
    });
  });

  test('a missing file, a server that keeps failing, and a damaged record fail naming the URL and the offset', async () => {
    await withServer({}, async ({ url }) => {
      await assert.rejects(readManifest(openStore(`${url}nothing-here/`)), /nothing-here\/manifest\.json not found/);
    });
    await withServer({ unavailable: 100 }, async ({ url }) => {
      await assert.rejects(
        readManifest(openStore(url, { retries: 2 })),
        /^RemoteError: http:\S+\/manifest\.json: HTTP 503 Service Unavailable after 2 retries \(at byte 0\)$/,
      );
      const [shard] = splitShards(openStore(url, { retries: 1 }), manifest, 'train');
      await assert.rejects(shard!.source.size(), (err: unknown) => err instanceof RemoteError && err.status === 503);
    });
    await withServer({ corrupt: { file: firstShard(), offset: 30_000 } }, async ({ url }) => {
      const [shard] = splitShards(openStore(url), manifest, 'train');
      await assert.rejects(
        (async () => {
          for await (const _ of readTFRecords(shard!.source, { compression: 'none' }));
        })(),
        new RegExp(`^TFRecordError: ${url}${firstShard()}: .*CRC.*\\(record at byte offset \\d+\\)`),
      );
    });
  });

  test('--cache-dir keeps each shard after its first read, checked against the manifest; a damaged cached copy is fetched again', async () => {
    const cache = tempDir();
    const local = await allRecords(folder);
    const shardFiles = Object.values(manifest.splits).flatMap((s) => s!.shards);
    await withServer({}, async ({ url, requests }) => {
      assert.deepEqual(await allRecords(openStore(url, { cacheDir: cache })), local);
      assert.deepEqual(readdirSync(cache).sort(), shardFiles.map((s) => s.sha256).sort());
      const fetched = requests.filter((r) => r.method === 'GET').length;
      assert.deepEqual(await allRecords(openStore(url, { cacheDir: cache })), local);
      assert.equal(
        requests.filter((r) => r.method === 'GET').length,
        fetched,
        'the second read is served from the cache',
      );
      const damaged = join(cache, shardFiles[0]!.sha256);
      const bytes = readFileSync(damaged);
      bytes[100]! ^= 1;
      writeFileSync(damaged, bytes);
      assert.deepEqual(await allRecords(openStore(url, { cacheDir: cache })), local);
      assert.equal(
        requests.filter((r) => r.method === 'GET').length,
        fetched + 1,
        'only the damaged shard is fetched again',
      );
    });
  });

  test('a shard whose bytes differ from the manifest is not cached', async () => {
    const cache = tempDir();
    await withServer({ corrupt: { file: firstShard(), offset: 40 } }, async ({ url }) => {
      const [shard] = splitShards(openStore(url, { cacheDir: cache }), manifest, 'train');
      await assert.rejects(
        (async () => {
          for await (const _ of readTFRecords(shard!.source, { compression: 'none', verifyCrc: false }));
        })(),
        /SHA-256 differs from the one in manifest\.json/,
      );
      assert.deepEqual(readdirSync(cache), []);
    });
  });

  test('over S3 (a local S3-compatible server, through the AWS SDK), every record equals the local read', async () => {
    const s3 = await s3Folder(folder);
    try {
      const store = openStore(s3.url, { endpoint: s3.endpoint });
      assert.deepEqual(await allRecords(store), await allRecords(folder));
      assert.ok((await verifyShards(store)).ok);
      await assert.rejects(
        readManifest(openStore('s3://shards/elsewhere/', { endpoint: s3.endpoint })),
        /s3:\/\/shards\/elsewhere\/manifest\.json not found/,
      );
    } finally {
      await s3.close();
    }
  });

  test('over S3, a 503 and a connection cut mid-object are retried, the cut resumed with a Range request', async () => {
    const s3 = await s3Folder(folder);
    const proxy = await faultProxy(s3.endpoint, { unavailable: 1, cutAfter: 70_000 });
    try {
      assert.deepEqual(await allRecords(openStore(s3.url, { endpoint: proxy.url })), await allRecords(folder));
      const shard = `/shards/pack/${firstShard()}`;
      assert.ok(proxy.requests.some((r) => r.file === shard && r.status === 503));
      const resumed = proxy.requests.filter((r) => r.file === shard && r.method === 'GET' && r.start > 0);
      assert.equal(resumed.length, 1);
      assert.ok(resumed[0]!.start >= 65_536 && resumed[0]!.start <= 70_000, `resumed at ${resumed[0]!.start}`);
    } finally {
      await proxy.close();
      await s3.close();
    }
  });

  test('over HTTPS, a certificate trusted through NODE_EXTRA_CA_CERTS is read; an untrusted one fails at once, naming the URL', async (t) => {
    const certificate = selfSignedCertificate();
    if (!certificate) return t.skip('openssl is not installed');
    const server = await serveFolder(folder, {}, certificate);
    try {
      const trusted = await cli(['verify', server.url], { NODE_EXTRA_CA_CERTS: certificate.certFile });
      assert.match(trusted.stdout, /OK: \d+ records, every CRC valid/);
      const started = Date.now();
      const untrusted = await cli(['verify', server.url], {});
      assert.notEqual(untrusted.code, 0);
      assert.match(
        untrusted.stderr,
        new RegExp(`${server.url}manifest\\.json: self[- ]signed certificate \\(at byte 0\\)`),
      );
      assert.ok(Date.now() - started < 5_000, 'a certificate error is not retried');
    } finally {
      await server.close();
    }
  });

  test('S3 with no credentials anywhere fails at once, naming the URL', async () => {
    const env = {
      AWS_ACCESS_KEY_ID: '',
      AWS_SECRET_ACCESS_KEY: '',
      AWS_PROFILE: '',
      HOME: tempDir(),
      AWS_EC2_METADATA_DISABLED: 'true',
    };
    const run = await cli(['verify', 's3://shards/pack/', '--endpoint', 'http://127.0.0.1:9'], env);
    assert.notEqual(run.code, 0);
    assert.match(
      run.stderr,
      /s3:\/\/shards\/pack\/manifest\.json: Could not load credentials from any providers \(at byte 0\)/,
    );
  });

  test('options that apply to remote shards only are refused for a local folder', () => {
    assert.throws(
      () => openStore(folder, { cacheDir: tempDir() }),
      /cacheDir .* applies to http\(s\):\/\/ and s3:\/\//,
    );
    assert.throws(() => openStore('http://x/', { endpoint: 'http://y' }), /endpoint .* applies to s3:\/\//);
    assert.ok(!existsSync(join(folder, 'nothing')));
  });
});

after(() => undefined);

/** Runs the CLI without blocking this process, which serves the shards. */
function cli(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { env: { ...process.env, ...env } }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}
