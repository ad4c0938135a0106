import { kebabCase, OptionError } from '@shardline/errors';
import { type Check, integer } from './option-checks';

/** The seed every command starts from unless told otherwise; 1, which sample and train used before pack joined them. */
export const DEFAULT_SEED = 1;

/**
 * How a command line spells a value: comma lists for 'numbers' ("16,32,64"), 'pair' ("0.8,1.2")
 * and 'strings' ("a,b"); a size with units for 'bytes' ("64MiB").
 */
export type CliKind = 'number' | 'string' | 'boolean' | 'numbers' | 'pair' | 'strings' | 'bytes';

/** A seed option: an integer that defaults to DEFAULT_SEED. */
export function seedOption(describe: string): OptionSpec<number> {
  return { kind: 'number', default: DEFAULT_SEED, check: integer(), describe };
}

/** One option: everything the library, the CLI and --help need to know of it. */
export interface OptionSpec<V = unknown> {
  describe: string;
  kind: CliKind;
  choices?: readonly V[];
  /** Filled in by withDefaults when the option is not given. Absent: the option is optional, or required if `required`. */
  default?: V;
  /** A default that depends on the machine (its core count, say), computed when the options are filled. */
  defaultFrom?: () => V;
  /** How --help shows the default where the value reads badly (1/255) or depends on the machine. */
  defaultText?: string;
  required?: boolean;
  check?: Check;
  /** The CLI flag, when it is not the option's name in kebab-case. */
  flag?: string;
  /** The CLI takes it as the command's positional arguments, not as a flag. */
  positional?: boolean;
}

type Leaf = string | number | boolean | readonly unknown[] | undefined;

/** The table of an options type: a spec per value, a nested table per group. Callbacks have no entry. */
export type OptionTable<T> = {
  [K in keyof T as NonNullable<T[K]> extends (...args: never[]) => unknown ? never : K]-?: NonNullable<
    T[K]
  > extends Leaf
    ? OptionSpec<NonNullable<T[K]>>
    : OptionTable<NonNullable<T[K]>>;
};

/** An options object in which every group and value may be left out. */
export type DeepPartial<T> = {
  [K in keyof T]?: NonNullable<T[K]> extends Leaf | ((...args: never[]) => unknown)
    ? T[K]
    : DeepPartial<NonNullable<T[K]>>;
};

/** A width and a height option given together as one --image-size flag (N or HEIGHTxWIDTH). */
export function imageSizeOptions(
  width: number,
  height: number,
  check: Check,
): { width: OptionSpec<number>; height: OptionSpec<number> } {
  const side = (what: string, value: number): OptionSpec<number> => ({
    kind: 'number',
    flag: 'image-size',
    default: value,
    check,
    describe: `Image ${what} in pixels`,
  });
  return { width: side('width', width), height: side('height', height) };
}

/** One row of a table flattened for a command line. */
export interface FlatOption {
  /** Keys from the table's root, e.g. ['augment', 'rotationRange']. */
  path: string[];
  flag: string;
  spec: OptionSpec;
}

export function isSpec(entry: unknown): entry is OptionSpec {
  return (
    typeof entry === 'object' &&
    entry !== null &&
    typeof (entry as OptionSpec).describe === 'string' &&
    typeof (entry as OptionSpec).kind === 'string'
  );
}

/** Every option of a table, depth first, with its CLI flag (without the dashes). */
export function flattenTable(table: object, path: string[] = []): FlatOption[] {
  return Object.entries(table).flatMap(([key, entry]) =>
    isSpec(entry)
      ? [{ path: [...path, key], flag: entry.flag ?? kebabCase(key), spec: entry }]
      : flattenTable(entry as object, [...path, key]),
  );
}

/**
 * The options given, with every option left out set to its table default, then checked:
 * an OptionError names the first option whose value its check refuses, or a required one missing.
 */
export function withDefaults<T>(table: OptionTable<T>, given: DeepPartial<T>): T {
  const filled = fill(table, given as Record<string, unknown>);
  for (const { path, flag, spec } of flattenTable(table)) {
    const value = path.reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key], filled);
    const option = path.join('.');
    if (value === undefined) {
      if (spec.required) throw new OptionError(option, value, 'is required', `--${flag}`);
      continue;
    }
    const problem = spec.check?.(value) ?? choiceProblem(spec, value);
    if (problem) throw new OptionError(option, value, problem, `--${flag}`);
  }
  return filled as T;
}

/** The table's defaults alone, as an options object (groups included). */
export function tableDefaults<T>(table: OptionTable<T>): DeepPartial<T> {
  return fill(table, {}) as DeepPartial<T>;
}

function fill(table: object, given: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...given };
  for (const [key, entry] of Object.entries(table)) {
    if (isSpec(entry)) {
      const value = out[key] ?? entry.defaultFrom?.() ?? entry.default;
      if (value !== undefined) out[key] = value;
    } else {
      out[key] = fill(entry as object, (given[key] ?? {}) as Record<string, unknown>);
    }
  }
  return out;
}

function choiceProblem(spec: OptionSpec, value: unknown): string | undefined {
  if (!spec.choices || spec.choices.includes(value)) return undefined;
  return `must be one of ${spec.choices.map((c) => JSON.stringify(c)).join(', ')}`;
}
