import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { collect, FIXTURES, SHARED_TFRECORDS } from '@shardline/test-support';
import {
  bytesFeature,
  decodeExample,
  decodeExampleFeatures,
  decodeExampleReference,
  decodeSequenceExample,
  decodeSequenceExampleReference,
  encodeExample,
  encodeSequenceExample,
  FeatureKeys,
  type Features,
  floatFeature,
  getBytes,
  getFloats,
  getInt,
  getInt64s,
  getString,
  int64Feature,
  ProtobufDecodeError,
  readTFRecords,
} from '@shardline/tfrecord/internal';
import protobuf from 'protobufjs';
import sharp from 'sharp';

async function sharedExamples(name: string): Promise<Features[]> {
  const records = await collect(readTFRecords(join(SHARED_TFRECORDS, name)));
  return records.map((r) => decodeExample(r.data));
}

/** What a decoder makes of bytes: its result, or 'throws'. */
function outcomeOf<T>(decode: (bytes: Uint8Array) => T, bytes: Uint8Array): T | 'throws' {
  try {
    return decode(bytes);
  } catch {
    return 'throws';
  }
}

describe('real TensorFlow files in shared/testdata', () => {
  test('every file reads with all CRCs valid', async () => {
    const expected: Record<string, number> = {
      'pytorch-data_example.tfrecord': 4,
      'tfrecord_lite_images.tfrecord': 2,
      'tfrecord_lite_test.tfrecord': 42,
      'deeplab_pascal_voc_seg_val-00000-of-00001.tfrecord': 3,
      'deepconsensus_eval.tfrecord.gz': 65,
    };
    assert.deepEqual(readdirSync(SHARED_TFRECORDS).sort(), Object.keys(expected).sort());
    for (const [name, count] of Object.entries(expected)) {
      const records = await collect(readTFRecords(join(SHARED_TFRECORDS, name), { verifyCrc: true }));
      assert.equal(records.length, count, name);
      for (const r of records) decodeExample(r.data);
    }
  });

  test('pytorch-data example: packed float and int64 lists and a bytes feature', async () => {
    const examples = await sharedExamples('pytorch-data_example.tfrecord');
    for (const ex of examples) {
      assert.equal(getFloats(ex, 'x_float').length, 10);
      assert.equal(getInt64s(ex, 'x_int').length, 10);
      assert.equal(getString(ex, 'x_byte'), 'test str');
    }
  });

  test('tfrecord_lite images: JPEG bytes decode to the sizes the features state', async () => {
    const examples = await sharedExamples('tfrecord_lite_images.tfrecord');
    assert.equal(getInt(examples[1]!, 'depth'), 1);
    for (const ex of examples) {
      const [jpeg] = getBytes(ex, 'image_raw');
      const meta = await sharp(jpeg!).metadata();
      assert.equal(meta.format, 'jpeg');
      assert.equal(meta.width, getInt(ex, 'width'));
      assert.equal(meta.height, getInt(ex, 'height'));
      assert.equal(meta.channels, getInt(ex, 'depth'));
    }
  });

  test('deeplab: standard image/* keys with JPEG and PNG payloads', async () => {
    const examples = await sharedExamples('deeplab_pascal_voc_seg_val-00000-of-00001.tfrecord');
    for (const ex of examples) {
      assert.equal(getString(ex, 'image/format'), 'jpeg');
      const meta = await sharp(getBytes(ex, 'image/encoded')[0]!).metadata();
      assert.equal(meta.width, getInt(ex, 'image/width'));
      assert.equal(meta.height, getInt(ex, 'image/height'));
      const seg = await sharp(getBytes(ex, 'image/segmentation/class/encoded')[0]!).metadata();
      assert.equal(seg.format, 'png');
    }
  });

  test("the fast decoder agrees with protobufjs's generated decoder on every record", async () => {
    let records = 0;
    for (const name of readdirSync(SHARED_TFRECORDS)) {
      for (const r of await collect(readTFRecords(join(SHARED_TFRECORDS, name)))) {
        assert.deepEqual(decodeExample(r.data), decodeExampleReference(r.data), `${name} at offset ${r.offset}`);
        records++;
      }
    }
    assert.equal(records, 116);
  });

  test('re-encoding a TensorFlow Example preserves every value', async () => {
    for (const name of ['pytorch-data_example.tfrecord', 'tfrecord_lite_test.tfrecord']) {
      for (const ex of await sharedExamples(name)) assert.deepEqual(decodeExample(encodeExample(ex)), ex);
    }
  });
});

