export { cachedStore } from './cached-store';
export { httpStore } from './http-store';
export { isRemote, openStore } from './open-store';
export { RemoteError, type RetryPolicy } from './ranged-stream';
export { REMOTE_OPTIONS, type RemoteOptions } from './remote-options';
export { s3Store } from './s3-store';
