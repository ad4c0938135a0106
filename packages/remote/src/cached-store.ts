import { createHash, randomBytes } from 'node:crypto';
import { mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { type ExpectedFile, hashSource, ShardMismatchError, type ShardStore } from '@shardline/shards';
import { type ByteSource, type Chunk, fileSource, type ReadBufferPool } from '@shardline/tfrecord';

/**
 * A remote store whose shards are kept on local disk once fetched, by the SHA-256 the manifest gives
 * them (`cacheDir/<sha256>`). A shard streams from the server while it is written under a temporary
 * name, and is renamed into the cache only once read whole with that hash. A cached file is read
 * locally once this process has checked its size and hash; a wrong one is fetched again.
 */
export function cachedStore(remote: ShardStore, cacheDir: string): ShardStore {
  const checked = new Set<string>();
  return {
    location: remote.location,
    describe: (name) => remote.describe(name),
    readText: (name) => remote.readText(name),
    source: (name, expected) =>
      expected
        ? cachedSource(remote.source(name, expected), join(cacheDir, expected.sha256), expected, checked)
        : remote.source(name),
  };
}

function cachedSource(remote: ByteSource, file: string, expected: ExpectedFile, checked: Set<string>): ByteSource {
  return {
    name: remote.name,
    size: async () => ((await isCached(file, expected, checked)) ? expected.bytes : remote.size()),
    chunks: (pool) => cachedChunks(remote, file, expected, checked, pool),
  };
}

async function* cachedChunks(
  remote: ByteSource,
  file: string,
  expected: ExpectedFile,
  checked: Set<string>,
  pool: ReadBufferPool | undefined,
): AsyncGenerator<Chunk> {
  if (await isCached(file, expected, checked)) yield* fileSource(file).chunks(pool);
  else yield* fetchedIntoCache(remote, file, expected, pool);
}

async function isCached(file: string, expected: ExpectedFile, checked: Set<string>): Promise<boolean> {
  if (checked.has(file)) return true;
  const size = await stat(file).then(
    (s) => s.size,
    () => undefined,
  );
  if (size !== expected.bytes) return false;
  if ((await hashSource(fileSource(file))).sha256 !== expected.sha256) {
    await rm(file, { force: true });
    return false;
  }
  checked.add(file);
  return true;
}

/** The remote bytes, written to the cache as they pass; a read stopped early leaves nothing behind. */
async function* fetchedIntoCache(
  remote: ByteSource,
  file: string,
  expected: ExpectedFile,
  pool: ReadBufferPool | undefined,
): AsyncGenerator<Chunk> {
  await mkdir(dirname(file), { recursive: true });
  const temp = `${file}.partial-${randomBytes(6).toString('hex')}`;
  const handle = await open(temp, 'w');
  const hash = createHash('sha256');
  let whole = false;
  try {
    for await (const chunk of remote.chunks(pool)) {
      hash.update(chunk.bytes);
      // Written before it is handed on: the reader may give a pooled buffer back as soon as it has it.
      await handle.write(chunk.bytes);
      yield chunk;
    }
    whole = true;
  } finally {
    await handle.close();
    if (!whole) await rm(temp, { force: true });
  }
  if (hash.digest('hex') !== expected.sha256) {
    await rm(temp, { force: true });
    throw new ShardMismatchError(remote.name, 'its SHA-256 differs from the one in manifest.json');
  }
  await rename(temp, file);
}
