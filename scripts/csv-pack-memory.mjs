#!/usr/bin/env node
// Peak memory of `shardline pack` on pixel CSVs of growing length: the README's CSV memory table.
// Writes CSVs of random MNIST-shaped rows (784 pixels, seeded), packs each with the built CLI, and
// prints each process's peak RSS (VmHWM from /proc, sampled every 200 ms; Linux only).
// Usage: node scripts/csv-pack-memory.mjs [ROWS=10000,100000] [RUNS=3] [DIR=a temporary folder]
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream, existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const [rowList = '10000,100000', runs = '3', dir = mkdtempSync(join(tmpdir(), 'csv-memory-'))] = process.argv.slice(2);
const cli = join(import.meta.dirname, '..', 'packages', 'cli', 'dist', 'main.js');

async function writeCsv(rows) {
  const file = join(dir, `rows${rows}.csv`);
  if (existsSync(file)) return file;
  const out = createWriteStream(file);
  let state = 0x9e3779b9;
  // xorshift32: the same rows on every run, and distinct ones.
  const random = () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 2 ** 32;
  };
  out.write(`${['label', ...Array.from({ length: 784 }, (_, i) => `pixel${i}`)].join(',')}\n`);
  for (let r = 0; r < rows; r++) {
    const row = [r % 10];
    for (let i = 0; i < 784; i++) row.push(Math.floor(random() * 256));
    if (!out.write(`${row.join(',')}\n`)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  return file;
}

/** VmHWM in MiB of a process, or undefined once it is gone. */
function peakOf(pid) {
  try {
    return Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) / 1024;
  } catch {
    return undefined;
  }
}

function childrenOf(pid) {
  try {
    return readdirSync(`/proc/${pid}/task`).flatMap((task) =>
      readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').split(' ').filter(Boolean).map(Number),
    );
  } catch {
    return [];
  }
}

async function measure(csv) {
  const started = performance.now();
  const pack = spawn(
    process.execPath,
    [
      cli,
      'pack',
      '--src',
      csv,
      '--out',
      join(dir, 'shards'),
      '--force',
      '--color-mode',
      'grayscale',
      '--image-size',
      '28',
    ],
    { stdio: 'ignore' },
  );
  const peaks = new Map();
  const sample = () => {
    for (const pid of [pack.pid, ...childrenOf(pack.pid)]) {
      const peak = peakOf(pid);
      if (peak !== undefined) peaks.set(pid, Math.max(peaks.get(pid) ?? 0, peak));
    }
  };
  const timer = setInterval(sample, 200);
  const [code] = await once(pack, 'exit');
  clearInterval(timer);
  if (code !== 0) throw new Error(`pack of ${csv} exited with ${code}`);
  const decoders = [...peaks].filter(([pid]) => pid !== pack.pid).map(([, peak]) => peak);
  return { seconds: (performance.now() - started) / 1000, pack: peaks.get(pack.pid), decoders };
}

console.log('rows     seconds  pack process MiB  decode processes MiB');
for (let run = 1; run <= Number(runs); run++)
  for (const rows of rowList.split(',').map(Number)) {
    const { seconds, pack, decoders } = await measure(await writeCsv(rows));
    const decode = decoders.map((d) => d.toFixed(0)).join(', ');
    console.log(
      `${String(rows).padEnd(8)} ${seconds.toFixed(1).padStart(7)}  ${pack.toFixed(0).padStart(16)}  ${decode}`,
    );
  }
console.log(`(CSVs in ${dir})`);
