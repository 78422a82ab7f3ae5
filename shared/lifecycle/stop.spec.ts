import { EventEmitter } from 'node:events';
import { describe, expect, it, vi } from 'vitest';
import { closeFailedStart, closeInOrder, endFailedStart, serveUntilStopped, signalExitCode, StartFailure, stopWithin, untilAborted, watchStopSignals, type StopLog } from './stop.ts';

function recorder(): StopLog & { lines: Array<{ level: string; obj: object; msg: string }> } {
  const lines: Array<{ level: string; obj: object; msg: string }> = [];
  return {
    lines,
    info: (obj, msg) => lines.push({ level: 'info', obj, msg }),
    warn: (obj, msg) => lines.push({ level: 'warn', obj, msg }),
    error: (obj, msg) => lines.push({ level: 'error', obj, msg }),
  };
}

const never = () => new Promise<void>(() => {});

describe('watchStopSignals', () => {
  it('the first signal aborts the start and resolves first; a second one of the other kind exits at once', async () => {
    for (const [a, b] of [['SIGTERM', 'SIGINT'], ['SIGINT', 'SIGTERM'], ['SIGTERM', 'SIGTERM'], ['SIGINT', 'SIGINT']] as const) {
      const source = new EventEmitter();
      const exit = vi.fn();
      const log = recorder();
      const stop = watchStopSignals({ log, exit, source });
      expect(stop.received()).toBeUndefined();
      source.emit(a);
      expect(stop.signal.aborted).toBe(true);
      await expect(stop.first).resolves.toBe(a);
      expect(stop.received()).toBe(a);
      expect(exit).not.toHaveBeenCalled();
      source.emit(b);
      expect(exit).toHaveBeenCalledWith(signalExitCode(b));
      expect(log.lines.at(-1)?.msg).toBe(`${b} after ${a}: exiting at once, without closing`);
      stop.dispose();
      expect(source.listenerCount('SIGTERM') + source.listenerCount('SIGINT')).toBe(0);
    }
    expect(signalExitCode('SIGINT')).toBe(130);
    expect(signalExitCode('SIGTERM')).toBe(143);
  });
});

describe('closeInOrder', () => {
  it('closes in order, each after the previous; a failed close is recorded and the rest still close', async () => {
    const order: string[] = [];
    const out = await closeInOrder([
      { what: 'a', close: async () => void order.push('a') },
      {
        what: 'b',
        close: async () => {
          order.push('b');
          throw new Error('boom');
        },
      },
      { what: 'c', close: () => void order.push('c') },
    ]);
    expect(order).toEqual(['a', 'b', 'c']);
    expect(out).toEqual({ failed: [{ what: 'b', error: 'boom' }], notClosed: [] });
  });

  it('gives up at the deadline: the stuck close and the ones after it did not close', async () => {
    const closed: string[] = [];
    const t0 = Date.now();
    const out = await closeInOrder(
      [
        { what: 'consumer', close: () => void closed.push('consumer') },
        { what: 'server', close: never },
        { what: 'redis', close: () => void closed.push('redis') },
      ],
      50,
    );
    expect(Date.now() - t0).toBeLessThan(1_000);
    expect(closed).toEqual(['consumer']);
    expect(out.notClosed).toEqual(['server', 'redis']);
  });

  it('without a deadline waits as long as a close takes', async () => {
    const out = await closeInOrder([{ what: 'slow', close: () => new Promise((r) => setTimeout(r, 30)) }]);
    expect(out).toEqual({ failed: [], notClosed: [] });
  });
});

describe('stopWithin', () => {
  it('0 when everything closed, 1 when a close failed (logged), nothing exits', async () => {
    const exit = vi.fn();
    const log = recorder();
    expect(await stopWithin((ms) => closeInOrder([{ what: 'a', close: () => {} }], ms), { deadlineMs: 100, log, exit })).toBe(0);
    expect(await stopWithin((ms) => closeInOrder([{ what: 'a', close: () => Promise.reject(new Error('no')) }], ms), { deadlineMs: 100, log, exit })).toBe(1);
    expect(log.lines.map((l) => l.msg)).toEqual(['stop: a failed to close']);
    expect(exit).not.toHaveBeenCalled();
  });

  it('a close past the deadline: logs what did not close and exits 1', async () => {
    const exit = vi.fn();
    const log = recorder();
    const code = await stopWithin((ms) => closeInOrder([{ what: 'consumer (leave the group, commit)', close: never }, { what: 'Redis', close: () => {} }], ms), { deadlineMs: 40, log, exit });
    expect(code).toBe(1);
    expect(exit).toHaveBeenCalledWith(1);
    expect(log.lines.at(-1)).toMatchObject({ level: 'error', obj: { notClosed: ['consumer (leave the group, commit)', 'Redis'], deadlineMs: 40 } });
    expect(log.lines.at(-1)?.msg).toBe('stop deadline (40 ms) passed: consumer (leave the group, commit), Redis did not close; exiting with 1');
  });
});

