import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { appendFileSync, readFileSync, renameSync, rmSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { tempDir } from '@shardline/test-support';
import { fileSaveHandler, initBackend, loadModel, loadTrainedModel } from '@shardline/train/internal';
import * as tf from '@tensorflow/tfjs';
import { tinyCnn } from './helpers/tiny-cnn';

const SAVER = join(__dirname, 'helpers', 'checkpoint-saver-child.js');

/** Starts the saver child on dir, lets it save at least once, then kills it (SIGKILL) after delayMs. */
async function killWhileSaving(dir: string, delayMs: number): Promise<void> {
  const child = spawn(process.execPath, [SAVER, dir], { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise((resolve) => child.on('exit', resolve));
  await new Promise<void>((resolve, reject) => {
    child.stdout.once('data', () => resolve());
    child.on('exit', (code) => reject(new Error(`saver exited with ${code} before saving`)));
  });
  await new Promise((resolve) => setTimeout(resolve, delayMs));
  child.kill('SIGKILL');
  await exited;
}

describe('checkpoints', () => {
  before(async () => {
    await initBackend({ choice: 'cpu' });
  });

  test('a kill at any moment of a save leaves a checkpoint that loads whole', async () => {
    const dir = join(tempDir(), 'checkpoint');
    const epochs: number[] = [];
    for (const delayMs of [0, 15, 40, 70, 110, 160, 230, 310]) {
      await killWhileSaving(dir, delayMs);
      const { model, info } = await loadTrainedModel(dir);
      assert.equal(model.countParams(), 2048 * 2048 + 2048);
      assert.equal(info.valLoss, 1 / (info.epoch! + 1), 'training.json belongs to the weights beside it');
      epochs.push(info.epoch!);
      model.dispose();
    }
    assert.ok(
      epochs.some((e) => e > 0),
      `saves went on between kills (epochs ${epochs})`,
    );
    // The narrowest moment, between the save's two renames: only DIR.previous and DIR.partial exist.
    // The last kill may itself have left a DIR.previous beside DIR (older than DIR, which just loaded).
    rmSync(`${dir}.previous`, { recursive: true, force: true });
    renameSync(dir, `${dir}.previous`);
    const { info } = await loadTrainedModel(dir);
    assert.equal(info.epoch, epochs.at(-1));
  });

  test("a model written to a full disk fails naming the file (Node's ENOSPC does not)", async () => {
    const dir = tempDir();
    const model = tinyCnn();
    symlinkSync('/dev/full', join(dir, 'weights.bin')); // refuses every write with ENOSPC
    await assert.rejects(
      model.save(fileSaveHandler(dir)),
      new RegExp(`^ShardlineError: cannot write ${dir}/weights\\.bin: ENOSPC`),
    );
  });

  function savedModel(): Promise<string> {
    const dir = tempDir();
    const model = tinyCnn();
    return model.save(fileSaveHandler(dir)).then(() => dir);
  }

  test('a weight file that is cut, or has extra bytes, is refused naming the file and both sizes', async () => {
    const dir = await savedModel();
    const weights = join(dir, 'weights.bin');
    const size = readFileSync(weights).length;
    appendFileSync(weights, Buffer.alloc(4));
    const named = (actual: number) =>
      new RegExp(
        `${weights} \\(${actual} bytes\\) hold ${actual} bytes, but its weightsManifest needs ${size}: the file was cut`,
      );
    await assert.rejects(loadModel(join(dir, 'model.json')), named(size + 4));
    truncateSync(weights, 0);
    await assert.rejects(loadModel(join(dir, 'model.json')), named(0));
    writeFileSync(weights, Buffer.alloc(size));
    const loaded = await loadModel(join(dir, 'model.json'));
    assert.equal(tf.util.sizeFromShape(loaded.getWeights()[0]!.shape) > 0, true);
  });
});
