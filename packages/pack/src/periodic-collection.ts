import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/**
 * A function of a running image count that runs a full garbage collection of this thread when the
 * count reaches `first`, and again each `every` images after: a pack's threads and processes keep
 * little from image to image, yet V8 lets their dead objects and buffers pile up with its length.
 */
export function collectionEvery(every: number, first = every): (images: number) => void {
  const collect = fullCollection();
  let next = first;
  return (images) => {
    if (images < next) return;
    next = images + every;
    collect();
  };
}

/** V8's gc(), taken from a context made while --expose-gc is briefly set; the flag is cleared again at once. */
function fullCollection(): () => void {
  setFlagsFromString('--expose-gc');
  try {
    return runInNewContext('gc') as () => void;
  } finally {
    setFlagsFromString('--no-expose-gc');
  }
}
