import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { FakeTerminal } from '../../test/replay/terminal.ts';
import { createProgress, formatBytes, formatCount, formatDuration } from './progress.ts';

function capture(isTTY: boolean): { stream: PassThrough & { isTTY?: boolean; columns?: number }; text: () => string } {
  const stream: PassThrough & { isTTY?: boolean; columns?: number } = new PassThrough();
  stream.isTTY = isTTY;
  stream.columns = 120;
  const chunks: Buffer[] = [];
  stream.on('data', (c: Buffer) => chunks.push(c));
  return { stream, text: () => Buffer.concat(chunks).toString('utf8') };
}

describe('createProgress', () => {
  it('is silent when quiet, even on a terminal; what it is asked to log is written as it is', () => {
    const out = capture(true);
    const p = createProgress({ total: 100, label: 'replay', quiet: true, stream: out.stream });
    p.update(50, 10);
    p.clear();
    p.stop();
    expect(out.text()).toBe('');
    p.log('calls.jsonl:3: invalid JSON\n');
    expect(out.text()).toBe('calls.jsonl:3: invalid JSON\n');
  });

  it('writes what it is asked to log as it is when not a terminal, between its plain lines', () => {
    const out = capture(false);
    let t = 0;
    const p = createProgress({ total: 1000, label: 'replay', stream: out.stream, intervalSeconds: 5, now: () => t });
    p.log('calls.jsonl:3: invalid JSON\n');
    t = 5000;
    p.update(500, 10);
    p.clear();
    p.log('calls.jsonl:9: invalid JSON\n');
    p.stop();
    expect(out.text()).toBe(
      'calls.jsonl:3: invalid JSON\nreplay: 50.0% (500 B of 1.0 KB), 10 events, 2 events/s\ncalls.jsonl:9: invalid JSON\n',
    );
  });

  it('writes a plain line at most every interval when not a terminal', () => {
    const out = capture(false);
    let t = 0;
    const p = createProgress({ total: 2_000_000, label: 'replay', stream: out.stream, intervalSeconds: 5, now: () => t });
    t = 1000;
    p.update(100_000, 1000); // before the first interval: nothing
    t = 5000;
    p.update(1_000_000, 50_000);
    t = 6000;
    p.update(1_100_000, 60_000); // within the next interval: nothing
    t = 10_000;
    p.update(2_000_000, 100_000);
    p.stop();
    expect(out.text().split('\n').filter(Boolean)).toEqual([
      'replay: 50.0% (1.0 MB of 2.0 MB), 50,000 events, 10,000 events/s',
      'replay: 100.0% (2.0 MB of 2.0 MB), 100,000 events, 10,000 events/s',
    ]);
  });

  it('draws a bar on a terminal', () => {
    const out = capture(true);
    let t = 0;
    const p = createProgress({ total: 1000, label: 'replay', stream: out.stream, now: () => t });
    t = 1000;
    p.update(500, 2000);
    p.stop();
    expect(out.text()).toContain('replay [');
    expect(out.text()).toMatch(/100%|50%/);
  });
});

