/**
 * Stopping a long-running command (`callguard enforce`, `callguard
 * investigate`, and the signal watch and bounded stop of `callguard
 * detect`): the stop signals are watched from before the start, a stop
 * during the start gives the start up, a second stop signal ends the process
 * at once, and the graceful stop has a deadline after which the process ends
 * anyway, saying what did not close.
 */
import { constants } from 'node:os';

/** The signals that stop a command. */
export const STOP_SIGNALS = ['SIGTERM', 'SIGINT'] as const;
export type StopSignal = (typeof STOP_SIGNALS)[number];

/** The logger calls used here (pino's Logger fits). */
export interface StopLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/** Ends the process (process.exit unless a test gives another). */
export type Exit = (code: number) => void;

const processExit: Exit = (code) => process.exit(code);

/** Where signals come from (process unless a test gives another emitter). */
export interface SignalSource {
  on(event: StopSignal, listener: () => void): unknown;
  off(event: StopSignal, listener: () => void): unknown;
}

/** The exit code of a process ended by `signal`, as a shell reports it: 128 + its number (SIGINT 130, SIGTERM 143). */
export function signalExitCode(signal: StopSignal): number {
  return 128 + constants.signals[signal];
}

/** The stop signals of a running command, see {@link watchStopSignals}. */
export interface StopSignals {
  /** Aborted at the first stop signal: hand it to the start, which gives up. */
  readonly signal: AbortSignal;
  /** Resolves with the first stop signal. */
  readonly first: Promise<StopSignal>;
  /** The first stop signal, if one came. */
  received(): StopSignal | undefined;
  /** Removes the handlers (the signals get Node's default handling again). */
  dispose(): void;
}

/** Options of {@link watchStopSignals}. */
export interface WatchOptions {
  log: StopLog;
  exit?: Exit;
  source?: SignalSource;
}

/**
 * Installs SIGTERM and SIGINT handlers. The first of either aborts `signal`
 * and resolves `first`; any later one, the same or the other, ends the
 * process at once with {@link signalExitCode} of that signal, closing
 * nothing (an operator's second Ctrl-C or a supervisor's second signal).
 */
export function watchStopSignals(o: WatchOptions): StopSignals {
  const exit = o.exit ?? processExit;
  const source: SignalSource = o.source ?? process;
  const abort = new AbortController();
  let firstSignal: StopSignal | undefined;
  let resolveFirst!: (s: StopSignal) => void;
  const first = new Promise<StopSignal>((resolve) => (resolveFirst = resolve));
  const handlers = STOP_SIGNALS.map((s) => {
    const handler = () => {
      if (firstSignal === undefined) {
        firstSignal = s;
        abort.abort(new Error(`stopped by ${s}`));
        resolveFirst(s);
        return;
      }
      o.log.warn({ signal: s, first: firstSignal }, `${s} after ${firstSignal}: exiting at once, without closing`);
      exit(signalExitCode(s));
    };
    source.on(s, handler);
    return [s, handler] as const;
  });
  return {
    signal: abort.signal,
    first,
    received: () => firstSignal,
    dispose: () => {
      for (const [s, handler] of handlers) source.off(s, handler);
    },
  };
}

/**
 * `p`, or a rejection with the signal's reason as soon as `signal` is aborted (`p` then goes on, unobserved): for a
 * start step that cannot be told to stop, such as kafkajs's connect, which retries an unreachable broker for many
 * seconds.
 */
export function untilAborted<T>(p: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return p;
  p.catch(() => {});
  let onAbort!: () => void;
  const aborted = new Promise<never>((_, reject) => {
    // The signal's own reason, whatever it is, as AbortSignal.throwIfAborted throws it.
    // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
    onAbort = () => reject(signal.reason);
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  });
  return Promise.race([p, aborted]).finally(() => signal.removeEventListener('abort', onAbort));
}

/** One thing to close at a stop, named for the log. */
export interface CloseStep {
  what: string;
  close(): unknown;
}

/** What {@link closeInOrder} could not close. */
export interface CloseOutcome {
  /** Closes that failed (the steps after them were still closed). */
  failed: Array<{ what: string; error: string }>;
  /** With a deadline that passed: the step in progress and those not reached. */
  notClosed: string[];
}

/**
 * Closes the steps one after another in the order given (a failed close is
 * recorded and the next one runs). With `deadlineMs`, gives up when it has
 * passed: the close in progress is left running, and it and the steps after
 * it are reported in `notClosed`.
 */
export async function closeInOrder(steps: readonly CloseStep[], deadlineMs?: number): Promise<CloseOutcome> {
  const failed: CloseOutcome['failed'] = [];
  let timer: NodeJS.Timeout | undefined;
  const expired =
    deadlineMs === undefined ? undefined : new Promise<'expired'>((resolve) => (timer = setTimeout(() => resolve('expired'), deadlineMs)));
  try {
    for (let i = 0; i < steps.length; i++) {
      const step = steps[i];
      const closing = (async () => step.close())().then(
        () => 'closed' as const,
        (err: unknown) => {
          failed.push({ what: step.what, error: err instanceof Error ? err.message : String(err) });
          return 'failed' as const;
        },
      );
      const r = expired ? await Promise.race([closing, expired]) : await closing;
      if (r === 'expired') return { failed, notClosed: steps.slice(i).map((s) => s.what) };
    }
    return { failed, notClosed: [] };
  } finally {
    clearTimeout(timer);
  }
}

