import sharp from 'sharp';
import { type DecodeOptions, type DecodeResult, type ImageInput, decodeImage } from './decode';

// libvips is multithreaded itself; one thread per worker keeps the pool from oversubscribing cores.
sharp.concurrency(1);
sharp.cache(false);

export interface DecodeTask {
  input: ImageInput;
  options: DecodeOptions;
}

export default function decodeTask(task: DecodeTask): Promise<DecodeResult> {
  return decodeImage(task.input, task.options);
}
