export {
  benchConvGradients,
  benchTrainingSteps,
  CONV_SHAPES,
  type ConvGradRow,
  type TrainingStepRow,
} from './conv-grads';
export { BENCH_AUGMENTATION, type IoBenchOptions, type IoBenchReport, type PathResult, runIoBench } from './io';
export { formatIoTable, writeIoReport } from './io-report';
export { benchPackSpeed, formatPackSpeedTable, type PackSpeedOptions, type PackSpeedRow } from './pack-speed';
export {
  DEFAULT_TORCH_PEER,
  formatTrainBench,
  peerUnavailable,
  runTrainBench,
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
