/**
 * Which "address" the login lockout counts failures against. An IPv4
 * address is one client. An IPv6 client usually holds a whole /64 (one
 * subscriber's prefix) and can take a fresh address from it for every
 * guess, so IPv6 failures count by their /64. An IPv4 address written in
 * IPv6 form (`::ffff:192.0.2.1`, as Node reports IPv4 on a dual-stack
 * socket) is the IPv4 address.
 */
import { isIPv4, isIPv6 } from 'node:net';

export function lockoutKey(address: string): string {
  if (isIPv4(address)) return address;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped && isIPv4(mapped[1])) return mapped[1];
  if (!isIPv6(address)) return address;
  const hextets = expand(address.split('%')[0]);
  return `${hextets.slice(0, 4).join(':')}::/64`;
}

/** The eight 16-bit groups of an IPv6 address, as lower-case hex without leading zeros. */
function expand(a: string): string[] {
  const [head, tail] = a.includes('::') ? a.split('::') : [a, undefined];
  const part = (s: string | undefined) => (s ? s.split(':') : []);
  let left = part(head);
  let right = part(tail);
  // An embedded IPv4 tail (::1.2.3.4 forms) is two groups.
  const v4 = (groups: string[]) => {
    const last = groups.at(-1);
    if (!last || !isIPv4(last)) return groups;
    const [a, b, c, d] = last.split('.').map(Number);
    return [...groups.slice(0, -1), ((a << 8) | b).toString(16), ((c << 8) | d).toString(16)];
  };
  if (tail === undefined) left = v4(left);
  else right = v4(right);
  const zeros = tail === undefined ? [] : Array<string>(8 - left.length - right.length).fill('0');
  return [...left, ...zeros, ...right].map((g) => parseInt(g, 16).toString(16));
}