/** Options of {@link stopWithin} and {@link endFailedStart}. */
export interface EndOptions {
  /** The stop's deadline, ms. */
  deadlineMs: number;
  log: StopLog;
  exit?: Exit;
}

/**
 * The graceful stop: `close(deadlineMs)` (a {@link closeInOrder}). Resolves
 * 0 when everything closed, 1 when a close failed (logged). When the
 * deadline passed it logs what did not close and ends the process with 1 at
 * once: what is stuck would otherwise keep it alive.
 */
export async function stopWithin(close: (deadlineMs: number) => Promise<CloseOutcome>, o: EndOptions): Promise<number> {
  const outcome = await close(o.deadlineMs);
  for (const f of outcome.failed) o.log.error({ what: f.what, err: f.error }, `stop: ${f.what} failed to close`);
  if (outcome.notClosed.length > 0) {
    o.log.error({ notClosed: outcome.notClosed, deadlineMs: o.deadlineMs }, `stop deadline (${o.deadlineMs} ms) passed: ${outcome.notClosed.join(', ')} did not close; exiting with 1`);
    (o.exit ?? processExit)(1);
    return 1;
  }
  return outcome.failed.length > 0 ? 1 : 0;
}

/** A start that failed or was given up at a stop signal, after closing what it had opened. */
export class StartFailure extends Error {
  /** What the start had opened and could not close within the deadline. */
  readonly notClosed: string[];
  constructor(cause: unknown, notClosed: string[]) {
    super(cause instanceof Error ? cause.message : String(cause), { cause });
    this.name = 'StartFailure';
    this.notClosed = notClosed;
  }
}

/** Closes what a failed start had opened (last opened first, within `deadlineMs`); returns the error to throw. */
export async function closeFailedStart(cause: unknown, opened: readonly CloseStep[], deadlineMs: number): Promise<StartFailure> {
  const outcome = await closeInOrder([...opened].reverse(), deadlineMs);
  return new StartFailure(cause, outcome.notClosed);
}

/**
 * After the start threw: the exit code of the command. Stopped by a signal
 * during the start: logs it and ends the process at once with 0 (nothing
 * ran, nothing to flush; a client library still retrying a connection,
 * kafkajs's, would otherwise keep the process alive until its retries run
 * out). A real failure: `could not start` on stderr and 1. Either way, when
 * something the start had opened did not close in time, logs it and ends
 * the process with 1.
 */
export function endFailedStart(err: unknown, stop: StopSignals, o: EndOptions & { command: string }): number {
  const exit = o.exit ?? processExit;
  const signal = stop.received();
  const notClosed = err instanceof StartFailure ? err.notClosed : [];
  if (signal === undefined) {
    stop.dispose();
    process.stderr.write(`${o.command}: could not start: ${(err as Error).message}\n`);
  } else {
    o.log.info({ signal }, 'stopped during start-up: nothing was running yet, nothing to flush');
  }
  if (notClosed.length > 0) {
    o.log.error({ notClosed, deadlineMs: o.deadlineMs }, `stop deadline (${o.deadlineMs} ms) passed: ${notClosed.join(', ')} did not close; exiting with 1`);
    exit(1);
    return 1;
  }
  if (signal === undefined) return 1;
  exit(0);
  return 0;
}

/** Options of {@link serveUntilStopped}. */
export interface ServeOptions<S> extends EndOptions {
  /** The command's name in messages, e.g. `callguard enforce`. */
  command: string;
  /** Starts the service; gives up when `signal` is aborted (a stop signal during the start). */
  start(signal: AbortSignal): Promise<S>;
  /** Called once the service runs (e.g. to say where it listens). */
  started(service: S): void;
  source?: SignalSource;
}

/**
 * Runs a long-running command's service until SIGTERM/SIGINT and resolves
 * with the exit code: the signals are watched from before the start; a start
 * that fails or is given up ends as {@link endFailedStart} says; at the first
 * stop signal the service is closed within the deadline ({@link stopWithin}).
 */
export async function serveUntilStopped<S extends { close(deadlineMs: number): Promise<CloseOutcome> }>(o: ServeOptions<S>): Promise<number> {
  const stop = watchStopSignals({ log: o.log, exit: o.exit, source: o.source });
  let running: S;
  try {
    running = await o.start(stop.signal);
  } catch (err) {
    return endFailedStart(err, stop, o);
  }
  o.started(running);
  const signal = await stop.first;
  o.log.info({ signal, deadlineMs: o.deadlineMs }, 'shutting down');
  return stopWithin((ms) => running.close(ms), o);
}
