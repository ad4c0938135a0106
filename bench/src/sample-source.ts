import { existsSync } from 'node:fs';
import type { OptionSpec } from '@shardline/options';
import { generateSample, SAMPLE_OPTIONS } from '@shardline/sample';

/** The benches' default source: the embedded sample dataset, generated on first use. */
export const SAMPLE_SOURCE = SAMPLE_OPTIONS.out.default!;

export const SOURCE_OPTION: OptionSpec<string> = {
  kind: 'string',
  default: SAMPLE_SOURCE,
  describe:
    'Class-folder image source (the sample dataset is generated there if missing), or a pixel CSV (then the directory rows and the peer are skipped)',
};

/** Options of a bench that reads the sample dataset. */
export interface SampleSourceOptions {
  /** Class-folder images. Defaults to SAMPLE_SOURCE. */
  src: string;
  /** Generate the sample dataset at src if nothing is there. Defaults to true. */
  sampleIfMissing: boolean;
  onProgress?: (message: string) => void;
}

export const SAMPLE_IF_MISSING_OPTION: OptionSpec<boolean> = {
  kind: 'boolean',
  default: true,
  describe: 'Generate the sample dataset at --src if nothing is there (--no-sample-if-missing: fail instead)',
};

/** Generates the sample dataset at src if nothing is there; called after the options are checked. */
export async function sampleIfMissing(src: string, log: (message: string) => void): Promise<void> {
  if (existsSync(src) || /\.csv$/i.test(src)) return;
  log(`${src} not found: generating the sample dataset there`);
  await generateSample({ out: src });
}
