import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { CsvFields, type CsvRowInput, readCsvRow } from '@shardline/images/internal';
import { tempDir } from '@shardline/test-support';

/**
 * What a row's pixels are, by the string route every row took before rows were read in place: strip
 * the BOM and line ends, split on the delimiter, and take each value as Number() does.
 */
function bySplitting(row: string, pixels: CsvRowInput['pixels'], expected: number): number[] | string {
  const fields = row
    .replace(/^\ufeff/, '')
    .replace(/^[\r\n]+|[\r\n]+$/g, '')
    .split(',');
  const values =
    'field' in pixels
      ? (fields[pixels.field] ?? '').trim().split(/\s+/).filter(Boolean)
      : fields.slice(pixels.first, pixels.first + pixels.count);
  if (values.length !== expected) return `has ${values.length} pixel values, expected ${expected}`;
  const bad = values.findIndex((t) => !(Number.isInteger(Number(t)) && Number(t) >= 0 && Number(t) <= 255 && t.trim()));
  return bad >= 0 ? `pixel ${bad} is ${JSON.stringify(values[bad])}` : values.map((t) => Number(t) + 0);
}

const COLUMN_ROWS = [
  '7,0,12,255,3\n',
  '7,007,12,255,3\n',
  '7,1e2,12,255,3\n',
  '7, 12,12,255,3\n',
  '7,256,1,2,3\n',
  '7,,1,2,3\n',
  '7,1.5,1,2,3\n',
  '7,1.0,1,2,3\n',
  '7,-0,1,2,3\n',
  '7,0x1F,1,2,3\n',
  '\ufeff7,1,2,3,4\r\n',
  '\n\r\n7,1,2,3,4\n',
  '7,1,2,3\n',
  '7,1,2,3,4,9\n',
  '7,1,2,3,4',
  '7,١,2,3,4\n',
];

const FIELD_ROWS = [
  '7,1 2 3 4\n',
  '7,  1  2 3 4  \r\n',
  '7,1\t2 3 4\n',
  '7,1\u00a02 3 4\n',
  '7,1\v2 3 4\n',
  '7,1 2 3\n',
  '7,1 2 3 x\n',
  '7,1 2 3 300\n',
  '7,,\n',
  '7\n',
];

/** Each row read by readCsvRow, as its pixels or the reason it is refused. */
function readRows(rows: string[], pixels: CsvRowInput['pixels']): (number[] | string)[] {
  const path = join(tempDir(), 'rows.csv');
  writeFileSync(path, rows.join(''));
  let start = 0;
  return rows.map((row) => {
    const end = start + Buffer.byteLength(row);
    const input: CsvRowInput = {
      kind: 'csv-row',
      path,
      start,
      end,
      delimiter: ',',
      pixels,
      width: 2,
      height: 2,
      channels: 1,
    };
    start = end;
    try {
      return Array.from(readCsvRow(input).data);
    } catch (err) {
      return (err as Error).message;
    }
  });
}

describe('pixel CSV rows read in place', () => {
  for (const [layout, rows, pixels] of [
    ['one column a pixel', COLUMN_ROWS, { first: 1, count: 4 }],
    ['one space-separated column', FIELD_ROWS, { field: 1 }],
  ] as const) {
    test(`${layout}: the same pixels, or the same refusal, as splitting the row into strings`, () => {
      const read = readRows(rows, pixels);
      rows.forEach((row, i) => {
        const expected = bySplitting(row, pixels, 4);
        if (typeof expected === 'string')
          assert.ok(String(read[i]).startsWith(expected), `${JSON.stringify(row)}: ${read[i]}`);
        else assert.deepEqual(read[i], expected, JSON.stringify(row));
      });
    });
  }

  test('fields, their count and their pixel count are found in the bytes, and one scanner serves row after row', () => {
    const fields = new CsvFields();
    const wide = `9;${Array.from({ length: 3000 }, (_, i) => i % 256).join(';')}\r\n`;
    assert.equal(fields.scan(Buffer.from(wide), ';').count, 3001);
    assert.equal(fields.pixelCount({ first: 1, count: 3000 }), 3000);
    assert.equal(fields.text(3000), '183');
    assert.deepEqual(
      Array.from(fields.plainPixels({ first: 1, count: 3000 }, 3000)!.subarray(254, 258)),
      [254, 255, 0, 1],
    );
    const short = fields.scan(Buffer.from('\ufeffa,bé,,c\n'), ',');
    assert.deepEqual(short.all(), ['a', 'bé', '', 'c']);
    assert.equal(short.text(4), undefined);
    assert.equal(short.pixelCount({ first: 2, count: 5 }), 2);
    assert.equal(fields.scan(Buffer.from('\r\n'), ',').count, 0);
    assert.equal(fields.scan(Buffer.from('x,1 2\u00a03'), ',').pixelCount({ field: 1 }), undefined);
  });
});
