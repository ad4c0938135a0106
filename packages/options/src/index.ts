export {
  between,
  both,
  type Check,
  checkOptions,
  integer,
  listOf,
  number,
  type OptionChecks,
  oneOf,
  orderedPair,
  positive,
} from './option-checks';
export {
  type CliKind,
  type DeepPartial,
  type FlatOption,
  flattenTable,
  kebabCase,
  type OptionSpec,
  type OptionTable,
  tableDefaults,
  withDefaults,
} from './option-table';
