export { generateSample, SAMPLE_MARKER, SAMPLE_OPTIONS, type SampleOptions, type SampleResult } from './generate';
export { SHAPE_CLASSES, type ShapeClass, shapeSvg } from './shapes';
