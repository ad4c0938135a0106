#!/usr/bin/env node
// Screenshots of a training report for the README, by headless Chromium (Debian: apt-get install -y chromium).
// Usage: node scripts/screenshot-report.mjs [RUN_DIR=runs/latest] [OUT_DIR=docs]
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import sharp from 'sharp';

const [run = 'runs/latest', out = 'docs'] = process.argv.slice(2);
const page = join(mkdtempSync(join(tmpdir(), 'report-')), 'page.png');
execFileSync(
  'chromium',
  [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--hide-scrollbars',
    `--screenshot=${page}`,
    '--window-size=1200,3400',
    `file://${resolve(run, 'index.html')}`,
  ],
  { stdio: ['ignore', 'ignore', 'ignore'] },
);
// The run table and augmentation preview, then the history and per-epoch table.
for (const [name, top, height] of [
  ['report-run.png', 0, 1240],
  ['report-history.png', 1210, 1050],
]) {
  await sharp(page).extract({ left: 0, top, width: 1200, height }).toFile(join(out, name));
  console.log(join(out, name));
}
