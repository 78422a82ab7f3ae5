import { describe, expect, it } from 'vitest';
import { lockoutKey } from './lockout-key.ts';

describe('lockoutKey', () => {
  it('an IPv4 address is itself, also written as IPv4-mapped IPv6', () => {
    expect(lockoutKey('198.51.100.7')).toBe('198.51.100.7');
    expect(lockoutKey('::ffff:198.51.100.7')).toBe('198.51.100.7');
    expect(lockoutKey('::FFFF:198.51.100.7')).toBe('198.51.100.7');
  });

  it('IPv6 addresses count by their /64, however they are written', () => {
    const key = '2001:db8:0:1::/64';
    expect(lockoutKey('2001:db8:0:1::1')).toBe(key);
    expect(lockoutKey('2001:0db8:0000:0001:aaaa:bbbb:cccc:dddd')).toBe(key);
    expect(lockoutKey('2001:db8::1:0:0:0:7')).toBe(key);
    expect(lockoutKey('2001:db8:0:1:ffff::%eth0')).toBe(key);
    expect(lockoutKey('2001:db8:0:2::1')).not.toBe(key);
    expect(lockoutKey('::1')).toBe('0:0:0:0::/64');
    expect(lockoutKey('64:ff9b::192.0.2.33')).toBe('64:ff9b:0:0::/64');
  });

  it('anything else is kept as given', () => {
    expect(lockoutKey('unknown')).toBe('unknown');
  });
});
