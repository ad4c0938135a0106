import type { DeepPartial, OptionSpec, OptionTable } from '@shardline/options';
import { flattenTable } from '@shardline/options';
import type { Argv, Options } from 'yargs';

/**
 * Adds every option of a library table as a flag. Flags get no yargs default: an option left
 * out stays out, and the library fills in its own default (which --help shows).
 */
export function addFlags<T>(yargs: Argv<T>, table: object, skip: readonly string[] = []): Argv<T> {
  for (const { flag, spec } of flattenTable(table)) if (!skip.includes(flag)) yargs.option(flag, yargsOption(spec));
  return yargs;
}

function yargsOption(spec: OptionSpec): Options {
  const shown = spec.defaultText ?? (spec.default === undefined ? undefined : showDefault(spec.default));
  return {
    type: spec.kind === 'number' ? 'number' : spec.kind === 'boolean' ? 'boolean' : 'string',
    describe: spec.describe,
    ...(spec.choices ? { choices: spec.choices as string[] } : {}),
    ...(shown === undefined ? {} : { defaultDescription: shown }),
  };
}

function parseFlag(spec: OptionSpec, raw: unknown): unknown {
  if (spec.kind === 'numbers' || spec.kind === 'pair') return String(raw).split(',').map(Number);
  if (spec.kind === 'strings')
    return String(raw)
      .split(',')
      .map((s) => s.trim());
  return raw;
}

function showDefault(value: unknown): string {
  return Array.isArray(value) ? value.join(',') : String(value);
}

/** The options the given flags spell, nested as the table is; flags not given are left out. */
export function optionsFromFlags<T>(
  table: OptionTable<T>,
  args: Record<string, unknown>,
  skip: readonly string[] = [],
): DeepPartial<T> {
  const options: Record<string, unknown> = {};
  for (const { path, flag, spec } of flattenTable(table)) {
    const raw = args[flag];
    if (raw === undefined || skip.includes(flag)) continue;
    const value = parseFlag(spec, raw);
    let parent = options;
    for (const key of path.slice(0, -1)) {
      parent[key] ??= {};
      parent = parent[key] as Record<string, unknown>;
    }
    parent[path.at(-1)!] = value;
  }
  return options as DeepPartial<T>;
}
