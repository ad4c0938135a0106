import { SingleBar } from 'cli-progress';

export interface ProgressBar {
  update(done: number, extra?: Record<string, string | number>): void;
  stop(): void;
}

/**
 * A progress bar on stderr with items/s and ETA. When stderr is not a terminal
 * (CI, pipes) it prints a plain line every few seconds instead of redrawing.
 */
export function progressBar(label: string, total: number, unit = 'images'): ProgressBar {
  const started = Date.now();
  const bar = new SingleBar({
    format: `${label} [{bar}] {percentage}% | {value}/{total} ${unit} | {rate} ${unit}/s | ETA {eta_formatted}{note}`,
    stream: process.stderr,
    noTTYOutput: true,
    notTTYSchedule: 5000,
    hideCursor: true,
    etaBuffer: 200,
  });
  bar.start(total, 0, { rate: '0', note: '' });
  return {
    update(done, extra = {}) {
      const seconds = Math.max((Date.now() - started) / 1000, 1e-3);
      bar.update(done, { rate: (done / seconds).toFixed(1), note: '', ...extra });
    },
    stop() {
      bar.stop();
    },
  };
}
