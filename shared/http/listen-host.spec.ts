import { describe, expect, it } from 'vitest';
import { isListenHost, listenHostProblem } from './listen-host.ts';

describe('isListenHost', () => {
  it.each(['127.0.0.1', '0.0.0.0', '::1', '::', 'fe80::1', 'localhost', 'detector', 'callguard-detector.svc.cluster.local', 'host.'])(
    'takes %s',
    (h) => expect(isListenHost(h)).toBe(true),
  );

  it.each(['', ' ', '127.0.0.1:9464', 'http://localhost', '999.1.1.1', '127.1', 'local host', '-bad', 'bad-', 'a..b', '[::1]', 'x'.repeat(64)])(
    'refuses %j',
    (h) => expect(isListenHost(h)).toBe(false),
  );
});

describe('listenHostProblem', () => {
  it('names the variable and the value', () => {
    expect(listenHostProblem('localhost:80', 'CALLGUARD_DETECTOR_HOST')).toMatch(/^CALLGUARD_DETECTOR_HOST: "localhost:80" is not an IP address or host name/);
    expect(listenHostProblem('::1', 'CALLGUARD_DETECTOR_HOST')).toBeNull();
  });
});
