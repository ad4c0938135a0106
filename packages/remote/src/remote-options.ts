import { integer, type OptionTable } from '@shardline/options';

/** How shards at an http(s):// or s3:// --shards are read. REMOTE_OPTIONS holds each option's default and check. */
export interface RemoteOptions {
  /** An S3-compatible endpoint for s3:// locations (MinIO, Ceph, ...). Defaults to AWS. */
  endpoint?: string;
  /** Keep fetched shards here, checked against the manifest's SHA-256, for later epochs and runs. Defaults to none. */
  cacheDir?: string;
  /** Defaults to 5. */
  retries: number;
  /** Seconds without data before a request is dropped and tried again. Defaults to 30. */
  timeout: number;
}

export const REMOTE_OPTIONS: OptionTable<RemoteOptions> = {
  endpoint: {
    kind: 'string',
    describe:
      'S3-compatible endpoint URL for s3:// shards, e.g. http://localhost:9000 (default: AWS, region from AWS_REGION)',
  },
  cacheDir: {
    kind: 'string',
    describe:
      'Folder that keeps shards fetched from http(s):// or s3:// for later epochs and runs, each checked against the SHA-256 in manifest.json',
  },
  retries: {
    kind: 'number',
    default: 5,
    check: integer({ min: 0, max: 100 }),
    describe:
      'Retries of a remote read after a dropped connection, a timeout or a 5xx answer, with backoff; a read resumes at the byte it reached',
  },
  timeout: {
    kind: 'number',
    default: 30,
    check: integer({ min: 1, max: 3600 }),
    describe: 'Seconds a remote request may send nothing before it is dropped and tried again',
  },
};
