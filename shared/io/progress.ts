/**
 * Progress of long file work on stderr: a bar when the stream is a terminal,
 * otherwise one plain line every few seconds (logs and CI stay readable),
 * nothing at all when quiet. Progress is measured in bytes read of the total
 * input size; an event count and rate ride along. When the size cannot be
 * known (an input read from a pipe or a character device), it shows bytes
 * read, events and events/s, without a percentage, bar or ETA.
 *
 * The bar is drawn by hand on one line (`\r`, the line cut to the terminal's
 * width, erase to its end), not with cli-progress (the simulator's bar, which
 * has nothing else to print meanwhile): cli-progress turns line wrap off and
 * saves and restores the cursor, so the bad-line reports written while it
 * showed vanished past the margin and its summary overwrote them. This one
 * touches no terminal mode: line wrap stays on
 * and the cursor is neither saved nor restored, so whatever else reaches the
 * terminal, and an interrupted run, leave it usable. Anything else written
 * to the same stream while the bar shows must go through
 * {@link ProgressReporter.log}, which puts it on lines of its own above the
 * bar; before another stream writes to the same terminal (flags on stdout),
 * {@link ProgressReporter.clear} takes the bar off its line.
 */

/** Reports progress; cheap to call often (it throttles itself). */
export interface ProgressReporter {
  /** `done` bytes of the total have been read; `events` records processed so far. */
  update(done: number, events: number): void;
  /**
   * Writes `text` (whole lines) to the progress stream, also when quiet or
   * stopped. On a terminal the bar's line is cleared first and the bar drawn
   * again below the text, so the text stands intact on lines of its own.
   */
  log(text: string): void;
  /**
   * Takes the bar off its line (a terminal only) so that another stream on
   * the same terminal can write there; the next update draws it again.
   */
  clear(): void;
  /** Ends the display: the bar stays at its last state, the cursor goes to the next line. Idempotent. */
  stop(): void;
}

/** A stream the progress is written to; `isTTY` and `columns` as on a tty.WriteStream. */
export type ProgressStream = NodeJS.WritableStream & { isTTY?: boolean; columns?: number };

/** Options of {@link createProgress}. */
export interface ProgressOptions {
  /** Total bytes to read; `null` when not known in advance (a pipe): no percentage, bar or ETA then. */
  total: number | null;
  /** Short prefix, e.g. `replay`. */
  label: string;
  quiet?: boolean;
  /** Where to write; default process.stderr. */
  stream?: ProgressStream;
  /** Seconds between plain lines when not a terminal; default 5. */
  intervalSeconds?: number;
  /** Clock in ms; default performance.now. */
  now?: () => number;
}

/** Creates the reporter fitting the stream: bar on a TTY, periodic lines otherwise, silent when quiet. */
export function createProgress(options: ProgressOptions): ProgressReporter {
  const stream = options.stream ?? process.stderr;
  if (options.quiet) return quietProgress(stream);
  return stream.isTTY ? barProgress(options, stream) : lineProgress(options, stream);
}

/** No progress at all; text given to log() is written as it is. */
function quietProgress(stream: NodeJS.WritableStream): ProgressReporter {
  return {
    update() {},
    log(text) {
      stream.write(text);
    },
    clear() {},
    stop() {},
  };
}

const BAR_SIZE = 40;
const MIN_BAR_SIZE = 10;
const REDRAW_MS = 100;
const ETA_SAMPLES = 50;
const CLEAR_LINE = '\r\x1b[2K';
const CLEAR_TO_END = '\x1b[K';

