import sharp from 'sharp';

const TILE = 96;
const LINE = 13;

export interface CaptionLine {
  text: string;
  /** CSS colour. Defaults to black. */
  color?: string;
}

/** One image of a grid: HWC uint8 pixels, with caption lines under it. */
export interface GridTile {
  pixels: Uint8Array;
  caption: CaptionLine[];
}

export interface TileShape {
  width: number;
  height: number;
  channels: number;
}

/** Writes tiles as a PNG, `columns` per row, each scaled to 96 px (nearest: pixels stay visible). */
export async function writeImageGrid(
  file: string,
  tiles: GridTile[],
  shape: TileShape,
  columns: number,
): Promise<void> {
  const captionHeight = Math.max(0, ...tiles.map((t) => t.caption.length)) * LINE + (tiles.length ? 2 : 0);
  const rows = Math.max(1, Math.ceil(tiles.length / columns));
  const layers = await Promise.all(
    tiles.map(async (tile, i) => {
      const left = (i % columns) * TILE;
      const top = Math.floor(i / columns) * (TILE + captionHeight);
      const image = await sharp(tile.pixels, { raw: { ...shape, channels: shape.channels as 1 | 3 } })
        .resize(TILE, TILE, { kernel: 'nearest' })
        .png()
        .toBuffer();
      const layers: sharp.OverlayOptions[] = [{ input: image, left, top }];
      if (tile.caption.length > 0)
        layers.push({ input: captionSvg(tile.caption, captionHeight), left, top: top + TILE });
      return layers;
    }),
  );
  await sharp({
    create: { width: columns * TILE, height: rows * (TILE + captionHeight), channels: 3, background: 'white' },
  })
    .composite(layers.flat())
    .png()
    .toFile(file);
}

function captionSvg(lines: CaptionLine[], height: number): Buffer {
  const texts = lines.map(
    (line, i) =>
      `<text x="2" y="${(i + 1) * LINE - 2}" font-size="10" font-family="sans-serif" fill="${line.color ?? '#000'}">${escapeXml(line.text)}</text>`,
  );
  return Buffer.from(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${TILE}" height="${height}">${texts.join('')}</svg>`,
  );
}

export function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
