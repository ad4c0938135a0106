import type { S3Client } from '@aws-sdk/client-s3';
import type { ShardStore } from '@shardline/shards';
import type { ByteSource } from '@shardline/tfrecord';
import { type RangeFetch, type RetryPolicy, rangedSource, withRetries } from './ranged-stream';

type Sdk = typeof import('@aws-sdk/client-s3');

/** A client of the SDK, loaded on first use: importing it costs about 20 MiB and 130 ms, which no local read should pay. */
interface Connection {
  sdk: Sdk;
  client: S3Client;
}

/**
 * A shard folder in S3 at `s3://bucket/prefix/`, through the AWS SDK v3 with its standard credential
 * chain (environment, shared config and credentials files, SSO, instance and container roles).
 * `endpoint` points it at an S3-compatible store instead of AWS, with path-style addressing.
 */
export function s3Store(location: string, policy: RetryPolicy, endpoint?: string): ShardStore {
  const { bucket, prefix } = parseS3Url(location);
  let connection: Promise<Connection> | undefined;
  const connect = () => {
    connection ??= import('@aws-sdk/client-s3').then((sdk) => ({
      sdk,
      client: new sdk.S3Client({
        ...(endpoint ? { endpoint, forcePathStyle: true } : {}),
        region: process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1',
        // Retries are this package's, as for HTTP: they also resume a body that breaks off.
        maxAttempts: 1,
      }),
    }));
    return connection;
  };
  const key = (name: string) => `${prefix}${name}`;
  const url = (name: string) => `s3://${bucket}/${key(name)}`;
  return {
    location: `s3://${bucket}/${prefix}`,
    describe: url,
    readText: (name) =>
      withRetries(url(name), policy, async () => {
        const { sdk, client } = await connect();
        const object = await client.send(new sdk.GetObjectCommand({ Bucket: bucket, Key: key(name) }));
        return object.Body ? object.Body.transformToString() : '';
      }),
    source: (name) => s3Source(connect, bucket, key(name), url(name), policy),
  };
}

function s3Source(
  connect: () => Promise<Connection>,
  bucket: string,
  key: string,
  url: string,
  policy: RetryPolicy,
): ByteSource {
  const askSize = async () => {
    const { sdk, client } = await connect();
    const head = await client.send(new sdk.HeadObjectCommand({ Bucket: bucket, Key: key }));
    return head.ContentLength ?? 0;
  };
  const fetchFrom: RangeFetch = async (start, abortSignal) => {
    const { sdk, client } = await connect();
    const object = await client.send(new sdk.GetObjectCommand({ Bucket: bucket, Key: key, Range: `bytes=${start}-` }), {
      abortSignal,
    });
    return (object.Body ?? []) as AsyncIterable<Uint8Array>;
  };
  return rangedSource(url, policy, askSize, fetchFrom);
}

/** `s3://bucket/some/prefix` as its bucket and a key prefix that ends in a slash (or is empty). */
export function parseS3Url(location: string): { bucket: string; prefix: string } {
  const match = /^s3:\/\/([^/]+)\/?(.*)$/i.exec(location);
  if (!match) throw new Error(`not an s3:// URL: ${location}`);
  const path = match[2]!;
  return { bucket: match[1]!, prefix: path === '' || path.endsWith('/') ? path : `${path}/` };
}
