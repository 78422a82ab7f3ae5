/**
 * The check of a service's bind address (`--host`, `CALLGUARD_*_HOST`), made with the other settings at start: a
 * value that cannot be bound is reported with every other bad setting (exit 2) instead of failing later at
 * `listen` (exit 1 with one `getaddrinfo ENOTFOUND`). An IPv4 or IPv6 address, or a host name the resolver may
 * know (`localhost`, a container's service name): letters, digits and hyphens in dot-separated labels.
 */
import ipaddr from 'ipaddr.js';

const LABEL = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;

/** Whether `host` is something `server.listen(port, host)` can be given: an IP address or a DNS host name. */
export function isListenHost(host: string): boolean {
  if (ipaddr.IPv4.isValidFourPartDecimal(host) || ipaddr.IPv6.isValid(host)) return true;
  const name = host.endsWith('.') ? host.slice(0, -1) : host;
  if (name.length === 0 || name.length > 253) return false;
  const labels = name.split('.');
  // All-numeric dotted names are IPv4 attempts (999.1.1.1, 127.1), not host names.
  if (labels.every((l) => /^\d+$/.test(l))) return false;
  return labels.every((l) => LABEL.test(l));
}

/** What a bind address must be, as the config errors say it. */
export const LISTEN_HOST_EXPECTED = 'an IP address or host name to listen on (e.g. 127.0.0.1, ::1, 0.0.0.0, localhost)';

/** The problem with `host` as the value of `variable`, or null when it is a bind address. */
export function listenHostProblem(host: string, variable: string): string | null {
  if (isListenHost(host)) return null;
  return `${variable}: ${JSON.stringify(host)} is not ${LISTEN_HOST_EXPECTED}`;
}
