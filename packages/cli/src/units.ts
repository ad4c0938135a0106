import { OptionError } from '@shardline/errors';

/** Parses sizes such as 64MB, 100MiB, 512k, 1048576 into bytes. */
export function parseBytes(text: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(i?b)?\s*$/i.exec(text);
  if (!match)
    throw new OptionError('shardBytes', text, 'must be a size such as 64MB, 100MiB, 512k or 1048576', '--shard-size');
  const power = ' kmgt'.indexOf((match[2] ?? '').toLowerCase() || ' ');
  return Math.round(Number(match[1]) * 1024 ** power);
}

/** Parses an image size in Keras's target_size order: "64" (square) or "HEIGHTxWIDTH", such as "64x96" for 96 wide. */
export function parseImageSize(text: string): { width: number; height: number } {
  const match = /^(\d+)(?:x(\d+))?$/i.exec(text.trim());
  if (!match) {
    throw new OptionError(
      'height',
      text,
      'must be N (for NxN) or HEIGHTxWIDTH (Keras target_size order), such as 64 or 64x96',
      '--image-size',
    );
  }
  return { height: Number(match[1]), width: Number(match[2] ?? match[1]) };
}

export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(unit === 0 ? 0 : 1)} ${units[unit]}`;
}
