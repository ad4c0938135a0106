import type { ImageRecord } from './image-record';
import type { Manifest, ShardInfo } from './manifest';

/** What is wrong with a record of this shard folder, or undefined: its label, shape and payload must be the manifest's. */
export function recordProblem(manifest: Manifest, record: ImageRecord): string | undefined {
  const { width, height, channels, payload } = manifest.image;
  const name = record.filename ? `image ${record.filename}` : 'image';
  if (!(record.label >= 0 && record.label < manifest.classes.length))
    return `${name} has label ${record.label}, but the manifest lists ${manifest.classes.length} classes`;
  if (record.width !== width || record.height !== height || record.channels !== channels) {
    return `${name} is ${record.width}x${record.height}x${record.channels}, but the manifest says ${width}x${height}x${channels}`;
  }
  if (record.format !== payload) return `${name} has a ${record.format} payload, but the manifest says ${payload}`;
  const pixels = width * height * channels;
  if (payload === 'raw' && record.encoded.length !== pixels)
    return `${name} has ${record.encoded.length} raw pixel bytes, expected ${width}x${height}x${channels}`;
  return undefined;
}

/** Counts one shard's records per class, to hold against what the manifest lists for it. */
export class ShardTally {
  readonly classCounts: number[];

  constructor(readonly info: ShardInfo) {
    this.classCounts = new Array<number>(info.classCounts.length).fill(0);
  }

  add(label: number): void {
    this.classCounts[label]!++;
  }

  get records(): number {
    return this.classCounts.reduce((a, b) => a + b, 0);
  }

  /** How the shard's records differ from the manifest, or undefined once they match. */
  mismatch(): string | undefined {
    const { info } = this;
    if (this.records !== info.records) return `holds ${this.records} records, but manifest.json lists ${info.records}`;
    if (this.classCounts.some((n, label) => n !== info.classCounts[label]))
      return `holds [${this.classCounts}] records per class, but manifest.json lists [${info.classCounts}]`;
    return undefined;
  }
}

/** Adds per-class counts into a running total. */
export function addCounts(total: number[], counts: readonly number[]): void {
  for (const [label, n] of counts.entries()) total[label] = (total[label] ?? 0) + n;
}
