import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { deflateSync, gzipSync } from 'node:zlib';
import { collect, tempDir } from '@shardline/test-support';
import {
  crc32cOf,
  frameRecord,
  maskedCrc32c,
  ReadBufferPool,
  type ReadOptions,
  readIndex,
  readTFRecordGroups,
  readTFRecords,
  type TFRecord,
  TFRecordError,
  TFRecordWriter,
  writeIndex,
} from '@shardline/tfrecord/internal';

describe('CRC-32C', () => {
  test('matches the RFC 3720 vectors', () => {
    assert.equal(crc32cOf(Buffer.alloc(32, 0x00)), 0x8a9136aa);
    assert.equal(crc32cOf(Buffer.alloc(32, 0xff)), 0x62a8ab43);
    assert.equal(crc32cOf(Buffer.from('123456789')), 0xe3069283);
  });

  test('accepts a Uint8Array view that is not a Buffer', () => {
    const backing = new Uint8Array(20);
    backing.set(Buffer.from('123456789'), 5);
    assert.equal(crc32cOf(backing.subarray(5, 14)), 0xe3069283);
  });
});

describe('framing', () => {
  test('a record holding foo is byte-identical to TensorFlow output', () => {
    assert.equal(frameRecord(Buffer.from('foo')).toString('base64'), 'AwAAAAAAAACwmUkOZm9vYYq+/g==');
  });

  for (const compression of ['none', 'gzip', 'zlib'] as const) {
    test(`round trip with ${compression} compression, detected automatically`, async () => {
      const dir = tempDir();
      const file = join(dir, 'records.tfrecord');
      const payloads = [
        Buffer.alloc(0),
        Buffer.from('a'),
        Buffer.alloc(3 << 20, 7),
        ...Array.from({ length: 500 }, (_, i) => Buffer.from(`record ${i}`)),
        // 3.6 MiB of distinct records: the writer's one chunk is filled again while earlier bytes are written.
        ...Array.from({ length: 300 }, () => randomBytes(12_528)),
      ];
      const writer = TFRecordWriter.create(file, compression);
      for (const p of payloads) await writer.write(p);
      await writer.close();
      const read = await collect(readTFRecords(file));
      assert.equal(read.length, payloads.length);
      for (const [i, r] of read.entries()) assert.deepEqual(r.data, payloads[i]);
    });
  }

  test('record groups hold every record once, in order, across read-chunk edges', async () => {
    const dir = tempDir();
    const file = join(dir, 'groups.tfrecord');
    // 12,528-byte records, like 64x64 RGB images: 1 MiB read chunks end inside records.
    const payloads = Array.from({ length: 300 }, (_, i) => Buffer.alloc(12_528, i));
    const writer = TFRecordWriter.create(file);
    for (const p of payloads) await writer.write(p);
    await writer.close();
    const groups = await collect(readTFRecordGroups(file));
    assert.ok(groups.length >= 3, `several groups (${groups.length})`);
    assert.ok(groups.every((g) => g.length > 0));
    const records = groups.flat();
    assert.deepEqual(
      records.map((r) => r.data),
      payloads,
    );
    assert.deepEqual(
      records.map((r) => r.offset),
      payloads.map((_, i) => i * (12_528 + 16)),
    );
  });

  test('pooled reads: records equal the written ones; released buffers are read into again, held ones stay intact', async () => {
    const file = join(tempDir(), 'pooled.tfrecord');
    // Records of 1-3,000 bytes read in 4 KiB chunks: most chunks end inside a record.
    const payloads = Array.from({ length: 400 }, (_, i) => randomBytes(1 + ((i * 7919) % 3000)));
    const writer = TFRecordWriter.create(file);
    for (const p of payloads) await writer.write(p);
    await writer.close();
    const pool = new ReadBufferPool(4096);
    const held: TFRecord[] = [];
    let [index, pooled, copied] = [0, 0, 0];
    for await (const group of readTFRecordGroups(file, { bufferPool: pool })) {
      for (const record of group) {
        if (record.lease) pooled++;
        else copied++;
        if (index % 25 === 0) held.push(record);
        else {
          assert.deepEqual(record.data, payloads[index], `record ${index}`);
          record.lease?.release();
        }
        index++;
      }
    }
    assert.equal(index, payloads.length);
    assert.ok(
      pooled > 200 && copied > 50,
      `views into pooled chunks (${pooled}) and copies of records across chunks (${copied})`,
    );
    // Read on while these were held: their chunks must not have been read into again.
    for (const record of held) assert.deepEqual(record.data, payloads[held.indexOf(record) * 25]);
    const chunks = Math.ceil(statSync(file).size / 4096);
    assert.ok(
      pool.buffersAllocated <= held.length + 8,
      `${pool.buffersAllocated} buffers allocated for ${chunks} chunks`,
    );
    for (const record of held) record.lease?.release();
    assert.equal(pool.buffersIdle, pool.buffersAllocated, 'every buffer is back once every record is released');
    assert.throws(() => held.find((r) => r.lease)!.lease!.release(), /already given back/);
    assert.throws(() => held.find((r) => r.lease)!.lease!.retain(), /retain\(\) on a chunk already given back/);
  });

  test('pooled reads: a record whose header straddles a chunk edge is copied, not left as a view into a buffer read into again', async () => {
    const file = join(tempDir(), 'straddle.tfrecord');
    // The first frame ends 5 bytes before the 4 KiB edge, so the second record's 12-byte header crosses it.
    const payloads = [
      Buffer.alloc(4096 - 5 - 16, 1),
      randomBytes(100),
      ...Array.from({ length: 200 }, () => randomBytes(1000)),
    ];
    const writer = TFRecordWriter.create(file);
    for (const p of payloads) await writer.write(p);
    await writer.close();
    const pool = new ReadBufferPool(4096);
    let straddling: TFRecord | undefined;
    for await (const group of readTFRecordGroups(file, { bufferPool: pool })) {
      for (const record of group) {
        if (record.offset === 4091) straddling = record;
        else record.lease?.release();
      }
    }
    assert.deepEqual(straddling?.data, payloads[1]);
    assert.ok(pool.buffersAllocated < 20, 'the other chunks were read into again meanwhile');
  });

  test('a long index is written a chunk at a time, every line as DALI writes it', async () => {
    const file = join(tempDir(), 'long.index');
    // 9,000 lines of 16-17 bytes: more than two 64 KiB chunks, with offsets past 2^32.
    const locations = Array.from({ length: 9000 }, (_, i) => ({
      offset: 2 ** 32 + i * 1_000_003,
      frameBytes: 900 + i,
    }));
    await writeIndex(file, locations);
    const expected = locations.map((l) => `${l.offset} ${l.frameBytes}\n`).join('');
    assert.ok(expected.length > 2 * 65536);
    assert.equal(readFileSync(file, 'latin1'), expected);
    assert.deepEqual(await readIndex(file), locations);
  });

  test('index offsets point at each record', async () => {
    const dir = tempDir();
    const file = join(dir, 's.tfrecord');
    const writer = TFRecordWriter.create(file);
    const locations = [];
    for (let i = 0; i < 10; i++) locations.push(await writer.write(Buffer.alloc(i * 100, i)));
    await writer.close();
    await writeIndex(`${file}.index`, locations);
    const index = await readIndex(`${file}.index`);
    const records = await collect(readTFRecords(file));
    assert.deepEqual(
      index.map((l) => l.offset),
      records.map((r) => r.offset),
    );
    const bytes = readFileSync(file);
    for (const [i, loc] of index.entries()) {
      const frame = bytes.subarray(loc.offset, loc.offset + loc.frameBytes);
      assert.deepEqual(frame, frameRecord(Buffer.alloc(i * 100, i)));
    }
  });
});

