/**
 * What went wrong, for programs: a user who gave a bad option or bad data gets one clear
 * line from the CLI; any other error is a bug in shardline.
 *  - ERR_OPTION: an option value is out of its range (OptionError).
 *  - ERR_INPUT: an input the user named is missing, unreadable or of the wrong kind.
 *  - ERR_DATA: data is damaged, or does not hold what its manifest or model.json says.
 *  - ERR_MODEL: a model does not fit the data or the request.
 *  - ERR_ENVIRONMENT: the machine cannot do what was asked (backend, threads, disk).
 */
export type ErrorCode = 'ERR_OPTION' | 'ERR_INPUT' | 'ERR_DATA' | 'ERR_MODEL' | 'ERR_ENVIRONMENT';

export class ShardlineError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** An option value outside what the option allows; names the option, the value and the allowed range. */
export class OptionError extends ShardlineError {
  /** The command-line flag of the option, e.g. --rotation-range. */
  readonly flag: string;

  constructor(
    /** The option's path in the library's options object, e.g. augment.rotationRange. */
    readonly option: string,
    readonly value: unknown,
    /** What the option allows, e.g. "must be an integer from 1 to 8". */
    readonly rule: string,
    /** Defaults to the option's last name in kebab-case. */
    flag?: string,
  ) {
    super('ERR_OPTION', `option ${option} = ${formatValue(value)}: ${rule}`);
    this.flag = flag ?? `--${kebabCase(option.split('.').pop()!)}`;
  }
}

/** An option's name as its command-line flag spells it: rotationRange is rotation-range. */
export function kebabCase(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

export function formatValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(formatValue).join(', ')}]`;
  return String(value);
}

/** A failed write, naming the file: Node's own errors from a stream or fd write (ENOSPC, EIO) do not. */
export function writeError(file: string, err: unknown): ShardlineError {
  return new ShardlineError(
    'ERR_ENVIRONMENT',
    `cannot write ${file}: ${err instanceof Error ? err.message : String(err)}`,
  );
}

/** Errors thrown on purpose: ShardlineError, and Node's system errors (ENOENT, ENOSPC, ...), which name a path. */
export function isKnownError(err: unknown): err is Error {
  return (
    err instanceof ShardlineError ||
    (err instanceof Error && typeof (err as NodeJS.ErrnoException).syscall === 'string')
  );
}

/**
 * An error as plain data, to cross a thread: a structured clone keeps an Error's message and stack
 * but not its class or code.
 */
export type ErrorData =
  | { kind: 'option'; option: string; value: unknown; rule: string; flag: string }
  | { kind: 'shardline'; code: ErrorCode; message: string }
  | { kind: 'other'; name: string; message: string; stack?: string; system?: SystemErrorFields };

/** What Node's system errors (ENOENT, ENOSPC, ...) carry besides their message. */
interface SystemErrorFields {
  code?: string;
  errno?: number;
  syscall: string;
  path?: string;
}

export function errorData(err: unknown): ErrorData {
  if (err instanceof OptionError) {
    const { option, value, rule, flag } = err;
    return { kind: 'option', option, value: cloneable(value) ? value : formatValue(value), rule, flag };
  }
  if (err instanceof ShardlineError) return { kind: 'shardline', code: err.code, message: err.message };
  if (!(err instanceof Error)) return { kind: 'other', name: 'Error', message: String(err) };
  const { code, errno, syscall, path } = err as NodeJS.ErrnoException;
  const system = typeof syscall === 'string' ? { code, errno, syscall, path } : undefined;
  return { kind: 'other', name: err.name, message: err.message, stack: err.stack, ...(system ? { system } : {}) };
}

/** The error that errorData described, of the same class, code and fields. */
export function errorFromData(data: ErrorData): Error {
  if (data.kind === 'option') return new OptionError(data.option, data.value, data.rule, data.flag);
  if (data.kind === 'shardline') return new ShardlineError(data.code, data.message);
  const err = Object.assign(new Error(data.message), data.system ?? {});
  err.name = data.name;
  if (data.stack) err.stack = data.stack;
  return err;
}

function cloneable(value: unknown): boolean {
  try {
    structuredClone(value);
    return true;
  } catch {
    return false;
  }
}
