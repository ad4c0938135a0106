import { join } from 'node:path';
import Long from 'long';
import protobuf from 'protobufjs';
import { ProtobufDecodeError } from './errors';

/** One tf.train.Feature. int64 values are bigint so values beyond 2^53 stay exact. */
export type Feature =
  | { kind: 'bytes'; value: Uint8Array[] }
  | { kind: 'float'; value: number[] }
  | { kind: 'int64'; value: bigint[] }
  | { kind: 'none' };

export type Features = Record<string, Feature>;

/** The .proto files live at the repository root, shared with other languages. */
export const PROTO_DIR = join(__dirname, '..', '..', '..', 'proto');

protobuf.util.Long = Long;
protobuf.configure();

/** A tf.train.SequenceExample: context features, and named lists of features (one per time step). */
export interface SequenceExample {
  context: Features;
  featureLists: Record<string, Feature[]>;
}

let protoRoot: protobuf.Root | undefined;

function messageType(name: 'Example' | 'SequenceExample'): protobuf.Type {
  protoRoot ??= protobuf.loadSync(join(PROTO_DIR, 'example.proto'));
  return protoRoot.lookupType(`tensorflow.${name}`);
}

interface FeatureMessage {
  bytesList?: { value?: Uint8Array[] };
  floatList?: { value?: number[] };
  int64List?: { value?: (Long | number)[] };
}

export function encodeExample(features: Features): Uint8Array {
  const feature: Record<string, FeatureMessage> = {};
  for (const [key, f] of Object.entries(features)) feature[key] = toMessage(f);
  return messageType('Example').encode({ features: { feature } }).finish();
}

export function encodeSequenceExample({ context, featureLists }: SequenceExample): Uint8Array {
  const feature: Record<string, FeatureMessage> = {};
  for (const [key, f] of Object.entries(context)) feature[key] = toMessage(f);
  const featureList: Record<string, { feature: FeatureMessage[] }> = {};
  for (const [key, list] of Object.entries(featureLists)) featureList[key] = { feature: list.map(toMessage) };
  return messageType('SequenceExample').encode({ context: { feature }, featureLists: { featureList } }).finish();
}

/**
 * Decodes a serialized tf.train.Example; throws ProtobufDecodeError on malformed protobuf.
 * Walks the wire format with protobufjs's Reader, taking field numbers from the .proto
 * files: protobufjs's generated decoder cost 8-22 us per image record, most of a
 * training pipeline's budget, mainly in building oneof and Long objects it then drops.
 */
export function decodeExample(bytes: Uint8Array): Features {
  return decodeFeatures(bytes, undefined);
}

/**
 * Decodes a serialized tf.train.SequenceExample; throws ProtobufDecodeError on malformed protobuf.
 * A tf.train.Example decodes too, as context only: the two share field 1.
 */
export function decodeSequenceExample(bytes: Uint8Array): SequenceExample {
  const out: SequenceExample = { context: {}, featureLists: {} };
  decoding('tf.train.SequenceExample', () => {
    const reader = protobuf.Reader.create(bytes);
    const t = tags();
    while (reader.pos < reader.len) {
      const fieldTag = reader.tag();
      if (fieldTag === t.context)
        readMap(reader, nestedEnd(reader), t.featureMap, undefined, out.context, readFeature, noFeature);
      else if (fieldTag === t.featureLists)
        readMap(reader, nestedEnd(reader), t.featureListMap, undefined, out.featureLists, readFeatureList, () => []);
      else skipField(reader, fieldTag);
    }
  });
  return out;
}

/**
 * Decodes only the named features, as tf.io.parse_single_example does with a feature
 * spec: other features are skipped unread, and wanted keys are matched as bytes.
 */
export function decodeExampleFeatures(bytes: Uint8Array, keys: FeatureKeys): Features {
  return decodeFeatures(bytes, keys);
}

/** Feature names prepared for matching against serialized keys without decoding them. */
export class FeatureKeys {
  private readonly encoded: { key: string; bytes: Buffer }[];

  constructor(keys: readonly string[]) {
    this.encoded = keys.map((key) => ({ key, bytes: Buffer.from(key, 'utf8') }));
  }

  /** The key whose UTF-8 bytes equal buf[start, end), if any. */
  match(buf: Uint8Array, start: number, end: number): string | undefined {
    for (const { key, bytes } of this.encoded) {
      if (bytes.length === end - start && bytesMatchAt(bytes, buf, start)) return key;
    }
    return undefined;
  }
}

