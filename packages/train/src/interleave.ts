import { ShardMismatchError, type ShardRef, ShardTally } from '@shardline/shards';
import {
  type Compression,
  type ReadBufferPool,
  readTFRecordGroups,
  type TFRecord,
  TFRecordError,
} from '@shardline/tfrecord';

const GROUP_RECORDS = 256;

/** Records of several shards; from[i] is the shard records[i] came from. finished: shards read to their end meanwhile. */
export interface RecordGroup {
  records: TFRecord[];
  from: ShardCursor[];
  finished: ShardCursor[];
}

export interface ShardReading {
  compression: Compression;
  bufferPool: ReadBufferPool | undefined;
}

/**
 * Round-robin over up to cycleLength open shards, one record each in turn; a finished
 * shard is replaced by the next, which has been opened and read from in advance.
 */
export async function* interleave(
  shards: ShardRef[],
  cycleLength: number,
  reading: ShardReading,
): AsyncGenerator<RecordGroup> {
  const pending = shards.slice();
  const openNext = () => (pending.length > 0 ? new ShardCursor(pending.shift()!, reading) : undefined);
  const open: ShardCursor[] = [];
  // Opening a shard takes several file-system round trips; the next one is started early.
  let standby = openNext();
  const refill = () => {
    while (open.length < Math.max(1, cycleLength) && standby) {
      open.push(standby);
      standby = openNext();
    }
  };
  refill();
  let group: RecordGroup = { records: [], from: [], finished: [] };
  try {
    for (let i = 0; open.length > 0; ) {
      i %= open.length;
      const cursor = open[i]!;
      const record = cursor.take() ?? (await cursor.load());
      if (record === undefined) {
        group.finished.push(cursor);
        open.splice(i, 1);
        refill();
        continue;
      }
      group.records.push(record);
      group.from.push(cursor);
      i++;
      if (group.records.length === GROUP_RECORDS) {
        yield group;
        group = { records: [], from: [], finished: [] };
      }
    }
    if (group.records.length > 0 || group.finished.length > 0) yield group;
  } finally {
    // An epoch abandoned early must not leave files open.
    await Promise.all([...open, ...(standby ? [standby] : [])].map((cursor) => cursor.close()));
  }
}

/**
 * Reads one shard a record group at a time, always one group ahead so the read
 * overlaps the work on the current group; take() is synchronous until the group is used up.
 * Tallies the labels of its decoded records, to check them against the manifest at the end.
 */
export class ShardCursor {
  private readonly groups: AsyncGenerator<TFRecord[]>;
  private ahead: Promise<IteratorResult<TFRecord[]>>;
  private records: TFRecord[] = [];
  private next = 0;
  readonly tally: ShardTally;

  constructor(
    readonly shard: ShardRef,
    readonly reading: ShardReading,
  ) {
    this.groups = readTFRecordGroups(shard.source, reading);
    this.ahead = this.readAhead();
    this.tally = new ShardTally(shard.info);
  }

  take(): TFRecord | undefined {
    return this.records[this.next++];
  }

  /** Moves to the next group and takes its first record; undefined at the end of the shard. */
  async load(): Promise<TFRecord | undefined> {
    const next = await this.ahead;
    if (next.done) return undefined;
    this.ahead = this.readAhead();
    this.records = next.value;
    this.next = 0;
    return this.take();
  }

  /** Once every record is decoded: the shard held what the manifest lists, or a ShardMismatchError. */
  checkCounts(): void {
    const mismatch = this.tally.mismatch();
    if (mismatch) throw new ShardMismatchError(this.shard.path, mismatch);
  }

  /** An error about one of this shard's records, naming the shard and the record's offset. */
  recordError(record: TFRecord, err: unknown): TFRecordError {
    const reason = `not a shardline image record: ${err instanceof Error ? err.message : String(err)}`;
    return new TFRecordError(this.shard.path, record.offset, reason, this.reading.compression);
  }

  async close(): Promise<void> {
    await this.ahead.catch(() => undefined);
    await this.groups.return(undefined);
  }

  private readAhead(): Promise<IteratorResult<TFRecord[]>> {
    const next = this.groups.next();
    next.catch(() => undefined); // a read error is rethrown by the load() that awaits it
    return next;
  }
}
