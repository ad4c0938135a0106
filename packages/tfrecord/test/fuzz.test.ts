import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { deflateSync, gzipSync } from 'node:zlib';
import { tempDir } from '@shardline/test-support';
import {
  decodeExample,
  decodeExampleReference,
  decodeSequenceExample,
  decodeSequenceExampleReference,
  encodeExample,
  encodeSequenceExample,
  type Feature,
  type Features,
  frameRecord,
  ProtobufDecodeError,
  readTFRecords,
  TFRecordError,
} from '@shardline/tfrecord/internal';
import fc from 'fast-check';

/** One change to a byte string, as damage in storage or transfer makes them. */
type Mutation =
  | { kind: 'flip'; at: number; bit: number }
  | { kind: 'cut'; at: number }
  | { kind: 'insert'; at: number; byte: number }
  | { kind: 'delete'; at: number }
  | { kind: 'overwrite'; at: number; bytes: Uint8Array };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.nat(7) }),
  fc.record({ kind: fc.constant('cut' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), byte: fc.nat(255) }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat() }),
  fc.record({
    kind: fc.constant('overwrite' as const),
    at: fc.nat(),
    bytes: fc.uint8Array({ minLength: 1, maxLength: 12 }),
  }),
);

function mutate(bytes: Uint8Array, mutations: Mutation[]): Buffer {
  let out = Buffer.from(bytes);
  for (const m of mutations) {
    if (out.length === 0) break;
    const at = m.at % out.length;
    if (m.kind === 'flip') out[at]! ^= 1 << m.bit;
    else if (m.kind === 'cut') out = out.subarray(0, at);
    else if (m.kind === 'insert') out = Buffer.concat([out.subarray(0, at), Buffer.from([m.byte]), out.subarray(at)]);
    else if (m.kind === 'delete') out = Buffer.concat([out.subarray(0, at), out.subarray(at + 1)]);
    else out.set(m.bytes.subarray(0, out.length - at), at);
  }
  return out;
}

const COMPRESS = { none: (b: Buffer) => b, gzip: (b: Buffer) => gzipSync(b), zlib: (b: Buffer) => deflateSync(b) };
const EXTENSION = { none: '.tfrecord', gzip: '.tfrecord.gz', zlib: '.tfrecord.zz' };

describe('fuzzing: damaged TFRecord files', () => {
  for (const compression of ['none', 'gzip', 'zlib'] as const) {
    test(`${compression}: every damaged file reads its records exactly, or a prefix of them and then a TFRecordError with file and offset`, {
      timeout: 120_000,
    }, async () => {
      const dir = tempDir();
      let run = 0;
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 8 }),
          fc.array(mutation, { minLength: 1, maxLength: 3 }),
          async (payloads, mutations) => {
            const stream = Buffer.concat(payloads.map((p) => frameRecord(p)));
            const original = COMPRESS[compression](stream);
            const damaged = mutate(original, mutations);
            const file = join(dir, `${run++}${EXTENSION[compression]}`);
            writeFileSync(file, damaged);
            const read: Buffer[] = [];
            try {
              for await (const record of readTFRecords(file)) read.push(Buffer.from(record.data));
            } catch (err) {
              assert.ok(err instanceof TFRecordError, `${String(err)}`);
              assert.equal(err.file, file);
              assert.ok(Number.isInteger(err.offset) && err.offset >= 0 && err.message.includes(file));
              assert.deepEqual(
                read,
                payloads.slice(0, read.length).map((p) => Buffer.from(p)),
                'the records before the damage are the originals',
              );
              return;
            }
            const wholeRecords = payloads.slice(0, read.length).map((p) => Buffer.from(p));
            assert.deepEqual(read, wholeRecords, 'records read without an error are the originals');
            // Fewer records and no error only when the stream was cut at a record boundary.
            if (read.length < payloads.length)
              assert.ok(
                mutations.some((m) => m.kind === 'cut' || m.kind === 'delete' || m.kind === 'overwrite'),
                'records lost without an error',
              );
          },
        ),
        { numRuns: 400, seed: 20261123 },
      );
    });
  }
});

const feature: fc.Arbitrary<Feature> = fc.oneof(
  fc.record({
    kind: fc.constant('bytes' as const),
    value: fc.array(fc.uint8Array({ maxLength: 20 }), { maxLength: 3 }),
  }),
  fc.record({
    kind: fc.constant('float' as const),
    value: fc.array(fc.float({ noNaN: true }).map(Math.fround), { maxLength: 4 }),
  }),
  fc.record({
    kind: fc.constant('int64' as const),
    value: fc.array(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), { maxLength: 4 }),
  }),
);
const features: fc.Arbitrary<Features> = fc.dictionary(fc.string({ maxLength: 8 }), feature, { maxKeys: 4 });

/** What a decoder makes of bytes: its result, or the class of what it threw. */
function outcome<T>(decode: (bytes: Uint8Array) => T, bytes: Uint8Array): T | { threw: string } {
  try {
    return decode(bytes);
  } catch (err) {
    return { threw: err instanceof ProtobufDecodeError ? 'ProtobufDecodeError' : String(err) };
  }
}

describe('fuzzing: damaged Example and SequenceExample bytes', () => {
  const decoders = [
    ['Example', (f: Features) => encodeExample(f), decodeExample, decodeExampleReference],
    [
      'SequenceExample',
      (f: Features, lists: Record<string, Feature[]>) => encodeSequenceExample({ context: f, featureLists: lists }),
      decodeSequenceExample,
      decodeSequenceExampleReference,
    ],
  ] as const;
  for (const [name, encode, decode, reference] of decoders) {
    test(`${name}: damaged bytes decode as protobufjs decodes them, or throw ProtobufDecodeError, never anything else`, {
      timeout: 60_000,
    }, () => {
      fc.assert(
        fc.property(
          features,
          fc.dictionary(fc.string({ maxLength: 6 }), fc.array(feature, { maxLength: 3 }), { maxKeys: 3 }),
          fc.array(mutation, { minLength: 1, maxLength: 3 }),
          (f, lists, mutations) => {
            const damaged = mutate(encode(f, lists), mutations);
            const ours = outcome<unknown>(decode, damaged);
            if (typeof ours === 'object' && ours !== null && 'threw' in ours) {
              assert.equal(ours.threw, 'ProtobufDecodeError');
              return;
            }
            assert.deepEqual(
              ours,
              outcome<unknown>(reference, damaged),
              'a decode that succeeds agrees with protobufjs',
            );
          },
        ),
        { numRuns: 3000, seed: 20261123 },
      );
    });
  }
});
