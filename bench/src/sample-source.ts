import { existsSync } from 'node:fs';
import { generateSample } from '@shardline/sample';

/** The benches' default source: the embedded sample dataset, generated on first use. */
export const SAMPLE_SOURCE = 'data/shapes';

/** Generates the sample dataset at src if nothing is there; called after the options are checked. */
export async function sampleIfMissing(src: string, log: (message: string) => void): Promise<void> {
  if (existsSync(src)) return;
  log(`${src} not found: generating the sample dataset there`);
  await generateSample({ out: src, count: 2000, width: 320, height: 240, seed: 1 });
}
