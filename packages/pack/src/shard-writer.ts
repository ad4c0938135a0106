import { rename } from 'node:fs/promises';
import { join } from 'node:path';
import {
  hashFile,
  PARTIAL_SUFFIX,
  type ShardInfo,
  type SplitName,
  shardFileName,
  type TaskPart,
} from '@shardline/shards';
import { type Compression, type RecordLocation, TFRecordWriter, writeIndex } from '@shardline/tfrecord';
import { ChunkedColumn } from './chunked-column';

interface OpenShard {
  name: string;
  writer: TFRecordWriter;
  /** Each record's frame length; offsets follow from them. Numbers, not a location object per record: a 64 MiB shard of 28x28 images holds 74,000. */
  frameBytes: ChunkedColumn<Uint32Array>;
  classCounts: number[];
}

function* locations(frameBytes: ChunkedColumn<Uint32Array>): Generator<RecordLocation> {
  let offset = 0;
  for (let record = 0; record < frameBytes.length; record++) {
    const bytes = frameBytes.get(record);
    yield { offset, frameBytes: bytes };
    offset += bytes;
  }
}

/**
 * Writes one split's records into shards of about `shardBytes`. Each shard is
 * written under a .partial name, fsynced, and renamed only when complete, so a
 * killed run never leaves a half shard that looks valid.
 */
export class ShardSequence {
  private current: OpenShard | undefined;

  constructor(
    private readonly outDir: string,
    private readonly split: SplitName,
    private readonly classCount: number,
    private readonly shardBytes: number,
    private readonly compression: Compression,
    private nextIndex: number,
    /** Set in a task of a distributed pack, whose shard names carry its tag. */
    private readonly task?: TaskPart,
  ) {}

  /** Appends a framed record; returns the shard it closed first, if the record did not fit. */
  async add(record: Uint8Array, label: number): Promise<ShardInfo | undefined> {
    let closed: ShardInfo | undefined;
    if (this.current && !this.hasRoom(this.current, record)) closed = await this.close();
    this.current ??= this.open();
    await this.current.writer.writeFrame(record);
    this.counted(this.current, record, label);
    return closed;
  }

  /** Appends a framed record when that needs no I/O (the shard is open, has room, and so has its write chunk); false otherwise, and add must be awaited. */
  tryAdd(record: Uint8Array, label: number): boolean {
    const shard = this.current;
    if (!shard || !this.hasRoom(shard, record) || !shard.writer.appendFrame(record)) return false;
    this.counted(shard, record, label);
    return true;
  }

  private hasRoom(shard: OpenShard, record: Uint8Array): boolean {
    return shard.writer.bytes + record.length <= this.shardBytes;
  }

  private counted(shard: OpenShard, record: Uint8Array, label: number): void {
    shard.frameBytes.push(record.length);
    shard.classCounts[label]!++;
  }

  /** Completes the open shard, if any. */
  async close(): Promise<ShardInfo | undefined> {
    const shard = this.current;
    if (!shard) return undefined;
    this.current = undefined;
    await shard.writer.close();
    const finalPath = join(this.outDir, shard.name);
    let index: string | undefined;
    if (this.compression === 'none') {
      index = `${shard.name}.index`;
      await writeIndex(join(this.outDir, index + PARTIAL_SUFFIX), locations(shard.frameBytes));
      await rename(join(this.outDir, index + PARTIAL_SUFFIX), join(this.outDir, index));
    }
    await rename(shard.writer.file, finalPath);
    const { sha256, bytes } = await hashFile(finalPath);
    return {
      file: shard.name,
      ...(index ? { index } : {}),
      records: shard.frameBytes.length,
      bytes,
      sha256,
      classCounts: shard.classCounts,
    };
  }

  private open(): OpenShard {
    const name = shardFileName(this.split, this.nextIndex++, this.compression, this.task);
    const writer = TFRecordWriter.create(join(this.outDir, name + PARTIAL_SUFFIX), this.compression);
    return {
      name,
      writer,
      frameBytes: new ChunkedColumn(Uint32Array),
      classCounts: new Array<number>(this.classCount).fill(0),
    };
  }
}
