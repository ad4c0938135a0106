import { type DeepPartial, type FlatOption, flattenTable, type OptionSpec, type OptionTable } from '@shardline/options';
import type { Argv, Options } from 'yargs';
import { parseBytes, parseImageSize } from './units';

/**
 * Adds every option of a library table as a flag. Flags get no yargs default: an option left
 * out stays out, and the library fills in its own default (which --help shows). A width and a
 * height option that share a flag are one image size (N or HEIGHTxWIDTH).
 */
export function addFlags<T>(yargs: Argv<T>, table: object): Argv<T> {
  for (const [flag, options] of byFlag(table)) {
    const { spec } = options[0]!;
    if (spec.positional)
      yargs.positional(flag, { type: 'string', array: true, demandOption: true, describe: spec.describe });
    else yargs.option(flag, options.length === 2 ? imageSizeOption(options) : yargsOption(spec));
  }
  return yargs;
}

/** The options the given flags spell, nested as the table is; flags not given are left out. */
export function optionsFromFlags<T>(table: OptionTable<T>, args: Record<string, unknown>): DeepPartial<T> {
  const options: Record<string, unknown> = {};
  for (const [flag, flagOptions] of byFlag(table)) {
    const raw = args[flag];
    if (raw === undefined) continue;
    if (flagOptions[0]!.spec.positional) {
      setPath(options, flagOptions[0]!.path, raw);
      continue;
    }
    const size = flagOptions.length === 2 ? parseImageSize(String(raw)) : undefined;
    for (const { path, spec } of flagOptions)
      setPath(options, path, size ? size[path.at(-1) as 'width' | 'height'] : parseFlag(spec, raw));
  }
  return options as DeepPartial<T>;
}

function byFlag(table: object): Map<string, FlatOption[]> {
  const flags = new Map<string, FlatOption[]>();
  for (const option of flattenTable(table)) flags.set(option.flag, [...(flags.get(option.flag) ?? []), option]);
  return flags;
}

function yargsOption(spec: OptionSpec): Options {
  const shown = spec.defaultText ?? (spec.default === undefined ? undefined : showDefault(spec.default));
  return {
    type: spec.kind === 'number' ? 'number' : spec.kind === 'boolean' ? 'boolean' : 'string',
    describe: spec.describe,
    ...(spec.choices ? { choices: spec.choices as string[] } : {}),
    ...(shown === undefined ? {} : { defaultDescription: shown }),
    ...(spec.required ? { demandOption: true } : {}),
  };
}

function imageSizeOption(options: FlatOption[]): Options {
  const [width, height] = ['width', 'height'].map((key) => options.find((o) => o.path.at(-1) === key)?.spec.default);
  return {
    type: 'string',
    describe:
      'Target size as Keras target_size: N for NxN, or HEIGHTxWIDTH (64x96 is 96 wide); images are stretched to it',
    defaultDescription: width === height ? String(width) : `${height}x${width}`,
  };
}

function parseFlag(spec: OptionSpec, raw: unknown): unknown {
  const text = String(raw);
  if (spec.kind === 'numbers' || spec.kind === 'pair') return text.split(',').map(Number);
  if (spec.kind === 'strings') return text.split(',').map((s) => s.trim());
  if (spec.kind === 'bytes') return parseBytes(text);
  return raw;
}

function showDefault(value: unknown): string {
  return Array.isArray(value) ? value.join(',') : String(value);
}

function setPath(options: Record<string, unknown>, path: string[], value: unknown): void {
  let parent = options;
  for (const key of path.slice(0, -1)) {
    parent[key] ??= {};
    parent = parent[key] as Record<string, unknown>;
  }
  parent[path.at(-1)!] = value;
}