/** True if buf holds expected's bytes from start on; compares in place, without a view per call. */
export function bytesMatchAt(expected: Uint8Array, buf: Uint8Array, start: number): boolean {
  if (start + expected.length > buf.length) return false;
  for (let i = 0; i < expected.length; i++) if (expected[i] !== buf[start + i]) return false;
  return true;
}

/** protobufjs's generated decoder: slower, kept as the reference decodeExample is tested against. */
export function decodeExampleReference(bytes: Uint8Array): Features {
  const message = messageType('Example').decode(bytes) as unknown as { features?: FeaturesMessage };
  return fromFeaturesMessage(message.features);
}

/** protobufjs's generated decoder for SequenceExample, the reference decodeSequenceExample is tested against. */
export function decodeSequenceExampleReference(bytes: Uint8Array): SequenceExample {
  const message = messageType('SequenceExample').decode(bytes) as unknown as {
    context?: FeaturesMessage;
    featureLists?: { featureList?: Record<string, { feature?: FeatureMessage[] }> };
  };
  const featureLists: SequenceExample['featureLists'] = {};
  for (const [key, list] of Object.entries(message.featureLists?.featureList ?? {}))
    featureLists[key] = (list.feature ?? []).map(fromMessage);
  return { context: fromFeaturesMessage(message.context), featureLists };
}

interface FeaturesMessage {
  feature?: Record<string, FeatureMessage>;
}

function fromFeaturesMessage(message: FeaturesMessage | undefined): Features {
  const out: Features = {};
  for (const [key, f] of Object.entries(message?.feature ?? {})) out[key] = fromMessage(f);
  return out;
}

const LENGTH_DELIMITED = 2;
const VARINT = 0;
const FIXED32 = 5;
/** Map entries are messages with key = 1 and value = 2 (protobuf language guide). */
const MAP_KEY_TAG = tag(1, LENGTH_DELIMITED);
const MAP_VALUE_TAG = tag(2, LENGTH_DELIMITED);

function tag(field: number, wireType: number): number {
  return ((field << 3) | wireType) >>> 0;
}

/** Tags of the fields the decoder reads, from the field numbers in proto/. */
interface Tags {
  features: number;
  featureMap: number;
  context: number;
  featureLists: number;
  featureListMap: number;
  featureListItem: number;
  bytesList: number;
  floatList: number;
  int64List: number;
  bytesValue: number;
  floatValue: { scalar: number; packed: number };
  int64Value: { scalar: number; packed: number };
}

let cachedTags: Tags | undefined;

function tags(): Tags {
  if (cachedTags) return cachedTags;
  const root = messageType('Example').root;
  const id = (type: string, name: string) => root.lookupType(type).fields[name]!.id;
  const message = (type: string, name: string) => tag(id(type, name), LENGTH_DELIMITED);
  const numeric = (type: string, wireType: number) => ({
    scalar: tag(id(type, 'value'), wireType),
    packed: message(type, 'value'),
  });
  cachedTags = {
    features: message('tensorflow.Example', 'features'),
    featureMap: message('tensorflow.Features', 'feature'),
    context: message('tensorflow.SequenceExample', 'context'),
    featureLists: message('tensorflow.SequenceExample', 'featureLists'),
    featureListMap: message('tensorflow.FeatureLists', 'featureList'),
    featureListItem: message('tensorflow.FeatureList', 'feature'),
    bytesList: message('tensorflow.Feature', 'bytesList'),
    floatList: message('tensorflow.Feature', 'floatList'),
    int64List: message('tensorflow.Feature', 'int64List'),
    bytesValue: message('tensorflow.BytesList', 'value'),
    floatValue: numeric('tensorflow.FloatList', FIXED32),
    int64Value: numeric('tensorflow.Int64List', VARINT),
  };
  return cachedTags;
}

function decodeFeatures(bytes: Uint8Array, wanted: FeatureKeys | undefined): Features {
  const out: Features = {};
  decoding('tf.train.Example', () => {
    const reader = protobuf.Reader.create(bytes);
    const { features, featureMap } = tags();
    while (reader.pos < reader.len) {
      const t = reader.tag();
      if (t === features) readMap(reader, nestedEnd(reader), featureMap, wanted, out, readFeature, noFeature);
      else skipField(reader, t);
    }
  });
  return out;
}

/** Runs a decode, turning protobufjs's own errors (RangeError "index out of range", ...) into ProtobufDecodeError. */
function decoding(messageName: string, decode: () => void): void {
  try {
    decode();
  } catch (err) {
    throw new ProtobufDecodeError(messageName, malformedReason(err));
  }
}

/** Wire-format damage found by this decoder itself. */
class Malformed extends Error {}

