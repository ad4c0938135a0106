export {
  benchConvGradients,
  benchTrainingSteps,
  CONV_SHAPES,
  type ConvGradRow,
  type TrainingStepRow,
} from './conv-grads';
export { parsePixelCsv, writePixelCsvCopy } from './csv-path';
export {
  BENCH_AUGMENTATION,
  IO_BENCH_OPTIONS,
  type IoBenchOptions,
  type IoBenchReport,
  type PathResult,
  runIoBench,
} from './io';
export { formatIoTable, writeIoReport } from './io-report';
export {
  benchPackSpeed,
  formatPackSpeedTable,
  PACK_SPEED_OPTIONS,
  type PackSpeedOptions,
  type PackSpeedReport,
  type PackSpeedRow,
  packSpeedJson,
} from './pack-speed';
export { DEFAULT_FOLDER_PEER, DEFAULT_TORCH_PEER, peerUnavailable } from './peers';
export { SAMPLE_SOURCE } from './sample-source';
export {
  formatTrainBench,
  runTrainBench,
  TRAIN_BENCH_OPTIONS,
  type TrainBenchOptions,
  type TrainBenchReport,
  type TrainBenchRow,
  trainBenchJsonLines,
} from './train-bench';
export {
  MATRIX_KERNELS,
  measureTrainSteps,
  profileTrainStep,
  TRAIN_BENCH_MODELS,
  type TrainBenchModel,
} from './train-step';
