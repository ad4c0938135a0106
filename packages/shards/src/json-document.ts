import { readFile } from 'node:fs/promises';
import { ShardlineError } from '@shardline/errors';

/**
 * A JSON file that names its own format (`"format": "shardline-manifest/1"`), read and checked.
 * `what` names the document in errors; `missing` says what a file that cannot be read means to the user;
 * `read` reads it (by default from the local file `file`).
 */
export async function readJsonDocument<T extends { format: string }>(
  file: string,
  expected: { format: T['format']; what: string; missing: (err: Error) => string },
  read: () => Promise<string> = () => readFile(file, 'utf8'),
): Promise<T> {
  const { format, what, missing } = expected;
  let text: string;
  try {
    text = await read();
  } catch (err) {
    // A remote store's errors name the URL and the cause already.
    if (err instanceof ShardlineError && !isMissing(err)) throw err;
    throw new ShardlineError('ERR_INPUT', missing(err as Error));
  }
  let document: T;
  try {
    document = JSON.parse(text) as T;
  } catch (err) {
    throw new ShardlineError('ERR_DATA', `${file} is not valid JSON: ${(err as Error).message}`);
  }
  if (document?.format !== format)
    throw new ShardlineError(
      'ERR_DATA',
      `${file}: unknown ${what} format '${String(document?.format)}' (expected ${format})`,
    );
  return document;
}

/** A file that is not there: a local ENOENT, or a remote store's 404 (an error with `status` 404). */
export function isMissing(err: unknown): boolean {
  return (err as NodeJS.ErrnoException).code === 'ENOENT' || (err as { status?: number }).status === 404;
}
