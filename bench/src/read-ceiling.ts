import { open, readFile } from 'node:fs/promises';
import { median } from './stats';

const READ_BYTES = 1 << 20;

/**
 * The input ceiling: sequential reads of the shard bytes from the page cache. Passes are
 * taken between the timed epochs of the paths, so ceiling and paths see the same machine
 * state; one block of passes at start-up, while decode workers were still starting, read
 * 40% low and moved the "of ceiling" column by up to 2x between runs. readFile passes,
 * shown for comparison, run only at the end: the GC debt of their fresh buffers fell on
 * the next timed epoch (a full GC in most raw-shard epochs).
 */
export class ReadCeiling {
  private readonly reusedSeconds: number[] = [];
  private readonly freshSeconds: number[] = [];
  private readonly buffer = Buffer.allocUnsafe(READ_BYTES);

  constructor(
    private readonly files: string[],
    private readonly images: number,
  ) {}

  /** Times one pass into the reused buffer. */
  async sample(): Promise<void> {
    this.reusedSeconds.push(await secondsOf(() => this.readIntoBuffer()));
  }

  /** Times passes with readFile, once nothing else is left to measure. */
  async sampleReadFile(passes: number): Promise<void> {
    for (let i = 0; i < passes; i++) this.freshSeconds.push(await secondsOf(() => this.readWholeFiles()));
  }

  get passes(): number {
    return this.reusedSeconds.length;
  }

  /** 1 MiB reads into one reused buffer: how fast bytes leave the page cache, nothing allocated. */
  get imagesPerSecond(): number {
    return this.images / median(this.reusedSeconds);
  }

  /** readFile, a fresh buffer per file, as most Node code reads: adds allocation and page faults. */
  get readFileImagesPerSecond(): number {
    return this.images / median(this.freshSeconds);
  }

  private async readIntoBuffer(): Promise<void> {
    for (const file of this.files) {
      const handle = await open(file, 'r');
      try {
        while ((await handle.read(this.buffer, 0, READ_BYTES, null)).bytesRead > 0);
      } finally {
        await handle.close();
      }
    }
  }

  private async readWholeFiles(): Promise<void> {
    for (const file of this.files) await readFile(file);
  }
}

async function secondsOf(work: () => Promise<void>): Promise<number> {
  const started = performance.now();
  await work();
  return (performance.now() - started) / 1000;
}
