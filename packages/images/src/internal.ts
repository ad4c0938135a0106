/** The parts tests reach into; not a stable API. */
export { readCsvRow } from './csv-row';
export * from './index';
export { dctScaleEighths, decodeJpeg } from './jpeg';
export { readJpegHeader } from './jpeg-header';
export { viaSharp } from './sharp-decode';
export { decodeScaledRgba } from './turbojpeg-wasm';
