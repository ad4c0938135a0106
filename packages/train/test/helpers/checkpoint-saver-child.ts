/**
 * Run as its own process by the checkpoint tests: saves a 16 MB model as a checkpoint over and
 * over into the folder given, printing "saved" after each save, until it is killed.
 */

import { initBackend, saveTrainedModel } from '@shardline/train';
import * as tf from '@tensorflow/tfjs';

async function main(): Promise<void> {
  await initBackend({ choice: 'cpu' });
  const model = tf.sequential({ layers: [tf.layers.dense({ inputShape: [2048], units: 2048 })] });
  const image = { width: 1, height: 1, channels: 1 as const, colorMode: 'grayscale' as const, payload: 'raw' as const };
  for (let epoch = 0; ; epoch++) {
    await saveTrainedModel(process.argv[2]!, model, {
      classes: ['a', 'b'],
      image,
      rescale: 1,
      epoch,
      valLoss: 1 / (epoch + 1),
    });
    process.stdout.write('saved\n');
  }
}

void main();