describe('a start given up or failed', () => {
  it('untilAborted rejects as soon as the signal is aborted', async () => {
    const abort = new AbortController();
    const p = untilAborted(never(), abort.signal);
    abort.abort(new Error('stopped by SIGTERM'));
    await expect(p).rejects.toThrow('stopped by SIGTERM');
    await expect(untilAborted(Promise.resolve(7), new AbortController().signal)).resolves.toBe(7);
  });

  it('closeFailedStart closes what was opened, last first, within the deadline', async () => {
    const order: string[] = [];
    const e = await closeFailedStart(new Error('EADDRINUSE'), [
      { what: 'redis', close: () => void order.push('redis') },
      { what: 'kafka', close: never },
      { what: 'server', close: () => void order.push('server') },
    ], 30);
    expect(e).toBeInstanceOf(StartFailure);
    expect(e.message).toBe('EADDRINUSE');
    expect(order).toEqual(['server']);
    expect(e.notClosed).toEqual(['kafka', 'redis']);
  });

  it('stopped during the start: exits 0; a real failure: could not start, 1; something left open: exits 1', () => {
    const source = new EventEmitter();
    const write = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      const stopped = watchStopSignals({ log: recorder(), exit: vi.fn(), source });
      source.emit('SIGTERM');
      const exit = vi.fn();
      expect(endFailedStart(new StartFailure(new Error('aborted'), []), stopped, { deadlineMs: 10, log: recorder(), exit, command: 'callguard x' })).toBe(0);
      expect(exit).toHaveBeenCalledWith(0);

      const failed = watchStopSignals({ log: recorder(), exit: vi.fn(), source: new EventEmitter() });
      const exit2 = vi.fn();
      expect(endFailedStart(new StartFailure(new Error('EADDRINUSE'), []), failed, { deadlineMs: 10, log: recorder(), exit: exit2, command: 'callguard x' })).toBe(1);
      expect(exit2).not.toHaveBeenCalled();
      expect(write).toHaveBeenCalledWith('callguard x: could not start: EADDRINUSE\n');

      const stuck = watchStopSignals({ log: recorder(), exit: vi.fn(), source });
      source.emit('SIGINT');
      const exit3 = vi.fn();
      const log = recorder();
      expect(endFailedStart(new StartFailure(new Error('aborted'), ['consumer']), stuck, { deadlineMs: 10, log, exit: exit3, command: 'callguard x' })).toBe(1);
      expect(exit3).toHaveBeenCalledWith(1);
      expect(log.lines.at(-1)?.msg).toMatch(/consumer did not close/);
    } finally {
      write.mockRestore();
    }
  });
});

describe('serveUntilStopped', () => {
  it('starts with the stop signal, says it runs, and at the first stop signal closes within the deadline: 0', async () => {
    const source = new EventEmitter();
    const log = recorder();
    const close = vi.fn(async () => ({ failed: [], notClosed: [] }));
    const started = vi.fn();
    let startSignal: AbortSignal | undefined;
    const code = serveUntilStopped({
      command: 'callguard x',
      deadlineMs: 50,
      log,
      exit: vi.fn(),
      source,
      start: async (signal) => {
        startSignal = signal;
        return { close };
      },
      started,
    });
    await vi.waitFor(() => expect(started).toHaveBeenCalledOnce());
    expect(startSignal?.aborted).toBe(false);
    source.emit('SIGTERM');
    await expect(code).resolves.toBe(0);
    expect(close).toHaveBeenCalledWith(50);
    expect(log.lines.find((l) => l.msg === 'shutting down')?.obj).toEqual({ signal: 'SIGTERM', deadlineMs: 50 });
  });

  it('a start that fails: could not start, 1, never started', async () => {
    const write = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      const started = vi.fn();
      const code = await serveUntilStopped({
        command: 'callguard x',
        deadlineMs: 50,
        log: recorder(),
        exit: vi.fn(),
        source: new EventEmitter(),
        start: async () => {
          throw new StartFailure(new Error('EADDRINUSE'), []);
        },
        started,
      });
      expect(code).toBe(1);
      expect(started).not.toHaveBeenCalled();
      expect(write).toHaveBeenCalledWith('callguard x: could not start: EADDRINUSE\n');
    } finally {
      write.mockRestore();
    }
  });
});
