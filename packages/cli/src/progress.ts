import { SingleBar } from 'cli-progress';

export interface ProgressBar {
  update(done: number, extra?: Record<string, string | number>): void;
  stop(): void;
}

/** How often the bar takes a new count: cli-progress's ETA buffer made 8 kB of garbage an update. */
const UPDATE_MS = 100;

/**
 * A progress bar on stderr with items/s and ETA. When stderr is not a terminal
 * (CI, pipes) it prints a plain line every few seconds instead of redrawing.
 * Updates closer than UPDATE_MS are held back; stop() shows the last one.
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
  let shown = 0;
  let held: { done: number; extra: Record<string, string | number> } | undefined;
  const show = (done: number, extra: Record<string, string | number>) => {
    shown = Date.now();
    held = undefined;
    const seconds = Math.max((shown - started) / 1000, 1e-3);
    bar.update(done, { rate: (done / seconds).toFixed(1), note: '', ...extra });
  };
  return {
    update(done, extra = {}) {
      if (Date.now() - shown >= UPDATE_MS) show(done, extra);
      else held = { done, extra };
    },
    stop() {
      if (held) show(held.done, held.extra);
      bar.stop();
    },
  };
}
