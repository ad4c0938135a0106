import { readFile } from 'node:fs/promises';
import { ShardlineError } from '@shardline/errors';

/**
 * A JSON file that names its own format (`"format": "shardline-manifest/1"`), read and checked.
 * `what` names the document in errors; `missing` says what a file that cannot be read means to the user.
 */
export async function readJsonDocument<T extends { format: string }>(
  file: string,
  expected: { format: T['format']; what: string; missing: (err: Error) => string },
): Promise<T> {
  const { format, what, missing } = expected;
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
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
