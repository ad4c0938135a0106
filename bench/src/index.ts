export { CONV_SHAPES, type ConvGradRow, type TrainingStepRow, benchConvGradients, benchTrainingSteps } from './conv-grads';
export { BENCH_AUGMENTATION, type IoBenchOptions, type IoBenchReport, type PathResult, runIoBench } from './io';
export { formatIoTable, writeIoReport } from './io-report';
export { type PackSpeedOptions, type PackSpeedRow, benchPackSpeed, formatPackSpeedTable } from './pack-speed';
