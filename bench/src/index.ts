export { CONV_SHAPES, type ConvGradRow, benchConvGradients, benchTrainingSteps } from './conv-grads';
