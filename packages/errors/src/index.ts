export {
  type ErrorCode,
  formatValue,
  isKnownError,
  kebabCase,
  OptionError,
  ShardlineError,
  writeError,
} from './errors';
