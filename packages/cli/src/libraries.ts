import type * as Bench from '@shardline/bench';
import type * as Train from '@shardline/train';

// Loaded when a command first needs them. tfjs takes about 0.2 s and 20 MB of live heap to load, and
// pack, inspect, verify and sample never use it; V8 sizes the heap from the live heap, so those
// 20 MB raised pack's peak several times over.

export function trainLibrary(): typeof Train {
  return require('@shardline/train');
}

export function benchLibrary(): typeof Bench {
  return require('@shardline/bench');
}