function malformedReason(err: unknown): string {
  if (err instanceof Malformed) return err.message;
  // protobufjs's Reader signals a length or varint that runs past the end with a RangeError.
  if (err instanceof RangeError) return `a field runs past the end of the data (${err.message})`;
  return err instanceof Error ? err.message : String(err);
}

function nestedEnd(reader: protobuf.Reader): number {
  const length = reader.uint32();
  const end = reader.pos + length;
  if (end > reader.len) throw new Malformed(`a nested message of ${length} bytes passes the end of the data`);
  return end;
}

function expectEnd(reader: protobuf.Reader, end: number): void {
  if (reader.pos !== end) throw new Malformed(`a field overruns its message by ${reader.pos - end} bytes`);
}

/**
 * Skips an unknown field. Passing the field number makes protobufjs check that a group
 * ends with its own end tag, as protobufjs's generated decoders (and TensorFlow's parser) do.
 */
function skipField(reader: protobuf.Reader, fieldTag: number): void {
  reader.skipType(fieldTag & 7, 0, fieldTag >>> 3);
}

/** A map key; proto3 strings must be valid UTF-8, and TensorFlow's parser refuses a record otherwise. */
function readKey(reader: protobuf.Reader): string {
  try {
    return reader.stringVerify();
  } catch (err) {
    if (err instanceof RangeError) throw err;
    throw new Malformed(`a feature name is not valid UTF-8 (${(err as Error).message})`);
  }
}

type ValueReader<V> = (reader: protobuf.Reader, end: number) => V;

const noFeature = (): Feature => ({ kind: 'none' });

/** The entries of a protobuf map<string, V> field, whose entries are tagged entryTag, up to end. */
function readMap<V>(
  reader: protobuf.Reader,
  end: number,
  entryTag: number,
  wanted: FeatureKeys | undefined,
  out: Record<string, V>,
  readValue: ValueReader<V>,
  absent: () => V,
): void {
  while (reader.pos < end) {
    const t = reader.tag();
    if (t === entryTag) readMapEntry(reader, nestedEnd(reader), wanted, out, readValue, absent);
    else skipField(reader, t);
  }
  expectEnd(reader, end);
}

/** One map entry. The value is decoded only if its key is wanted, wherever the key comes. */
function readMapEntry<V>(
  reader: protobuf.Reader,
  end: number,
  wanted: FeatureKeys | undefined,
  out: Record<string, V>,
  readValue: ValueReader<V>,
  absent: () => V,
): void {
  // A missing key field means the empty key (the protobuf default).
  let key: string | undefined = wanted ? wanted.match(reader.buf, 0, 0) : '';
  let valueStart = -1;
  let valueEnd = -1;
  while (reader.pos < end) {
    const t = reader.tag();
    if (t === MAP_KEY_TAG) {
      key = wanted ? matchKey(reader, wanted) : readKey(reader);
    } else if (t === MAP_VALUE_TAG) {
      valueEnd = nestedEnd(reader);
      valueStart = reader.pos;
      reader.pos = valueEnd;
    } else {
      skipField(reader, t);
    }
  }
  expectEnd(reader, end);
  if (key === undefined) return;
  if (valueStart < 0) {
    out[key] = absent();
    return;
  }
  reader.pos = valueStart;
  out[key] = readValue(reader, valueEnd);
  reader.pos = end;
}

/** A FeatureList: its repeated Feature field, in order. */
function readFeatureList(reader: protobuf.Reader, end: number): Feature[] {
  const itemTag = tags().featureListItem;
  const list: Feature[] = [];
  while (reader.pos < end) {
    const t = reader.tag();
    if (t === itemTag) list.push(readFeature(reader, nestedEnd(reader)));
    else skipField(reader, t);
  }
  expectEnd(reader, end);
  return list;
}

function matchKey(reader: protobuf.Reader, wanted: FeatureKeys): string | undefined {
  const keyEnd = nestedEnd(reader);
  const key = wanted.match(reader.buf, reader.pos, keyEnd);
  reader.pos = keyEnd;
  return key;
}

/** A Feature's oneof: the last list present wins, as protobuf parsers do. */
function readFeature(reader: protobuf.Reader, end: number): Feature {
  const t = tags();
  let feature: Feature = { kind: 'none' };
  while (reader.pos < end) {
    const fieldTag = reader.tag();
    if (fieldTag === t.bytesList)
      feature = { kind: 'bytes', value: readBytesList(reader, nestedEnd(reader), t.bytesValue) };
    else if (fieldTag === t.floatList)
      feature = { kind: 'float', value: readNumberList(reader, nestedEnd(reader), t.floatValue, readFloat) };
    else if (fieldTag === t.int64List)
      feature = { kind: 'int64', value: readNumberList(reader, nestedEnd(reader), t.int64Value, readInt64) };
    else skipField(reader, fieldTag);
  }
  expectEnd(reader, end);
  return feature;
}

