/**
 * Progress of long file work on stderr: a cli-progress bar when the stream is
 * a terminal, otherwise one plain line every few seconds (logs and CI stay
 * readable), nothing at all when quiet. Progress is measured in bytes read
 * of the total input size; an event count and rate ride along. When the
 * size cannot be known (an input read from a pipe or a character device),
 * it shows bytes read, events and events/s, without a percentage, bar or ETA.
 */
import cliProgress from 'cli-progress';

/** Reports progress; cheap to call often (it throttles itself). */
export interface ProgressReporter {
  /** `done` bytes of the total have been read; `events` records processed so far. */
  update(done: number, events: number): void;
  /** Ends the display (the bar stays at its last state). */
  stop(): void;
}

/** Options of {@link createProgress}. */
export interface ProgressOptions {
  /** Total bytes to read; `null` when not known in advance (a pipe): no percentage, bar or ETA then. */
  total: number | null;
  /** Short prefix, e.g. `replay`. */
  label: string;
  quiet?: boolean;
  /** Where to write; default process.stderr. */
  stream?: NodeJS.WritableStream & { isTTY?: boolean };
  /** Seconds between plain lines when not a terminal; default 5. */
  intervalSeconds?: number;
  /** Clock in ms; default performance.now. */
  now?: () => number;
}

/** A reporter that does nothing (for `--quiet`). */
export const silentProgress: ProgressReporter = { update() {}, stop() {} };

/** Creates the reporter fitting the stream: bar on a TTY, periodic lines otherwise, silent when quiet. */
export function createProgress(options: ProgressOptions): ProgressReporter {
  if (options.quiet) return silentProgress;
  const stream = options.stream ?? process.stderr;
  return stream.isTTY ? barProgress(options, stream) : lineProgress(options, stream);
}

function barProgress(o: ProgressOptions, stream: NodeJS.WritableStream): ProgressReporter {
  const now = o.now ?? (() => performance.now());
  const started = now();
  const known = o.total !== null;
  const bar = new cliProgress.SingleBar(
    {
      stream,
      format: known
        ? `${o.label} [{bar}] {percentage}% | {read} of {size} | {events} events, {rate}/s | ETA {eta_formatted}`
        : `${o.label} | {read} read | {events} events, {rate}/s | {duration_formatted}`,
      hideCursor: false,
      etaBuffer: 50,
    },
    cliProgress.Presets.shades_classic,
  );
  // Unknown size: the bar's value stays 0 of 1 (nothing shows it); only the payload moves.
  const total = known ? Math.max(1, o.total!) : 1;
  bar.start(total, 0, { read: formatBytes(0), size: known ? formatBytes(o.total!) : '', events: '0', rate: '0' });
  return {
    update(done, events) {
      const s = (now() - started) / 1000;
      bar.update(known ? Math.min(done, total) : 0, {
        read: formatBytes(done),
        events: formatCount(events),
        rate: formatCount(s > 0 ? events / s : 0),
      });
    },
    stop() {
      bar.stop();
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

/** 1234567 → `1,234,567` (rounded to an integer). */
export function formatCount(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}
