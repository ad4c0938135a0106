import { readFile, writeFile } from 'node:fs/promises';
import { ShardlineError } from '@shardline/errors';
import type { RecordLocation } from './writer';

/**
 * Per-shard offset index in the plain-text format NVIDIA DALI's tfrecord2idx and
 * the `tfrecord` PyTorch package use: one "offset frame_bytes" line per record.
 */
export function formatIndex(locations: Iterable<RecordLocation>): string {
  let text = '';
  for (const { offset, frameBytes } of locations) text += `${offset} ${frameBytes}\n`;
  return text;
}

export async function writeIndex(file: string, locations: Iterable<RecordLocation>): Promise<void> {
  await writeFile(file, formatIndex(locations));
}

export async function readIndex(file: string): Promise<RecordLocation[]> {
  return parseIndex(await readFile(file, 'utf8'), file);
}

/** An index file's text; errors name `file`, a path or URL. */
export function parseIndex(text: string, file: string): RecordLocation[] {
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line, i) => {
      const [offset, frameBytes] = line.trim().split(/\s+/).map(Number);
      if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(frameBytes))
        throw new ShardlineError('ERR_DATA', `${file}:${i + 1}: malformed index line '${line}'`);
      return { offset: offset as number, frameBytes: frameBytes as number };
    });
}
