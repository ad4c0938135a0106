export { type ErrorCode, formatValue, isKnownError, OptionError, ShardlineError, writeError } from './errors';
