import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { decodeJpeg, decodeStoredJpeg, type RawImage, readJpegHeader, viaSharp } from '@shardline/images/internal';
import { generateSample } from '@shardline/sample';
import { tempDir } from '@shardline/test-support';
import sharp from 'sharp';

const SIZE = { width: 64, height: 64 };

/** Mean and largest absolute difference of the RGB values of two decodes. */
function difference(a: RawImage, b: RawImage): { mean: number; max: number } {
  let [sum, max, n] = [0, 0, 0];
  for (let p = 0; p < a.width * a.height; p++) {
    for (let c = 0; c < 3; c++) {
      const d = Math.abs(a.data[p * a.channels + c]! - b.data[p * b.channels + c]!);
      sum += d;
      max = Math.max(max, d);
      n++;
    }
  }
  return { mean: sum / n, max };
}

/** The JPEG without its APP2 ICC_PROFILE segments. */
function withoutIccProfile(jpeg: Buffer): Buffer {
  const kept: Buffer[] = [jpeg.subarray(0, 2)];
  let at = 2;
  while (jpeg[at] === 0xff && jpeg[at + 1] !== 0xda) {
    const end = at + 2 + jpeg.readUInt16BE(at + 2);
    if (!(jpeg[at + 1] === 0xe2 && jpeg.subarray(at + 4, at + 15).toString() === 'ICC_PROFILE'))
      kept.push(jpeg.subarray(at, end));
    at = end;
  }
  kept.push(jpeg.subarray(at));
  return Buffer.concat(kept);
}

describe('JPEG decoding', () => {
  test('the fast decoder stays within 1 level on average (16 at most) of sharp, which it is not', async () => {
    const src = tempDir();
    await generateSample({ out: src, count: 12 });
    const classes = readdirSync(src, { withFileTypes: true }).filter((entry) => entry.isDirectory());
    const files = classes.flatMap(({ name }) => readdirSync(join(src, name)).map((f) => join(src, name, f)));
    for (const file of files) {
      const bytes = readFileSync(file);
      const [fast, reference] = [await decodeJpeg(bytes, SIZE, 1e8), await viaSharp(bytes, SIZE, 1e8)];
      const { mean, max } = difference(fast, reference);
      assert.ok(mean <= 1 && max <= 16, `${file}: mean ${mean.toFixed(2)}, max ${max}`);
      assert.ok(mean > 0, `${file}: the same pixels as sharp, so sharp decoded it`);
    }
  });

  test('EXIF orientation is applied, as sharp applies it', async () => {
    // A wide image, red rising to the right and green downwards, stored rotated: orientation 6 turns it upright.
    const [w, h] = [96, 48];
    const ramp = (i: number) => [(((i % w) * 255) / w) | 0, ((Math.floor(i / w) * 255) / h) | 0, 128];
    const pixels = Buffer.alloc(w * h * 3).map((_, k) => ramp(Math.floor(k / 3))[k % 3]!);
    const tagged = await sharp(pixels, { raw: { width: w, height: h, channels: 3 } })
      .jpeg({ quality: 95 })
      .withMetadata({ orientation: 6 })
      .toBuffer();
    const bytes = withoutIccProfile(tagged); // sharp adds one, which would send the file to sharp
    assert.equal(readJpegHeader(bytes)?.hasIccProfile, false);
    assert.equal((await sharp(bytes).metadata()).orientation, 6);
    const size = { width: 24, height: 48 };
    const { mean } = difference(await decodeJpeg(bytes, size, 1e8), await viaSharp(bytes, size, 1e8));
    assert.ok(mean > 0 && mean < 3, `mean difference ${mean.toFixed(2)}: orientation not applied alike`);
  });

  test('the header gives size and components without decoding; a file cut before its end is refused', async () => {
    const bytes = await sharp({ create: { width: 40, height: 30, channels: 3, background: '#336699' } })
      .jpeg()
      .toBuffer();
    assert.deepEqual(readJpegHeader(bytes), { width: 40, height: 30, components: 3, hasIccProfile: false });
    const withProfile = await sharp(bytes).withIccProfile('p3').jpeg().toBuffer();
    assert.equal(readJpegHeader(withProfile)?.hasIccProfile, true);
    // The fast decoder fills a cut scan with grey; such a file must be refused, as sharp refuses it.
    const textured = Buffer.alloc(96 * 48 * 3).map((_, i) => (i * 37) % 256);
    const large = await sharp(textured, { raw: { width: 96, height: 48, channels: 3 } })
      .jpeg({ quality: 95 })
      .toBuffer();
    const cut = large.subarray(0, large.length - 200);
    await assert.rejects(decodeJpeg(cut, SIZE, 1e8), /premature end|truncated|corrupt/i);
    await assert.rejects(decodeJpeg(bytes, SIZE, 100), /over the limit of 100 pixels/);
  });

  test('a stored JPEG payload decodes at its size within a level of sharp, gray ones to one channel', async () => {
    const [width, height] = [24, 16];
    const pixels = Buffer.alloc(width * height * 3).map((_, i) => (i * 29 + (i >> 6) * 7) % 256);
    for (const channels of [3, 1] as const) {
      const stored = await sharp(pixels, { raw: { width, height, channels: 3 } })
        .toColourspace(channels === 1 ? 'b-w' : 'srgb')
        .jpeg({ quality: 90 })
        .toBuffer();
      const fast = await decodeStoredJpeg(stored, { width, height }, channels);
      const reference = await sharp(stored)
        .toColourspace(channels === 1 ? 'b-w' : 'srgb')
        .raw()
        .toBuffer();
      assert.equal(fast.length, width * height * channels);
      const mean = fast.reduce((sum, v, i) => sum + Math.abs(v - reference[i]!), 0) / fast.length;
      assert.ok(mean <= 1, `${channels} channel(s): mean difference ${mean.toFixed(3)}`);
    }
    // A payload of another size than its record is refused, not stretched to the record's size.
    const smaller = await sharp(pixels, { raw: { width, height, channels: 3 } })
      .resize(12, 8)
      .jpeg()
      .toBuffer();
    await assert.rejects(
      decodeStoredJpeg(smaller, { width, height }, 3),
      /^Error: the JPEG payload is 12x8, but the record is 24x16$/,
    );
    await assert.rejects(decodeStoredJpeg(Buffer.from('not a jpeg'), { width, height }, 3), /has no frame header/);
  });
});