function readBytesList(reader: protobuf.Reader, end: number, valueTag: number): Uint8Array[] {
  const values: Uint8Array[] = [];
  while (reader.pos < end) {
    const t = reader.tag();
    if (t === valueTag) values.push(reader.bytes());
    else skipField(reader, t);
  }
  expectEnd(reader, end);
  return values;
}

/** Numeric lists may be packed (one length-delimited run) or not (one field per value); parsers must accept both. */
function readNumberList<T>(
  reader: protobuf.Reader,
  end: number,
  valueTags: { scalar: number; packed: number },
  readValue: (reader: protobuf.Reader) => T,
): T[] {
  const values: T[] = [];
  while (reader.pos < end) {
    const t = reader.tag();
    if (t === valueTags.scalar) {
      values.push(readValue(reader));
    } else if (t === valueTags.packed) {
      const runEnd = nestedEnd(reader);
      while (reader.pos < runEnd) values.push(readValue(reader));
      if (reader.pos !== runEnd) throw new Malformed('a packed value overruns its list');
    } else {
      skipField(reader, t);
    }
  }
  expectEnd(reader, end);
  return values;
}

const readFloat = (reader: protobuf.Reader): number => reader.float();
const readInt64 = (reader: protobuf.Reader): bigint => longToBigInt(reader.int64());

function longToBigInt(value: { low: number; high: number } | number): bigint {
  if (typeof value === 'number') return BigInt(value);
  if (value.high === 0) return BigInt(value.low >>> 0); // labels and sizes: one BigInt, not four
  return (BigInt(value.high) << 32n) + BigInt(value.low >>> 0);
}

function toMessage(f: Feature): FeatureMessage {
  switch (f.kind) {
    case 'bytes':
      return { bytesList: { value: f.value } };
    case 'float':
      return { floatList: { value: Array.from(f.value) } };
    case 'int64':
      return { int64List: { value: f.value.map((v) => Long.fromString(v.toString())) } };
    case 'none':
      return {};
  }
}

function fromMessage(m: FeatureMessage): Feature {
  if (m.bytesList) return { kind: 'bytes', value: m.bytesList.value ?? [] };
  if (m.floatList) return { kind: 'float', value: m.floatList.value ?? [] };
  if (m.int64List) return { kind: 'int64', value: (m.int64List.value ?? []).map(longToBigInt) };
  return { kind: 'none' };
}

export const bytesFeature = (...value: (Uint8Array | string)[]): Feature => ({
  kind: 'bytes',
  value: value.map((v) => (typeof v === 'string' ? Buffer.from(v, 'utf8') : v)),
});
export const floatFeature = (...value: number[]): Feature => ({ kind: 'float', value });
export const int64Feature = (...value: (number | bigint)[]): Feature => ({
  kind: 'int64',
  value: value.map((v) => BigInt(v)),
});

/** Typed accessors that name the missing or mistyped key. */
export function getBytes(features: Features, key: string): Uint8Array[] {
  return expectKind(features, key, 'bytes').value;
}
export function getFloats(features: Features, key: string): number[] {
  return expectKind(features, key, 'float').value;
}
export function getInt64s(features: Features, key: string): bigint[] {
  return expectKind(features, key, 'int64').value;
}
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const MIN_SAFE = BigInt(Number.MIN_SAFE_INTEGER);

/** First int64 value as a JS number; throws if it is not exactly representable. */
export function getInt(features: Features, key: string): number {
  const [v] = getInt64s(features, key);
  if (v === undefined) throw new Error(`feature '${key}' is empty`);
  if (v > MAX_SAFE || v < MIN_SAFE) throw new Error(`feature '${key}' = ${v} does not fit a JS number`);
  return Number(v);
}
export function getString(features: Features, key: string): string {
  const [v] = getBytes(features, key);
  if (v === undefined) throw new Error(`feature '${key}' is empty`);
  return Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('utf8');
}

function expectKind<K extends Feature['kind']>(
  features: Features,
  key: string,
  kind: K,
): Extract<Feature, { kind: K }> {
  const f = features[key];
  if (!f) throw new Error(`feature '${key}' is missing (have: ${Object.keys(features).join(', ') || 'none'})`);
  if (f.kind === 'none' && kind !== 'none') return { kind, value: [] } as unknown as Extract<Feature, { kind: K }>;
  if (f.kind !== kind) throw new Error(`feature '${key}' is ${f.kind}_list, expected ${kind}_list`);
  return f as Extract<Feature, { kind: K }>;
}
