export { type SampleOptions, type SampleResult, generateSample } from './generate';
export { SHAPE_CLASSES, type ShapeClass, shapeSvg } from './shapes';
