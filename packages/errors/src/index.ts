export { type ErrorCode, OptionError, ShardlineError, formatValue, isKnownError, writeError } from './errors';
export { type Check, type OptionChecks, between, both, checkOptions, integer, listOf, number, oneOf, orderedPair, positive } from './option-checks';
