/**
 * Which "address" the login lockout counts failures against. An IPv4
 * address is one client. An IPv6 client usually holds a whole /64 (one
 * subscriber's prefix) and can take a fresh address from it for every
 * guess, so IPv6 failures count by their /64. An IPv4 address written in
 * IPv6 form (`::ffff:192.0.2.1`, as Node reports IPv4 on a dual-stack
 * socket) is the IPv4 address.
 */
import ipaddr from 'ipaddr.js';

export function lockoutKey(address: string): string {
  if (!ipaddr.isValid(address)) return address;
  const ip = ipaddr.process(address); // an IPv4-mapped IPv6 address becomes the IPv4 address it carries
  if (ip.kind() === 'ipv4') return ip.toString();
  const v6 = ip as ipaddr.IPv6;
  return `${v6.parts
    .slice(0, 4)
    .map((p) => p.toString(16))
    .join(':')}::/64`;
}
