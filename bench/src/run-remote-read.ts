import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { packDataset } from '@shardline/pack';
import { openStore } from '@shardline/remote';
import { readManifest, type ShardStore, splitShards } from '@shardline/shards';
import { s3Folder } from '@shardline/test-support';
import { ReadBufferPool } from '@shardline/tfrecord';
import { labelledImageGroups } from '@shardline/train/internal';
import { median } from './stats';

const FASHION_MNIST = '/usr/share/datasets/fashion-mnist';
const ROUNDS = 3;

/**
 * node bench/dist/run-remote-read.js: the training input stage (shards interleaved four at a time, a
 * shuffle buffer, records checked and decoded into pixels) over Fashion-MNIST's 60,000 training
 * images packed raw, read from the local folder, from nginx over HTTP, and from a local S3-compatible
 * server (s3rver) through the AWS SDK; rounds interleaved, medians and ratios to the local read.
 * nginx is Debian's (apt-get install nginx): without it, its row is skipped with a note.
 */
async function main(): Promise<void> {
  if (!existsSync(FASHION_MNIST)) {
    console.log(`skipped: ${FASHION_MNIST} is missing (apt-get install dataset-fashion-mnist)`);
    return;
  }
  const scratch = await mkdtemp(join(tmpdir(), 'shardline-remote-read-'));
  const stops: (() => Promise<void>)[] = [];
  try {
    const shards = join(scratch, 'shards');
    await packDataset({
      src: FASHION_MNIST,
      out: shards,
      width: 28,
      height: 28,
      colorMode: 'grayscale',
      validationSplit: 0,
    });
    const stores: Record<string, ShardStore> = { local: openStore(shards) };
    const nginx = await startNginx(shards, scratch);
    if (nginx) {
      stops.push(nginx.stop);
      stores['http (nginx)'] = openStore(nginx.url);
    } else console.log('http (nginx): skipped, nginx is not installed (apt-get install nginx)');
    const s3 = await s3Folder(shards);
    stops.push(s3.close);
    stores['s3 (s3rver, AWS SDK)'] = openStore(s3.url, { endpoint: s3.endpoint });
    const cached = openStore(nginx?.url ?? s3.url, {
      cacheDir: join(scratch, 'cache'),
      ...(nginx ? {} : { endpoint: s3.endpoint }),
    });
    await readAll(cached);
    stores[`${nginx ? 'http' : 's3'} with --cache-dir, cached`] = cached;

    const seconds = Object.fromEntries(Object.keys(stores).map((name): [string, number[]] => [name, []]));
    let images = 0;
    for (let round = 0; round < ROUNDS; round++)
      for (const [name, store] of Object.entries(stores)) {
        const started = performance.now();
        images = await readAll(store);
        seconds[name]!.push((performance.now() - started) / 1000);
      }
    const bytes = (await readManifest(shards)).splits.train!.shards.reduce((n, s) => n + s.bytes, 0);
    const local = images / median(seconds.local!);
    console.log(
      `\n${images} images, ${(bytes / 2 ** 20).toFixed(1)} MiB of raw 28x28 shards; medians of ${ROUNDS} interleaved rounds`,
    );
    console.log('read from                     images/s      MiB/s   x local');
    for (const [name, runs] of Object.entries(seconds)) {
      const rate = images / median(runs);
      const mib = bytes / 2 ** 20 / median(runs);
      console.log(
        `${name.padEnd(28)} ${rate.toFixed(0).padStart(9)} ${mib.toFixed(1).padStart(10)} ${(rate / local).toFixed(2).padStart(9)}`,
      );
    }
  } finally {
    for (const stop of stops) await stop();
    await rm(scratch, { recursive: true, force: true });
  }
}

/** Images of the train split through the input stage, as one training epoch reads them. */
async function readAll(store: ShardStore): Promise<number> {
  const manifest = await readManifest(store);
  const bufferPool = new ReadBufferPool();
  let count = 0;
  const groups = labelledImageGroups(splitShards(store, manifest, 'train'), manifest, {
    cycleLength: 4,
    shuffleBuffer: 1024,
    seed: 1,
    bufferPool,
  });
  for await (const group of groups)
    for (const image of group) {
      count++;
      image.lease?.release();
    }
  return count;
}

async function startNginx(
  root: string,
  scratch: string,
): Promise<{ url: string; stop: () => Promise<void> } | undefined> {
  const binary = ['/usr/sbin/nginx', '/usr/bin/nginx'].find((path) => existsSync(path));
  if (!binary) return undefined;
  const port = await freePort();
  const prefix = join(scratch, 'nginx');
  const conf = join(scratch, 'nginx.conf');
  await writeFile(
    conf,
    `daemon off; worker_processes 1; pid ${prefix}.pid; error_log ${prefix}-error.log;
events {}
http { access_log off; sendfile on; client_body_temp_path ${scratch}; proxy_temp_path ${scratch};
  fastcgi_temp_path ${scratch}; uwsgi_temp_path ${scratch}; scgi_temp_path ${scratch};
  server { listen 127.0.0.1:${port}; root ${root}; } }\n`,
  );
  const child = spawn(binary, ['-c', conf, '-p', scratch], { stdio: 'ignore' });
  await sleep(300);
  return {
    url: `http://127.0.0.1:${port}/`,
    stop: async () => {
      child.kill();
      await new Promise((resolve) => child.once('exit', resolve));
    },
  };
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

void main();
