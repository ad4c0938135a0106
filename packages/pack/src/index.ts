export { CSV_OPTIONS, type CsvOptions, PIXEL_CSV_OPTIONS, type PixelCsvOptions } from './csv-table';
export { JOURNAL_FILE } from './journal';
export { mergeTasks } from './merge-tasks';
export { type PackOptions, type PackProgress, type PackResult, packDataset } from './pack';
export { MAX_IMAGE_SIDE, maxWorkers, PACK_OPTIONS, packOptions } from './pack-options';
export { DEFAULT_POOL, defaultWorkerCount, type PoolKind } from './pool';
export { listSource, type SourceItem, type SourceListing } from './sources';
