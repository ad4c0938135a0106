export { CONV_SHAPES, type ConvGradRow, type TrainingStepRow, benchConvGradients, benchTrainingSteps } from './conv-grads';
export { BENCH_AUGMENTATION, type IoBenchOptions, type IoBenchReport, type PathResult, runIoBench } from './io';
export { formatIoTable, writeIoReport } from './io-report';
export { type PackSpeedOptions, type PackSpeedRow, benchPackSpeed, formatPackSpeedTable } from './pack-speed';
export { DEFAULT_TORCH_PEER, type TrainBenchOptions, type TrainBenchReport, type TrainBenchRow, formatTrainBench, peerUnavailable, runTrainBench, trainBenchJsonLines } from './train-bench';
export { MATRIX_KERNELS, TRAIN_BENCH_MODELS, type TrainBenchModel, measureTrainSteps, profileTrainStep } from './train-step';
