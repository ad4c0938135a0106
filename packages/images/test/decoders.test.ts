import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { Transformer } from '@napi-rs/image';
import {
  dctScaleEighths,
  decodeJpeg,
  decodeScaledRgba,
  decodeStoredJpeg,
  type RawImage,
  readJpegHeader,
  viaSharp,
} from '@shardline/images/internal';
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

/** The JPEG files of a fresh sample of `count` images. */
async function sampleJpegs(count: number, size: { width?: number; height?: number } = {}): Promise<string[]> {
  const src = tempDir();
  await generateSample({ out: src, count, ...size });
  const classes = readdirSync(src, { withFileTypes: true }).filter((entry) => entry.isDirectory());
  return classes.flatMap(({ name }) => readdirSync(join(src, name)).map((f) => join(src, name, f)));
}

/** @napi-rs/image's decode of the whole image and Lanczos3 resize: what decodeJpeg gave before DCT scaling. */
function fullDecode(bytes: Buffer, size: { width: number; height: number }): RawImage {
  const data = new Transformer(bytes).fastResize({ ...size, filter: 5, fit: 1 }).rawPixelsSync();
  return { data, ...size, channels: 4 };
}

describe('JPEG decoding', () => {
  test('the fast decoder stays within 1 level on average (16 at most) of sharp, which it is not', async () => {
    for (const file of await sampleJpegs(12)) {
      const bytes = readFileSync(file);
      const [fast, reference] = [await decodeJpeg(bytes, SIZE, 1e8), await viaSharp(bytes, SIZE, 1e8)];
      const { mean, max } = difference(fast, reference);
      assert.ok(mean <= 1 && max <= 16, `${file}: mean ${mean.toFixed(2)}, max ${max}`);
      assert.ok(mean > 0, `${file}: the same pixels as sharp, so sharp decoded it`);
    }
  });

  test('a target at most half the source decodes through DCT-domain scaling, within 1 level on average of a full decode', async () => {
    assert.equal(dctScaleEighths({ width: 320, height: 240 }, { width: 64, height: 64 }), 3); // 120x90
    assert.equal(dctScaleEighths({ width: 320, height: 240 }, { width: 100, height: 100 }), 4); // 160x120
    assert.equal(dctScaleEighths({ width: 320, height: 240 }, { width: 150, height: 150 }), 8); // over half
    assert.equal(dctScaleEighths({ width: 4000, height: 3000 }, { width: 224, height: 224 }), 1); // 500x375
    assert.equal(dctScaleEighths({ width: 480, height: 360 }, { width: 150, height: 150 }), 4); // 240x180
    assert.equal(dctScaleEighths({ width: 500, height: 375 }, { width: 150, height: 150 }), 8); // 187.5 rows
    for (const [source, target] of [
      [{ width: 320, height: 240 }, SIZE],
      [
        { width: 480, height: 360 },
        { width: 150, height: 150 },
      ],
    ] as const) {
      let [sum, max] = [0, 0];
      const files = await sampleJpegs(6, source);
      for (const file of files) {
        const bytes = readFileSync(file);
        const difference_ = difference(await decodeJpeg(bytes, target, 1e8), fullDecode(bytes, target));
        assert.ok(difference_.mean > 0, `${file}: decoded at full size`);
        sum += difference_.mean;
        max = Math.max(max, difference_.max);
      }
      // The sample's noise is the hardest case: DCT scaling and Lanczos3 filter its fine grain differently.
      const mean = sum / files.length;
      assert.ok(mean <= 2 && max <= 96, `${source.width}x${source.height}: mean ${mean.toFixed(2)}, max ${max}`);
    }
  });

  test('a source whose scaled sides would not be whole is decoded at full size, not stretched by a padded pixel', async () => {
    for (const file of await sampleJpegs(3, { width: 333, height: 251 })) {
      const bytes = readFileSync(file);
      const { mean } = difference(await decodeJpeg(bytes, SIZE, 1e8), fullDecode(bytes, SIZE));
      assert.equal(mean, 0, `${file}: scaled`);
    }
  });

  test('libjpeg-turbo refuses damaged data and 12-bit files, and decodes the next file after an error exit', async () => {
    const [file] = await sampleJpegs(3);
    const good = readFileSync(file!);
    const scaled = { width: 120, height: 90 };
    const damaged = Buffer.from(good);
    for (let i = 2000; i < 2100; i++) damaged[i]! ^= 0xff;
    assert.equal(decodeScaledRgba(damaged, scaled), undefined); // a warning: corrupt data
    const twelveBit = Buffer.from(good);
    twelveBit[good.indexOf(Buffer.from([0xff, 0xc0])) + 4] = 12;
    assert.equal(decodeScaledRgba(twelveBit, scaled), undefined); // an error exit, which throws out of the library
    const pixels = decodeScaledRgba(good, scaled);
    assert.equal(pixels?.length, 120 * 90 * 4);
    // decodeJpeg still reads the damaged file as it did before: the other decoders take it.
    const image = await decodeJpeg(damaged, SIZE, 1e8);
    assert.equal(image.data.length, 64 * 64 * image.channels);
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
    assert.equal(readJpegHeader(bytes)?.orientation, 6);
    // At 12x24, DCT scaling would apply to an upright file (1/2 of the stored 96x48 covers 24x12).
    for (const size of [
      { width: 24, height: 48 },
      { width: 12, height: 24 },
    ]) {
      const { mean } = difference(await decodeJpeg(bytes, size, 1e8), await viaSharp(bytes, size, 1e8));
      assert.ok(
        mean > 0 && mean < 3,
        `${size.width}x${size.height}: mean difference ${mean.toFixed(2)}: orientation not applied alike`,
      );
    }
  });

  test('the header gives size and components without decoding; a file cut before its end is refused', async () => {
    const bytes = await sharp({ create: { width: 40, height: 30, channels: 3, background: '#336699' } })
      .jpeg()
      .toBuffer();
    assert.deepEqual(readJpegHeader(bytes), {
      width: 40,
      height: 30,
      components: 3,
      hasIccProfile: false,
      orientation: 1,
    });
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
