import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Every test finds shared data through these paths (packages/test-support/dist -> the repository root). */
export const REPO_ROOT = join(__dirname, '..', '..', '..');
/** Real TensorFlow-written files beside the repository: ../shared/testdata/tfrecord. */
export const SHARED_TFRECORDS = join(REPO_ROOT, '..', 'shared', 'testdata', 'tfrecord');
/** Real files kept in the repository: packages/test-support/fixtures (see its README). */
export const FIXTURES = join(__dirname, '..', 'fixtures');
/** The built command line. */
export const CLI = join(REPO_ROOT, 'packages', 'cli', 'dist', 'main.js');

const createdDirs: string[] = [];
process.on('exit', () => {
  for (const dir of createdDirs) rmSync(dir, { recursive: true, force: true });
});

/** A fresh temporary directory removed when the process exits. */
export function tempDir(prefix = 'shardline-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  createdDirs.push(dir);
  return dir;
}

export async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}
