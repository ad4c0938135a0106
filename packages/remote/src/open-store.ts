import { OptionError } from '@shardline/errors';
import { type DeepPartial, withDefaults } from '@shardline/options';
import { localStore, type ShardStore } from '@shardline/shards';
import { cachedStore } from './cached-store';
import { httpStore } from './http-store';
import { REMOTE_OPTIONS, type RemoteOptions } from './remote-options';
import { s3Store } from './s3-store';

/** Wait before the first retry of a remote read; it doubles with each retry in a row. */
const BACKOFF_MS = 200;

export function isRemote(location: string): boolean {
  return /^(https?|s3):\/\//i.test(location);
}

/**
 * The shard folder at `location`: a local path, an http(s):// URL prefix, or s3://bucket/prefix/.
 * Options left out take their REMOTE_OPTIONS defaults; they are checked here.
 */
export function openStore(location: string, given: DeepPartial<RemoteOptions> = {}): ShardStore {
  const options = withDefaults(REMOTE_OPTIONS, given);
  const s3 = /^s3:\/\//i.test(location);
  if (options.endpoint && !s3) throw new OptionError('endpoint', options.endpoint, 'applies to s3:// --shards only');
  if (!isRemote(location)) {
    if (options.cacheDir)
      throw new OptionError('cacheDir', options.cacheDir, 'applies to http(s):// and s3:// --shards only');
    return localStore(location);
  }
  const policy = { retries: options.retries, timeoutMs: options.timeout * 1000, backoffMs: BACKOFF_MS };
  const remote = s3 ? s3Store(location, policy, options.endpoint) : httpStore(location, policy);
  return options.cacheDir ? cachedStore(remote, options.cacheDir) : remote;
}
