import { OptionError } from '@shardline/errors';

/** What is wrong with a value, or undefined if it is allowed. */
export type Check = (value: unknown) => string | undefined;

/** Checks per option of an options object; options left undefined are not checked (their defaults are). */
export type OptionChecks<T> = { [K in keyof T]?: Check };

/** Throws OptionError for the first option whose value its check refuses. */
export function checkOptions<T extends object>(options: T, checks: OptionChecks<T>, prefix = ''): void {
  for (const [key, check] of Object.entries(checks) as [string, Check][]) {
    const value = (options as Record<string, unknown>)[key];
    if (value === undefined) continue;
    const problem = check(value);
    if (problem) throw new OptionError(prefix + key, value, problem);
  }
}

interface Range {
  min?: number;
  max?: number;
  /** Why the bound is there, when it is not obvious. */
  why?: string;
}

function range({ min, max }: Range): string {
  if (min !== undefined && max !== undefined) return `from ${min} to ${max}`;
  if (min !== undefined) return `of at least ${min}`;
  if (max !== undefined) return `of at most ${max}`;
  return '';
}

function bounded(kind: string, bounds: Range, isKind: (v: number) => boolean): Check {
  const rule = `must be ${kind} ${range(bounds)}`.trim() + (bounds.why ? ` (${bounds.why})` : '');
  return (value) => {
    if (typeof value !== 'number' || !isKind(value)) return rule;
    if (bounds.min !== undefined && value < bounds.min) return rule;
    if (bounds.max !== undefined && value > bounds.max) return rule;
    return undefined;
  };
}

export const integer = (bounds: Range = {}): Check => bounded('an integer', bounds, Number.isInteger);
export const number = (bounds: Range = {}): Check => bounded('a number', bounds, Number.isFinite);

/** A finite number above 0 (a learning rate, a multiplier). */
export const positive: Check = (value) =>
  typeof value === 'number' && Number.isFinite(value) && value > 0 ? undefined : 'must be a number above 0';

/** A number in an interval that excludes an end, e.g. (0, 1) for a dropout rate below 1. */
export function between(
  low: number,
  high: number,
  { lowOpen = false, highOpen = false, why }: { lowOpen?: boolean; highOpen?: boolean; why?: string } = {},
): Check {
  const rule =
    `must be a number ${lowOpen ? 'above' : 'from'} ${low} ${highOpen ? 'and below' : 'to'} ${high}` +
    (why ? ` (${why})` : '');
  return (value) => {
    if (typeof value !== 'number' || !Number.isFinite(value)) return rule;
    if (lowOpen ? value <= low : value < low) return rule;
    if (highOpen ? value >= high : value > high) return rule;
    return undefined;
  };
}

export function oneOf(...choices: readonly unknown[]): Check {
  const rule = `must be one of ${choices.map((c) => JSON.stringify(c)).join(', ')}`;
  return (value) => (choices.includes(value) ? undefined : rule);
}

/** A list whose every element passes check, with a length in bounds. */
export function listOf(check: Check, { minLength = 0, maxLength = Infinity, what = 'a list' } = {}): Check {
  return (value) => {
    if (!Array.isArray(value)) return `must be ${what}`;
    if (value.length < minLength || value.length > maxLength)
      return `must be ${what} of ${minLength === maxLength ? minLength : `${minLength} to ${maxLength}`} values`;
    for (const item of value) {
      const problem = check(item);
      if (problem) return `every value ${problem}`;
    }
    return undefined;
  };
}

/** Both checks must pass. */
export const both =
  (a: Check, b: Check): Check =>
  (value) =>
    a(value) ?? b(value);

/** A [low, high] pair of numbers with low <= high, each passing check. */
export function orderedPair(check: Check): Check {
  return both(listOf(check, { minLength: 2, maxLength: 2, what: 'a [low, high] pair' }), (value) => {
    const [low, high] = value as number[];
    return low! <= high! ? undefined : 'must be a [low, high] pair with low <= high';
  });
}