describe('writing to a full disk', () => {
  test('an index write that fails names the file', async () => {
    await assert.rejects(
      writeIndex('/dev/full', [{ offset: 0, frameBytes: 20 }]),
      /^ShardlineError: cannot write \/dev\/full: ENOSPC: no space left on device/,
    );
  });

  test('ENOSPC names the file (/dev/full refuses every write with it)', async () => {
    const writer = TFRecordWriter.create('/dev/full');
    await assert.rejects(
      (async () => {
        for (let i = 0; i < 100; i++) await writer.write(Buffer.alloc(64 << 10));
        await writer.close();
      })(),
      /^ShardlineError: cannot write \/dev\/full: ENOSPC: no space left on device/,
    );
  });
});

describe('corrupted and truncated files', () => {
  function threeRecordFile(): { file: string; bytes: Buffer } {
    const file = join(tempDir(), 'three.tfrecord');
    const bytes = Buffer.concat(['first', 'second', 'third'].map((s) => frameRecord(Buffer.from(s))));
    writeFileSync(file, bytes);
    return { file, bytes };
  }

  async function expectError(file: string, offset: number, pattern: RegExp, options: ReadOptions = {}): Promise<void> {
    await assert.rejects(collect(readTFRecords(file, options)), (err: unknown) => {
      assert.ok(err instanceof TFRecordError, `expected TFRecordError, got ${String(err)}`);
      assert.equal(err.file, file);
      assert.equal(err.offset, offset);
      assert.match(err.message, pattern);
      assert.ok(err.message.includes(file), 'message names the file');
      return true;
    });
  }

  test('a flipped data byte is reported at its record offset', async () => {
    const { file, bytes } = threeRecordFile();
    const second = frameRecord(Buffer.from('first')).length;
    bytes[second + 12 + 2]! ^= 0x40;
    writeFileSync(file, bytes);
    await expectError(file, second, /corrupt record data: CRC mismatch/);
  });

  test('a flipped length byte is caught by the length CRC', async () => {
    const { file, bytes } = threeRecordFile();
    bytes[0]! ^= 0x01;
    writeFileSync(file, bytes);
    await expectError(file, 0, /corrupt length field/);
  });

  test('a file cut inside a record is reported as truncated', async () => {
    const { file, bytes } = threeRecordFile();
    writeFileSync(file, bytes.subarray(0, bytes.length - 3));
    const third = frameRecord(Buffer.from('first')).length + frameRecord(Buffer.from('second')).length;
    await expectError(file, third, /truncated record/);
  });

  test('a file cut inside a header is reported as truncated', async () => {
    const { file, bytes } = threeRecordFile();
    const cut = frameRecord(Buffer.from('first')).length + 5;
    writeFileSync(file, bytes.subarray(0, cut));
    await expectError(file, cut - 5, /truncated record header/);
  });

  /** A file of one record header whose length field has a valid CRC, and nothing after it. */
  function headerOnlyFile(length: bigint): string {
    const file = join(tempDir(), 'header-only.tfrecord');
    const header = Buffer.alloc(12);
    header.writeBigUInt64LE(length, 0);
    header.writeUInt32LE(maskedCrc32c(header.subarray(0, 8)), 8);
    writeFileSync(file, header);
    return file;
  }

  test('a huge length with a valid CRC is refused before allocating', async () => {
    const file = headerOnlyFile(1n << 50n);
    await expectError(file, 0, /exceeds the limit/);
    await assert.rejects(collect(readTFRecords(file, { maxRecordBytes: 2 ** 60 })), /truncated record: needs/);
  });

  test('a length beyond 2^53 with a valid CRC is refused as impossible', async () => {
    const file = headerOnlyFile(1n << 60n);
    await expectError(file, 0, /record length 1152921504606846976 is impossible/);
  });

  test('a truncated gzip stream: the file, "ends early", and an offset in the decompressed stream', async () => {
    const file = join(tempDir(), 'cut.tfrecord.gz');
    const gz = gzipSync(Buffer.concat(Array.from({ length: 50 }, (_, i) => frameRecord(Buffer.alloc(1000, i)))));
    writeFileSync(file, gz.subarray(0, gz.length - 20));
    await assert.rejects(collect(readTFRecords(file)), (err: unknown) => {
      assert.ok(err instanceof TFRecordError);
      assert.ok(err.message.startsWith(file));
      assert.match(err.message, /the gzip stream ends early .*the file is truncated/);
      assert.match(err.message, /of the decompressed gzip stream\)$/);
      assert.doesNotMatch(err.message, /guessed/);
      return true;
    });
  });

  test('a damaged zlib stream is called damaged', async () => {
    const file = join(tempDir(), 'damaged.tfrecord.zz');
    const zz = deflateSync(
      Buffer.concat(Array.from({ length: 50 }, (_, i) => frameRecord(Buffer.from(`record ${i}`)))),
    );
    zz[zz.length - 2]! ^= 0xff; // the Adler-32 trailer
    writeFileSync(file, zz);
    await assert.rejects(
      collect(readTFRecords(file)),
      /the zlib stream is damaged \(incorrect data check\).*of the decompressed zlib stream/,
    );
  });

  for (const [compression, magic] of [
    ['zlib', [0x78, 0x01]],
    ['gzip', [0x1f, 0x8b]],
  ] as const) {
    test(`an uncompressed file whose damaged first length starts like ${compression}: the error says the compression was a guess`, async () => {
      const { file, bytes } = threeRecordFile();
      bytes.set(magic, 0);
      writeFileSync(file, bytes);
      await assert.rejects(collect(readTFRecords(file)), (err: unknown) => {
        assert.ok(err instanceof TFRecordError);
        assert.match(
          err.message,
          new RegExp(
            `${compression} compression was guessed from the file's first bytes.*first record header is damaged`,
          ),
        );
        return true;
      });
      await expectError(file, 0, /corrupt length field/, { compression: 'none' });
    });
  }

  /** The records read before the reader threw, and what it threw. */
  async function readUntilError(
    file: string,
    options: ReadOptions = {},
  ): Promise<{ records: Buffer[]; error: unknown }> {
    const records: Buffer[] = [];
    try {
      for await (const r of readTFRecords(file, options)) {
        records.push(Buffer.from(r.data));
        r.lease?.release();
      }
    } catch (error) {
      return { records, error };
    }
    return { records, error: undefined };
  }

  function tenRecords(): { payloads: Buffer[]; frames: Buffer[] } {
    const payloads = Array.from({ length: 10 }, (_, i) => Buffer.from(`record number ${i}`));
    return { payloads, frames: payloads.map((p) => frameRecord(p)) };
  }

  const damages = {
    'a bit flip in record 3': (frames: Buffer[]) => {
      frames[3]![12 + 4]! ^= 0x08;
      return { good: 3, bytes: Buffer.concat(frames) };
    },
    'a cut inside record 5': (frames: Buffer[]) => ({
      good: 5,
      bytes: Buffer.concat(frames.slice(0, 6)).subarray(0, -7),
    }),
  };
  for (const [damage, apply] of Object.entries(damages)) {
    for (const [kind, options] of [
      ['plain', {}],
      ['pooled', { bufferPool: new ReadBufferPool(4096) }],
    ] as const) {
      test(`${damage}: the records before it are delivered, then the damage is thrown (${kind} reads)`, async () => {
        const { payloads, frames } = tenRecords();
        const { good, bytes } = apply(frames);
        const file = join(tempDir(), 'damaged.tfrecord');
        writeFileSync(file, bytes);
        const { records, error } = await readUntilError(file, options);
        assert.deepEqual(records, payloads.slice(0, good));
        assert.ok(error instanceof TFRecordError, String(error));
        assert.equal(
          error.offset,
          frames.slice(0, good).reduce((n, f) => n + f.length, 0),
        );
      });
    }
    test(`${damage} of a gzip file: the records before it are delivered`, async () => {
      const { payloads, frames } = tenRecords();
      const { good, bytes } = apply(frames);
      const file = join(tempDir(), 'damaged.tfrecord.gz');
      writeFileSync(file, gzipSync(bytes));
      const { records, error } = await readUntilError(file);
      assert.deepEqual(records, payloads.slice(0, good));
      assert.ok(error instanceof TFRecordError, String(error));
    });
  }

  test('a plain file that is not TFRecord at all fails on its first header', async () => {
    const file = join(tempDir(), 'notes.txt');
    writeFileSync(file, 'this is plain text, not a TFRecord file at all');
    await expectError(file, 0, /corrupt length field/);
  });
});
