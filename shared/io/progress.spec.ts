import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createProgress, formatBytes, formatCount, silentProgress } from './progress.ts';

function capture(isTTY: boolean): { stream: PassThrough & { isTTY?: boolean; columns?: number }; text: () => string } {
  const stream: PassThrough & { isTTY?: boolean; columns?: number } = new PassThrough();
  stream.isTTY = isTTY;
  stream.columns = 120;
  const chunks: Buffer[] = [];
  stream.on('data', (c: Buffer) => chunks.push(c));
  return { stream, text: () => Buffer.concat(chunks).toString('utf8') };
}

describe('createProgress', () => {
  it('is silent when quiet, even on a terminal', () => {
    const out = capture(true);
    const p = createProgress({ total: 100, label: 'replay', quiet: true, stream: out.stream });
    expect(p).toBe(silentProgress);
    p.update(50, 10);
    p.stop();
    expect(out.text()).toBe('');
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
  });
});
