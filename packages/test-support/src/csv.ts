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