function barProgress(o: ProgressOptions, stream: ProgressStream): ProgressReporter {
  const now = o.now ?? (() => performance.now());
  const started = now();
  const known = o.total !== null;
  const total = known ? Math.max(1, o.total!) : 1;
  let done = 0;
  let events = 0;
  /** The bar is on the cursor's line (the cursor after it). */
  let shown = false;
  let stopped = false;
  let lastDraw = started;
  // (time, bytes) at recent draws, for the ETA: the rate of the last few seconds.
  const samples: Array<[number, number]> = [[started, 0]];

  const text = (t: number): string => {
    const s = (t - started) / 1000;
    const counts = `${formatCount(events)} events, ${formatCount(s > 0 ? events / s : 0)}/s`;
    if (!known) return `${o.label} | ${formatBytes(done)} read | ${counts} | ${formatDuration(s)}`;
    const frac = Math.min(done, total) / total;
    const tail = `] ${Math.floor(frac * 100)}% | ${formatBytes(done)} of ${formatBytes(o.total!)} | ${counts} | ETA ${eta(t, frac)}`;
    // A narrow terminal gets a shorter bar before the line is cut.
    const room = width() - (o.label.length + 2 + tail.length);
    const size = Math.max(MIN_BAR_SIZE, Math.min(BAR_SIZE, room));
    const filled = Math.round(frac * size);
    return `${o.label} [${'█'.repeat(filled)}${'░'.repeat(size - filled)}${tail}`;
  };
  const eta = (t: number, frac: number): string => {
    if (frac >= 1) return '0s';
    const [t0, d0] = samples[0];
    const rate = (Math.min(done, total) - d0) / (t - t0); // bytes per ms
    return rate > 0 ? formatDuration((total - Math.min(done, total)) / rate / 1000) : '?';
  };
  // One column short of the width: the cursor never waits at the margin for a wrap.
  const width = () => Math.max(1, (stream.columns || 80) - 1);
  const line = (): string => {
    const t = now();
    lastDraw = t;
    samples.push([t, Math.min(done, total)]);
    if (samples.length > ETA_SAMPLES) samples.shift();
    shown = true;
    return '\r' + text(t).slice(0, width()) + CLEAR_TO_END;
  };

  stream.write(line());
  return {
    update(d, e) {
      done = d;
      events = e;
      if (stopped || (shown && now() - lastDraw < REDRAW_MS)) return;
      stream.write(line());
    },
    log(t) {
      if (t === '') return;
      if (stopped || !shown) {
        stream.write(t);
        return;
      }
      stream.write(CLEAR_LINE + t + (t.endsWith('\n') ? '' : '\n') + line());
    },
    clear() {
      if (stopped || !shown) return;
      shown = false;
      stream.write(CLEAR_LINE);
    },
    stop() {
      if (stopped) return;
      stream.write(line() + '\n');
      stopped = true;
    },
  };
}

function lineProgress(o: ProgressOptions, stream: NodeJS.WritableStream): ProgressReporter {
  const now = o.now ?? (() => performance.now());
  const intervalMs = (o.intervalSeconds ?? 5) * 1000;
  const started = now();
  let next = started + intervalMs;
  return {
    update(done, events) {
      const t = now();
      if (t < next) return;
      next = t + intervalMs;
      const rate = events / ((t - started) / 1000);
      const where =
        o.total === null
          ? `${formatBytes(done)} read`
          : `${o.total > 0 ? ((100 * Math.min(done, o.total)) / o.total).toFixed(1) : '100.0'}% (${formatBytes(done)} of ${formatBytes(o.total)})`;
      stream.write(`${o.label}: ${where}, ${formatCount(events)} events, ${formatCount(rate)} events/s\n`);
    },
    log(text) {
      stream.write(text);
    },
    clear() {},
    stop() {},
  };
}

/** 1536 → `1.5 KB`, 2.5e9 → `2.5 GB` (decimal units). */
export function formatBytes(n: number): string {
  if (n < 1000) return `${n} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let v = n;
  let u = -1;
  while (v >= 1000 && u < units.length - 1) {
    v /= 1000;
    u++;
  }
  return `${v.toFixed(1)} ${units[u]}`;
}

/** Seconds as `42s`, `3m07s`, `2h05m`. */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/** 1234567 → `1,234,567` (rounded to an integer). */
export function formatCount(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}
