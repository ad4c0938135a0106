export {
  type ErrorCode,
  type ErrorData,
  errorData,
  errorFromData,
  formatValue,
  isKnownError,
  kebabCase,
  OptionError,
  ShardlineError,
  writeError,
} from './errors';
