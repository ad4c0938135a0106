import assert from 'node:assert/strict';
import { test } from 'node:test';
import { progressBar } from '@shardline/cli/dist/progress';

/** What the bar writes to stderr while `fn` runs (not a terminal here: a line at start and at stop). */
function stderrOf(fn: () => void): string {
  const write = process.stderr.write;
  let text = '';
  process.stderr.write = ((chunk: string | Uint8Array) => {
    text += String(chunk);
    return true;
  }) as typeof process.stderr.write;
  try {
    fn();
  } finally {
    process.stderr.write = write;
  }
  return text;
}

test('stop shows the last update, even one held back for coming within a tenth of a second of the one before', () => {
  const output = stderrOf(() => {
    const bar = progressBar('pack', 5000);
    for (let done = 1; done <= 5000; done++) bar.update(done, { note: done === 5000 ? ' | 3 skipped' : '' });
    bar.stop();
  });
  const lines = output.split(/[\r\n]+/).filter(Boolean);
  assert.match(lines.at(-1)!, /100% \| 5000\/5000 images \| [\d.]+ images\/s \| ETA 0s \| 3 skipped/);
});
