import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { errorData, errorFromData, isKnownError, OptionError, ShardlineError } from '@shardline/errors';

/** The error after errorData, a structured clone (as postMessage makes) and errorFromData. */
function acrossThreads(err: unknown): Error {
  return errorFromData(structuredClone(errorData(err)));
}

function thrownBy(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  assert.fail('nothing was thrown');
}

describe('errors across a thread', () => {
  test('an OptionError keeps its class, option, value, rule and flag', () => {
    const back = acrossThreads(new OptionError('csv.imageShape', [28, 28], 'must be HEIGHTxWIDTHxCHANNELS', '--shape'));
    assert.ok(back instanceof OptionError);
    assert.equal(back.code, 'ERR_OPTION');
    assert.equal(back.option, 'csv.imageShape');
    assert.deepEqual(back.value, [28, 28]);
    assert.equal(back.flag, '--shape');
    assert.equal(back.message, 'option csv.imageShape = [28, 28]: must be HEIGHTxWIDTHxCHANNELS');
  });

  test('a value that cannot be cloned travels as its text', () => {
    const back = acrossThreads(new OptionError('onProgress', () => 1, 'must be data')) as OptionError;
    assert.equal(back.value, '() => 1');
  });

  test('a ShardlineError keeps its class, code and message', () => {
    const back = acrossThreads(new ShardlineError('ERR_DATA', 'shard x.tfrecord: bad CRC at offset 12'));
    assert.ok(back instanceof ShardlineError && !(back instanceof OptionError));
    assert.equal(back.code, 'ERR_DATA');
    assert.equal(back.message, 'shard x.tfrecord: bad CRC at offset 12');
  });

  test("Node's system errors keep code, syscall and path, so they are still known errors", () => {
    const original = thrownBy(() => readFileSync('/no/such/file')) as NodeJS.ErrnoException;
    const back = acrossThreads(original) as NodeJS.ErrnoException;
    assert.ok(isKnownError(back));
    assert.deepEqual(
      [back.name, back.message, back.code, back.errno, back.syscall, back.path],
      [original.name, original.message, 'ENOENT', original.errno, 'open', '/no/such/file'],
    );
  });

  test('other errors (bugs) keep name, message and stack and stay unknown; a thrown non-error becomes its text', () => {
    const original = new TypeError('x is undefined');
    const back = acrossThreads(original);
    assert.deepEqual([back.name, back.message, back.stack], ['TypeError', 'x is undefined', original.stack]);
    assert.equal(isKnownError(back), false);
    assert.equal(acrossThreads('plain text').message, 'plain text');
  });
});