describe('the bar on a terminal, as the terminal shows it', () => {
  const BAR = /^replay \[[█░]+\] \d+% \| /;

  it('puts logged lines whole on lines of their own above the bar, and never turns line wrap off or moves the cursor back', () => {
    const term = new FakeTerminal(100);
    let t = 0;
    const p = createProgress({ total: 1000, label: 'replay', stream: term.plain(), now: () => t });
    t = 1000;
    p.update(200, 10);
    p.log('calls.jsonl:3: invalid JSON: Unexpected token o in JSON at position 1\n');
    t = 2000;
    p.update(500, 20);
    p.log('calls.jsonl:5: caller: not a phone number "abc"\ncalls.jsonl:6: answerTime: must be null\n');
    t = 3000;
    p.update(1000, 30);
    p.stop();
    p.log('… 3 more late-event reports not shown\n');
    const screen = term.screen();
    expect(screen.slice(0, 3)).toEqual([
      'calls.jsonl:3: invalid JSON: Unexpected token o in JSON at position 1',
      'calls.jsonl:5: caller: not a phone number "abc"',
      'calls.jsonl:6: answerTime: must be null',
    ]);
    expect(screen[3]).toMatch(BAR);
    expect(screen[3]).toContain('] 100% | 1.0 KB of 1.0 KB | 30 events, 10/s | ETA 0s');
    expect(screen[4]).toBe('… 3 more late-event reports not shown');
    expect(screen).toHaveLength(5);
    expect(term.raw).not.toContain('\x1b[?7l'); // line wrap stays on
    expect(term.raw).not.toMatch(/\x1b[78]/); // no cursor save/restore
  });

  it('keeps the bar within the width (a shorter bar, then the line cut) so that it never wraps onto a second line', () => {
    const term = new FakeTerminal(70);
    let t = 0;
    const p = createProgress({ total: 95_500_000, label: 'callguard replay', stream: term.plain(), now: () => t });
    for (let i = 1; i <= 10; i++) {
      t = i * 1000;
      p.update(i * 9_000_000, i * 400_000);
    }
    p.stop();
    const screen = term.screen();
    expect(screen).toHaveLength(1);
    expect(screen[0].length).toBeLessThan(70);
    expect(screen[0]).toMatch(/^callguard replay \[█+░*\] 94% \| 90\.0 MB of 95\.5 MB/);
  });

  it('takes the bar off its line on clear() (for another stream on the same terminal) and draws it again below on the next update', () => {
    const term = new FakeTerminal(100);
    let t = 0;
    const p = createProgress({ total: 1000, label: 'replay', stream: term.plain(), now: () => t });
    t = 1000;
    p.update(300, 10);
    p.clear();
    term.write('{"flagId":"f1"}\n{"flagId":"f2"}\n'); // what stdout writes on the same terminal
    t = 1010; // within the redraw interval: drawn anyway, it was cleared
    p.update(400, 12);
    p.stop();
    const screen = term.screen();
    expect(screen.slice(0, 2)).toEqual(['{"flagId":"f1"}', '{"flagId":"f2"}']);
    expect(screen[2]).toMatch(/^replay \[[█░]+\] 40% \| /);
    expect(screen).toHaveLength(3);
  });

  it('redraws at most every 100 ms however often it is updated', () => {
    const term = new FakeTerminal(100);
    let t = 0;
    const p = createProgress({ total: 1_000_000, label: 'replay', stream: term.plain(), now: () => t });
    for (let i = 1; i <= 1000; i++) {
      t = i; // 1 s in steps of 1 ms
      p.update(i * 1000, i);
    }
    expect(term.raw.split('\r').length - 1).toBeLessThanOrEqual(11);
    p.stop();
  });
});

describe('createProgress with an unknown total (input from a pipe)', () => {
  it('writes bytes read, events and events/s without a percentage when not a terminal', () => {
    const out = capture(false);
    let t = 0;
    const p = createProgress({ total: null, label: 'replay', stream: out.stream, intervalSeconds: 5, now: () => t });
    t = 5000;
    p.update(1_500_000, 50_000);
    t = 10_000;
    p.update(3_000_000, 100_000);
    p.stop();
    expect(out.text().split('\n').filter(Boolean)).toEqual([
      'replay: 1.5 MB read, 50,000 events, 10,000 events/s',
      'replay: 3.0 MB read, 100,000 events, 10,000 events/s',
    ]);
  });

  it('draws no bar, percentage or ETA on a terminal: bytes read, events and events/s', () => {
    const out = capture(true);
    let t = 0;
    const p = createProgress({ total: null, label: 'replay', stream: out.stream, now: () => t });
    t = 1000;
    p.update(2_500_000, 2000);
    p.stop();
    const text = out.text().replace(/\x1b(\[[0-9;?]*[A-Za-z]|[78])/g, ''); // without the terminal's control sequences
    expect(text).toContain('replay | 2.5 MB read | 2,000 events, 2,000/s');
    expect(text).not.toMatch(/%|ETA|\[|of /);
  });
});

describe('formatting', () => {
  it('formats bytes and counts', () => {
    expect(formatBytes(999)).toBe('999 B');
    expect(formatBytes(1500)).toBe('1.5 KB');
    expect(formatBytes(2_250_000_000)).toBe('2.3 GB');
    expect(formatCount(1234567.4)).toBe('1,234,567');
    expect(formatDuration(42.4)).toBe('42s');
    expect(formatDuration(187)).toBe('3m07s');
    expect(formatDuration(7500)).toBe('2h05m');
  });
});
