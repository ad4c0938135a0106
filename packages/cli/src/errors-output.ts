import { formatValue, isKnownError, OptionError } from '@shardline/errors';

/** The text given for a flag on the command line (before yargs turned "abc" into NaN), if it is there. */
function givenText(flag: string, argv: string[]): string | undefined {
  for (const [i, arg] of argv.entries()) {
    if (arg === flag) return argv[i + 1];
    if (arg.startsWith(`${flag}=`)) return arg.slice(flag.length + 1);
  }
  return undefined;
}

/**
 * Prints an error for a person and returns the exit code: a bad option is one line and 2;
 * bad input or data (an error thrown on purpose) is one line and 1; anything else is a bug
 * in shardline, printed with its stack.
 */
export function reportError(err: unknown, argv: string[]): number {
  if (err instanceof OptionError) {
    const { flag } = err;
    const given = err.value === undefined ? '' : ` ${givenText(flag, argv) ?? formatValue(err.value)}:`;
    console.error(`shardline: ${flag}${given} ${err.rule}`);
    return 2;
  }
  if (isKnownError(err)) {
    console.error(`shardline: ${err.message}`);
    if (process.env.SHARDLINE_DEBUG) console.error(err.stack);
    return 1;
  }
  console.error(err instanceof Error ? err.stack : String(err));
  console.error(
    'shardline: this is a bug in shardline, not in your data or options: please report it with the lines above',
  );
  return 1;
}