describe('Example codec', () => {
  test('round trips every feature kind, empty lists and empty features', () => {
    const features: Features = {
      image: bytesFeature(Buffer.from([0, 1, 2, 255]), 'text'),
      scores: floatFeature(0.5, -1.25, 3e10),
      ids: int64Feature(0, -1, 42),
      nothing: { kind: 'none' },
      emptyBytes: { kind: 'bytes', value: [] },
    };
    const decoded = decodeExample(encodeExample(features));
    assert.deepEqual(
      getBytes(decoded, 'image').map((b) => Buffer.from(b)),
      [Buffer.from([0, 1, 2, 255]), Buffer.from('text')],
    );
    assert.deepEqual(getFloats(decoded, 'scores'), [0.5, -1.25, 3e10].map(Math.fround));
    assert.deepEqual(getInt64s(decoded, 'ids'), [0n, -1n, 42n]);
    assert.equal(decoded.nothing?.kind, 'none');
    assert.deepEqual(getBytes(decoded, 'emptyBytes'), []);
    assert.deepEqual(decodeExample(encodeExample({})), {});
  });

  test('int64 values beyond 2^53, and either side of 2^31 and 2^32, stay exact', () => {
    const big = [
      2n ** 53n + 1n,
      2n ** 63n - 1n,
      -(2n ** 63n),
      9007199254740993n,
      2n ** 31n - 1n,
      2n ** 31n,
      2n ** 32n - 1n,
      2n ** 32n,
      -(2n ** 31n),
      -(2n ** 32n),
    ];
    const decoded = decodeExample(encodeExample({ big: int64Feature(...big) }));
    assert.deepEqual(getInt64s(decoded, 'big'), big);
    assert.throws(() => getInt(decoded, 'big'), /does not fit a JS number/);
  });

  test('unpacked repeated int64 and float (older writers) decode like packed ones', () => {
    // Example{features{feature{key:"v", value:{int64_list{value:7 value:8}}}}} written field by field.
    const int64List = protobuf.Writer.create().uint32(8).int64(7).uint32(8).int64(8).finish();
    const floatList = protobuf.Writer.create().uint32(13).float(1.5).uint32(13).float(2.5).finish();
    const example = (kindTag: number, list: Uint8Array) => {
      const feature = protobuf.Writer.create().uint32(kindTag).bytes(list).finish();
      const entry = protobuf.Writer.create().uint32(10).string('v').uint32(18).bytes(feature).finish();
      const features = protobuf.Writer.create().uint32(10).bytes(entry).finish();
      return protobuf.Writer.create().uint32(10).bytes(features).finish();
    };
    assert.deepEqual(getInt64s(decodeExample(example(26, int64List)), 'v'), [7n, 8n]);
    assert.deepEqual(getFloats(decodeExample(example(18, floatList)), 'v'), [1.5, 2.5]);
  });

  test('decoding only named features gives the same values and skips the rest', async () => {
    for (const r of await collect(
      readTFRecords(join(SHARED_TFRECORDS, 'deeplab_pascal_voc_seg_val-00000-of-00001.tfrecord')),
    )) {
      const all = decodeExample(r.data);
      const wanted = ['image/encoded', 'image/height', 'not/present'];
      const some = decodeExampleFeatures(r.data, new FeatureKeys(wanted));
      assert.deepEqual(Object.keys(some).sort(), ['image/encoded', 'image/height']);
      assert.deepEqual(some['image/encoded'], all['image/encoded']);
      assert.deepEqual(some['image/height'], all['image/height']);
    }
  });

  test('a map entry whose value comes before its key, or that has no key, decodes as protobuf says', () => {
    const list = protobuf.Writer.create().uint32(10).bytes(Buffer.from('x')).finish();
    const feature = protobuf.Writer.create().uint32(10).bytes(list).finish();
    const valueFirst = protobuf.Writer.create().uint32(18).bytes(feature).uint32(10).string('k').finish();
    const noKey = protobuf.Writer.create().uint32(18).bytes(feature).finish();
    const example = (...entries: Uint8Array[]) => {
      const features = protobuf.Writer.create();
      for (const entry of entries) features.uint32(10).bytes(entry);
      return protobuf.Writer.create().uint32(10).bytes(features.finish()).finish();
    };
    const bytes = example(valueFirst, noKey);
    assert.deepEqual(decodeExample(bytes), decodeExampleReference(bytes));
    assert.equal(getString(decodeExample(bytes), 'k'), 'x');
    assert.equal(getString(decodeExample(bytes), ''), 'x');
    assert.deepEqual(Object.keys(decodeExampleFeatures(bytes, new FeatureKeys(['k']))), ['k']);
  });

  test('accessors name the missing or mistyped key', () => {
    const ex = decodeExample(encodeExample({ label: int64Feature(3) }));
    assert.throws(() => getBytes(ex, 'image/encoded'), /'image\/encoded' is missing \(have: label\)/);
    assert.throws(() => getFloats(ex, 'label'), /'label' is int64_list, expected float_list/);
  });

  test('every truncation of a record either fails in both decoders or decodes the same in both', () => {
    const bytes = encodeExample({
      'image/encoded': bytesFeature(Buffer.alloc(40, 7)),
      label: int64Feature(-3),
      score: floatFeature(0.25, 2),
    });
    let failures = 0;
    for (let end = 0; end < bytes.length; end++) {
      const prefix = bytes.subarray(0, end);
      const fast = outcomeOf(decodeExample, prefix);
      assert.deepEqual(fast, outcomeOf(decodeExampleReference, prefix), `first ${end} bytes`);
      if (fast === 'throws') failures++;
    }
    assert.ok(failures > bytes.length / 2, `most truncations are malformed (${failures} of ${bytes.length})`);
  });

  test('malformed protobuf bytes throw ProtobufDecodeError, also where protobufjs itself runs out of data', () => {
    const cases: [Buffer, RegExp][] = [
      [
        Buffer.from([0x0a, 0xff, 0xff, 0xff, 0x0f]),
        /^malformed tf\.train\.Example: a nested message of 33554431 bytes passes the end of the data$/,
      ],
      // A bytes field (key of a map entry) longer than what is left: protobufjs's "index out of range".
      [
        Buffer.from([0x0a, 0x04, 0x0a, 0x02, 0x0a, 0x09]),
        /^malformed tf\.train\.Example: a field runs past the end of the data \(index out of range/,
      ],
    ];
    for (const [bytes, message] of cases) {
      assert.throws(
        () => decodeExample(bytes),
        (err: unknown) => err instanceof ProtobufDecodeError && message.test(err.message),
      );
      assert.throws(
        () => decodeSequenceExample(bytes),
        (err: unknown) =>
          err instanceof ProtobufDecodeError && /^malformed tf\.train\.SequenceExample/.test(err.message),
      );
    }
  });
});

describe('SequenceExample codec', () => {
  const file = join(FIXTURES, 'pytorch-data_sequence_example.tfrecord');

  test('a SequenceExample written by TensorFlow: context and feature lists, as its writer made them', async () => {
    const records = await collect(readTFRecords(file));
    assert.equal(records.length, 4);
    records.forEach((r, i) => {
      const { context, featureLists } = decodeSequenceExample(r.data);
      const x = Array.from({ length: 10 }, (_, k) => i * 10 + k);
      const xInt = x.map((v) => BigInt(v * 10));
      assert.deepEqual(getFloats(context, 'x_float'), x);
      assert.deepEqual(getInt64s(context, 'x_int'), xInt);
      assert.equal(getString(context, 'x_byte'), 'test str');
      const steps = 2 * i + 3;
      assert.deepEqual(Object.keys(featureLists).sort(), ['x_byte_seq', 'x_float_seq', 'x_int_seq']);
      assert.deepEqual(
        featureLists.x_float_seq,
        Array.from({ length: steps }, () => floatFeature(...x)),
      );
      assert.deepEqual(
        featureLists.x_int_seq,
        Array.from({ length: steps }, () => int64Feature(...xInt)),
      );
      assert.deepEqual(
        featureLists.x_byte_seq,
        Array.from({ length: steps }, () => bytesFeature('test str')),
      );
      assert.deepEqual(decodeSequenceExample(r.data), decodeSequenceExampleReference(r.data));
    });
  });

  test('round trips, including empty lists and an Example read as context only', () => {
    const sequence = {
      context: { id: bytesFeature('clip-7'), empty: { kind: 'none' } as const },
      featureLists: {
        frames: [bytesFeature(Buffer.alloc(5, 1)), bytesFeature()],
        scores: [floatFeature(0.5), floatFeature()],
        none: [],
      },
    };
    assert.deepEqual(decodeSequenceExample(encodeSequenceExample(sequence)), sequence);
    const example = { label: int64Feature(3) };
    assert.deepEqual(decodeSequenceExample(encodeExample(example)), { context: example, featureLists: {} });
  });

  test('every truncation either fails in both decoders or decodes the same in both', async () => {
    const [record] = await collect(readTFRecords(file));
    const bytes = record!.data;
    for (let end = 0; end < bytes.length; end++) {
      const prefix = bytes.subarray(0, end);
      assert.deepEqual(
        outcomeOf(decodeSequenceExample, prefix),
        outcomeOf(decodeSequenceExampleReference, prefix),
        `first ${end} bytes`,
      );
    }
  });
});
