import {
  type DecodeFailure,
  type DecodeOptions,
  type DecodeResult,
  decodeImage,
  type ImageInput,
} from '@shardline/images';
import { encodeImageExample } from '@shardline/shards';
import sharp from 'sharp';

export interface DecodeTask {
  input: ImageInput;
  options: DecodeOptions;
}

/** Decode, then serialize the tf.train.Example too, so the writer only appends bytes. */
export interface EncodeTask extends DecodeTask {
  label: number;
  className: string;
  filename: string;
}

export type EncodeResult = { ok: true; example: Uint8Array; sourceSha256: string } | DecodeFailure;

/** The functions a pool worker (thread or process) runs, by name. */
export const workerFunctions = {
  decode: (task: DecodeTask): Promise<DecodeResult> => decodeImage(task.input, task.options),
  encode: async (task: EncodeTask): Promise<EncodeResult> => {
    const image = await decodeImage(task.input, task.options);
    return image.ok
      ? {
          ok: true,
          example: encodeImageExample(image, task.label, task.className, task.filename),
          sourceSha256: image.sourceSha256 ?? '',
        }
      : image;
  },
};

export type WorkerFunction = keyof typeof workerFunctions;

/** libvips is multithreaded itself; one thread per worker keeps the pool from oversubscribing cores. */
export function configureSharpForWorker(): void {
  sharp.concurrency(1);
  sharp.cache(false);
}
