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

/** Decodes a serialized tf.train.Example; throws on malformed protobuf. */
export function decodeExample(bytes: Uint8Array): Features {
  const message = exampleMessage().decode(bytes) as unknown as { features?: { feature?: Record<string, FeatureMessage> } };
  const out: Features = {};
  for (const [key, f] of Object.entries(message.features?.feature ?? {})) out[key] = fromMessage(f);
  return out;
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
  if (m.int64List) return { kind: 'int64', value: (m.int64List.value ?? []).map(toBigInt) };
  return { kind: 'none' };
}

function toBigInt(v: Long | number): bigint {
  return typeof v === 'number' ? BigInt(v) : BigInt(v.toString());
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
/** First int64 value as a JS number; throws if it is not exactly representable. */
export function getInt(features: Features, key: string): number {
  const [v] = getInt64s(features, key);
  if (v === undefined) throw new Error(`feature '${key}' is empty`);
  if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < BigInt(Number.MIN_SAFE_INTEGER)) throw new Error(`feature '${key}' = ${v} does not fit a JS number`);
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
