/** One image of a pixel CSV: its class and grayscale pixels. */
export interface CsvImage {
  label: number;
  pixels: number[];
}

/** `count` side x side grayscale images of `classes` classes, told apart by which rows are bright. */
export function csvImages(count: number, classes: number, side = 8): CsvImage[] {
  return Array.from({ length: count }, (_, i) => {
    const label = i % classes;
    const pixels = Array.from({ length: side * side }, (_, j) =>
      Math.floor(j / side) % classes === label ? 200 + ((i + j) % 40) : (i * 7 + j) % 40,
    );
    return { label, pixels };
  });
}

/** Kaggle digit-recognizer's layout: `label,pixel0,pixel1,...`. */
export function digitRecognizerCsv(images: CsvImage[]): string {
  const header = ['label', ...images[0]!.pixels.map((_, i) => `pixel${i}`)].join(',');
  return [header, ...images.map((image) => [image.label, ...image.pixels].join(','))].join('\n');
}

/** FER-2013's layout: `emotion,pixels,Usage` with quoted space-separated pixels, a BOM and CRLF line ends. */
export function fer2013Csv(images: CsvImage[], usage: (i: number) => string): string {
  const rows = images.map((image, i) => `${image.label},"${image.pixels.join(' ')}",${usage(i)}`);
  return `\ufeff${['emotion,pixels,Usage', ...rows].join('\r\n')}\r\n`;
}

/** No header line: the label, then the pixels. */
export function bareCsv(images: CsvImage[]): string {
  return images.map((image) => [image.label, ...image.pixels].join(',')).join('\n');
}

/** A PPM whose box (x1, y1)-(x2, y2), X2 and Y2 exclusive, is one grey level and the rest another. */
export function boxedPpm(width: number, height: number, box: number[], inside: number, outside: number): Buffer {
  const [x1, y1, x2, y2] = box as [number, number, number, number];
  const pixels = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++)
      pixels.fill(
        x >= x1 && x < x2 && y >= y1 && y < y2 ? inside : outside,
        (y * width + x) * 3,
        (y * width + x + 1) * 3,
      );
  return Buffer.concat([Buffer.from(`P6\n${width} ${height}\n255\n`), pixels]);
}

/** GTSRB's per-image table header (semicolon-separated). */
export const GTSRB_HEADER = 'Filename;Width;Height;Roi.X1;Roi.Y1;Roi.X2;Roi.Y2;ClassId';

/**
 * GTSRB's training layout: a folder per class (00000, 00001, ...) holding its PPMs and GT-NNNNN.csv;
 * each sign is bright inside its ROI box, classes differ in brightness.
 */
export function gtsrbTrainingFiles(classes: number, perClass: number): Record<string, Buffer | string> {
  const files: Record<string, Buffer | string> = {};
  for (let c = 0; c < classes; c++) {
    const folder = String(c).padStart(5, '0');
    const rows = Array.from({ length: perClass }, (_, i) => {
      const name = `${folder}_${String(i).padStart(5, '0')}.ppm`;
      files[`${folder}/${name}`] = boxedPpm(12, 10, [3, 2, 9, 8], 60 + c * 120 + (i % 10), 10);
      return `${name};12;10;3;2;9;8;${c}`;
    });
    files[`${folder}/GT-${folder}.csv`] = `${[GTSRB_HEADER, ...rows].join('\n')}\n`;
  }
  return files;
}
