import {
  type DecodeFailure,
  type DecodeOptions,
  type DecodeResult,
  decodeImage,
  type ImageInput,
} from '@shardline/images';
import { encodeImageExample } from '@shardline/shards';
import { frameRecord } from '@shardline/tfrecord';

export interface DecodeTask {
  input: ImageInput;
  options: DecodeOptions;
}

/** One image to decode and write as a record. */
export interface EncodeItem {
  input: ImageInput;
  label: number;
  className: string;
  filename: string;
}

/**
 * Several images decoded with the same options, each serialised as a tf.train.Example and framed
 * as a TFRecord (length, data, CRCs), so the writer only appends bytes. One message per batch:
 * per-message costs on both sides were a third of the parent's time.
 */
export interface EncodeTask {
  options: DecodeOptions;
  items: EncodeItem[];
}

export type EncodeResult = { ok: true; frame: Uint8Array; sourceSha256: string } | DecodeFailure;

async function encodeItem(item: EncodeItem, options: DecodeOptions): Promise<EncodeResult> {
  const image = await decodeImage(item.input, options);
  if (!image.ok) return image;
  const example = encodeImageExample(image, item.label, item.className, item.filename);
  return { ok: true, frame: frameRecord(example), sourceSha256: image.sourceSha256 ?? '' };
}

/** Files to decode one after another, timing only the decoding (a worker's ceiling). */
export interface TimingTask {
  options: DecodeOptions;
  paths: string[];
}

/** The functions a pool worker (thread or process) runs, by name. */
export const workerFunctions = {
  decode: (task: DecodeTask): Promise<DecodeResult> => decodeImage(task.input, task.options),
  /** Seconds to decode and resize the files one at a time, in this worker. */
  timeDecodes: async (task: TimingTask): Promise<number> => {
    const started = performance.now();
    for (const path of task.paths) await decodeImage({ kind: 'file', path }, task.options);
    return (performance.now() - started) / 1000;
  },
  encode: async (task: EncodeTask): Promise<EncodeResult[]> => {
    const results: EncodeResult[] = [];
    for (const item of task.items) results.push(await encodeItem(item, task.options));
    return results;
  },
};

export type WorkerFunction = keyof typeof workerFunctions;
