export { CsvFields, type CsvRowInput, parseCsvRecord, pixelFields } from './csv-row';
export {
  type ColorMode,
  DEFAULT_MAX_PIXELS,
  type DecodedImage,
  type DecodeFailure,
  type DecodeOptions,
  type DecodeResult,
  decodeImage,
  type ImageInput,
  type Payload,
} from './decode';
export { DECODERS, decoderFor, IMAGE_EXTENSIONS, type ImageDecoder, notAnImageName } from './decoders';
export { decodeStoredJpeg } from './jpeg';
export { decodeNetpbm } from './netpbm';
export type { CropBox, RawImage } from './raw-image';
export { useSharpAsWorker } from './sharp-decode';
