import { join } from 'node:path';
import Long from 'long';
import protobuf from 'protobufjs';

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

let exampleType: protobuf.Type | undefined;

function exampleMessage(): protobuf.Type {
  exampleType ??= protobuf.loadSync(join(PROTO_DIR, 'example.proto')).lookupType('tensorflow.Example');
  return exampleType;
}

interface FeatureMessage {
  bytesList?: { value?: Uint8Array[] };
  floatList?: { value?: number[] };
  int64List?: { value?: (Long | number)[] };
}

export function encodeExample(features: Features): Uint8Array {
  const feature: Record<string, FeatureMessage> = {};
  for (const [key, f] of Object.entries(features)) feature[key] = toMessage(f);
  return exampleMessage().encode({ features: { feature } }).finish();
}

/**
 * Decodes a serialized tf.train.Example; throws on malformed protobuf.
 * Walks the wire format with protobufjs's Reader, taking field numbers from the .proto
 * files: protobufjs's generated decoder cost 8-22 us per image record, most of a
 * training pipeline's budget, mainly in building oneof and Long objects it then drops.
 */
export function decodeExample(bytes: Uint8Array): Features {
  const reader = protobuf.Reader.create(bytes);
  const out: Features = {};
  const ids = fieldIds();
  readMessage(reader, reader.len, (field, wireType) => {
    if (field !== ids.features || wireType !== LENGTH_DELIMITED) return false;
    readMessage(reader, nestedEnd(reader), (entryField, entryWire) => {
      if (entryField !== ids.featureMap || entryWire !== LENGTH_DELIMITED) return false;
      readMapEntry(reader, nestedEnd(reader), out);
      return true;
    });
    return true;
  });
  return out;
}

/** protobufjs's generated decoder: slower, kept as the reference decodeExample is tested against. */
export function decodeExampleReference(bytes: Uint8Array): Features {
  const message = exampleMessage().decode(bytes) as unknown as { features?: { feature?: Record<string, FeatureMessage> } };
  const out: Features = {};
  for (const [key, f] of Object.entries(message.features?.feature ?? {})) out[key] = fromMessage(f);
  return out;
}

const LENGTH_DELIMITED = 2;
const VARINT = 0;
const FIXED32 = 5;
/** Map entries are messages with key = 1 and value = 2 (protobuf language guide). */
const MAP_KEY = 1;
const MAP_VALUE = 2;

interface FieldIds {
  features: number;
  featureMap: number;
  bytesList: number;
  floatList: number;
  int64List: number;
  bytesValue: number;
  floatValue: number;
  int64Value: number;
}

let cachedIds: FieldIds | undefined;

function fieldIds(): FieldIds {
  if (cachedIds) return cachedIds;
  const example = exampleMessage();
  const root = example.root;
  const field = (type: string, name: string) => root.lookupType(type).fields[name]!.id;
  cachedIds = {
    features: example.fields['features']!.id,
    featureMap: field('tensorflow.Features', 'feature'),
    bytesList: field('tensorflow.Feature', 'bytesList'),
    floatList: field('tensorflow.Feature', 'floatList'),
    int64List: field('tensorflow.Feature', 'int64List'),
    bytesValue: field('tensorflow.BytesList', 'value'),
    floatValue: field('tensorflow.FloatList', 'value'),
    int64Value: field('tensorflow.Int64List', 'value'),
  };
  return cachedIds;
}

/** Calls onField for every field up to end; fields it declines (returns false) are skipped. */
function readMessage(reader: protobuf.Reader, end: number, onField: (field: number, wireType: number) => boolean): void {
  while (reader.pos < end) {
    const tag = reader.uint32();
    if (!onField(tag >>> 3, tag & 7)) reader.skipType(tag & 7);
  }
  if (reader.pos !== end) throw new Error(`malformed protobuf: a field overruns its message by ${reader.pos - end} bytes`);
}

function nestedEnd(reader: protobuf.Reader): number {
  const length = reader.uint32();
  const end = reader.pos + length;
  if (end > reader.len) throw new Error(`malformed protobuf: a nested message of ${length} bytes passes the end of the data`);
  return end;
}

function readMapEntry(reader: protobuf.Reader, end: number, out: Features): void {
  let key = '';
  let value: Feature = { kind: 'none' };
  readMessage(reader, end, (field, wireType) => {
    if (wireType !== LENGTH_DELIMITED) return false;
    if (field === MAP_KEY) key = reader.string();
    else if (field === MAP_VALUE) value = readFeature(reader, nestedEnd(reader));
    else return false;
    return true;
  });
  out[key] = value;
}

/** A Feature's oneof: the last list present wins, as protobuf parsers do. */
function readFeature(reader: protobuf.Reader, end: number): Feature {
  const ids = fieldIds();
  let feature: Feature = { kind: 'none' };
  readMessage(reader, end, (field, wireType) => {
    if (wireType !== LENGTH_DELIMITED) return false;
    if (field === ids.bytesList) feature = { kind: 'bytes', value: readList(reader, ids.bytesValue, LENGTH_DELIMITED, () => reader.bytes()) };
    else if (field === ids.floatList) feature = { kind: 'float', value: readList(reader, ids.floatValue, FIXED32, () => reader.float()) };
    else if (field === ids.int64List) feature = { kind: 'int64', value: readList(reader, ids.int64Value, VARINT, () => longToBigInt(reader.int64())) };
    else return false;
    return true;
  });
  return feature;
}

/**
 * The values of a BytesList, FloatList or Int64List. Numeric lists may be packed
 * (one length-delimited run) or not (one field per value); parsers must accept both.
 */
function readList<T>(reader: protobuf.Reader, valueField: number, valueWireType: number, readValue: () => T): T[] {
  const values: T[] = [];
  readMessage(reader, nestedEnd(reader), (field, wireType) => {
    if (field !== valueField) return false;
    if (wireType === valueWireType) {
      values.push(readValue());
    } else if (wireType === LENGTH_DELIMITED) {
      const runEnd = nestedEnd(reader);
      while (reader.pos < runEnd) values.push(readValue());
      if (reader.pos !== runEnd) throw new Error('malformed protobuf: a packed value overruns its list');
    } else {
      return false;
    }
    return true;
  });
  return values;
}

function longToBigInt(value: { low: number; high: number } | number): bigint {
  if (typeof value === 'number') return BigInt(value);
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
export const int64Feature = (...value: (number | bigint)[]): Feature => ({ kind: 'int64', value: value.map((v) => BigInt(v)) });

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

function expectKind<K extends Feature['kind']>(features: Features, key: string, kind: K): Extract<Feature, { kind: K }> {
  const f = features[key];
  if (!f) throw new Error(`feature '${key}' is missing (have: ${Object.keys(features).join(', ') || 'none'})`);
  if (f.kind === 'none' && kind !== 'none') return { kind, value: [] } as unknown as Extract<Feature, { kind: K }>;
  if (f.kind !== kind) throw new Error(`feature '${key}' is ${f.kind}_list, expected ${kind}_list`);
  return f as Extract<Feature, { kind: K }>;
}
