/** The parts tests reach into; not a stable API. */
export { readCsvRow } from './csv-row';
export * from './index';
export { decodeJpeg } from './jpeg';
export { readJpegHeader } from './jpeg-header';
export { viaSharp } from './sharp-decode';
