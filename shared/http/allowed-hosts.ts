/**
 * The Host-header check against DNS rebinding, shared by the console
 * (`callguard investigate`), the enforcer's lookup API and the detector's
 * ops endpoint.
 *
 * A page on an attacker's domain whose DNS name is then re-pointed at
 * 127.0.0.1 makes the victim's browser send same-origin requests to a
 * service on loopback; the only trace of the attack in the request is the
 * Host header, which names the attacker's domain. So a service answers only
 * for the names it is known by: on a loopback bind `localhost`, `127.0.0.1`
 * and `[::1]` plus what is configured; on any other bind what is configured,
 * or — nothing configured — every Host, with a warning at start (behind a
 * load balancer the names are not ours to guess).
 *
 * The name is compared case-insensitively (a trailing dot ignored, IPv6
 * literals in their compressed form); the port is not compared, only
 * checked to be digits. A rebinding page has the attacker's name in Host
 * whatever the port, so comparing ports would add nothing against it, and
 * would refuse every forwarded port (`docker -p 18089:8089`, `kubectl
 * port-forward`, an SSH tunnel), whose Host carries the client's port.
 *
 * Pure: no I/O, no Node request objects (rawHeaders and the URL go in).
 */
import type { ServerResponse } from 'node:http';
import ipaddr from 'ipaddr.js';

/** The names a loopback-bound service answers for without configuration. */
export const LOOPBACK_HOST_NAMES: readonly string[] = ['localhost', '127.0.0.1', '[::1]'];

/** Paths answered whatever the Host: health checks (a Kubernetes probe sends the pod's IP as Host); they reveal nothing. */
export const HOST_CHECK_EXEMPT: readonly string[] = ['/healthz'];

/** Which Host names a service answers for. */
export interface HostPolicy {
  /** Every Host is accepted (a non-loopback bind with nothing configured, or `*` configured). */
  any: boolean;
  /** The accepted names: lower case, no port, no trailing dot, IPv6 bracketed and compressed. */
  names: ReadonlySet<string>;
  /** The same names as an array, for matching `name:port` without building a string per request. */
  list: readonly string[];
  /** Set when every Host is accepted without having been asked for: to be logged once at start. */
  warning?: string;
}

const NAME = /^[a-z0-9_-]+(\.[a-z0-9_-]+)*$/;
const COLON = 58;

/** A bracketed IPv6 literal's canonical form (`[::1]`), or null when it is not one. */
function canonicalIPv6(inner: string): string | null {
  if (inner.includes('%') || !ipaddr.IPv6.isValid(inner)) return null;
  return `[${ipaddr.IPv6.parse(inner).toString()}]`;
}

/** A name (no port) in canonical form, or null when it is not a host name, IPv4 or bracketed IPv6 literal. */
function canonicalName(name: string): string | null {
  const n = name.toLowerCase();
  if (n.startsWith('[')) return n.endsWith(']') ? canonicalIPv6(n.slice(1, -1)) : null;
  const bare = n.endsWith('.') ? n.slice(0, -1) : n;
  return bare.length > 0 && bare.length <= 253 && NAME.test(bare) ? bare : null;
}

/** True when `s` from index `from` on is empty or digits only, at most 65535: the port part of a Host header (no substring built). */
function isPortAt(s: string, from: number): boolean {
  if (s.length - from > 5) return false;
  let port = 0;
  for (let i = from; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return false;
    port = port * 10 + (c - 48);
  }
  return port <= 65_535;
}

/**
 * The name a Host header value names — lower case, port and trailing dot removed, IPv6 compressed — or null when
 * the value is not `name[:port]`.
 */
export function hostName(value: string): string | null {
  if (value.startsWith('[')) {
    const end = value.indexOf(']');
    if (end < 0) return null;
    if (end + 1 < value.length && (value.charCodeAt(end + 1) !== COLON || !isPortAt(value, end + 2))) return null;
    return canonicalIPv6(value.slice(1, end).toLowerCase());
  }
  const colon = value.indexOf(':');
  if (colon >= 0 && !isPortAt(value, colon + 1)) return null;
  return canonicalName(colon >= 0 ? value.slice(0, colon) : value);
}

/**
 * Parses a configured list (`console.example.com, 10.0.0.5, [fd00::1]`, or `*` for any Host): the names in
 * canonical form, and a problem (naming `variable`) for each entry that is not a bare name.
 */
export function parseAllowedHosts(text: string, variable: string): { hosts: string[]; problems: string[] } {
  const hosts: string[] = [];
  const problems: string[] = [];
  for (const entry of text.split(',').map((x) => x.trim()).filter((x) => x.length > 0)) {
    if (entry === '*') {
      hosts.push('*');
      continue;
    }
    // An IPv6 address may be given without brackets; a Host header always has them.
    const bracketed = !entry.startsWith('[') && entry.indexOf(':') !== entry.lastIndexOf(':') ? `[${entry}]` : entry;
    const name = canonicalName(bracketed);
    if (name !== null) {
      hosts.push(name);
      continue;
    }
    const portless = hostName(entry);
    problems.push(
      portless !== null
        ? `${variable}: ${JSON.stringify(entry)} has a port; give the name alone (${portless}): the port is not compared`
        : `${variable}: ${JSON.stringify(entry)} is not a host name, IPv4 address or [IPv6] address (or * for any)`,
    );
  }
  return { hosts, problems };
}

/** True when `bindHost` (a listen address) is loopback only: `localhost`, 127.0.0.0/8, `::1`. */
export function isLoopbackBind(bindHost: string): boolean {
  const h = bindHost.startsWith('[') && bindHost.endsWith(']') ? bindHost.slice(1, -1) : bindHost;
  if (h.toLowerCase() === 'localhost') return true;
  // process(): an IPv4-mapped IPv6 address (::ffff:127.0.0.1) is judged as the IPv4 address it carries.
  return ipaddr.isValid(h) && ipaddr.process(h).range() === 'loopback';
}

/** The policy of a service listening on `bindHost` with `configured` names (from {@link parseAllowedHosts}); `variable` names the setting in the warning. */
export function hostPolicy(bindHost: string, configured: readonly string[], variable: string): HostPolicy {
  if (configured.includes('*')) return { any: true, names: new Set(), list: [] };
  const loopback = isLoopbackBind(bindHost);
  const names = new Set([...(loopback ? LOOPBACK_HOST_NAMES : []), ...configured]);
  if (names.size > 0) return { any: false, names, list: [...names] };
  return {
    any: true,
    names,
    list: [],
    warning:
      `listening on ${bindHost} with ${variable} unset: requests are answered whatever their Host header, so a web page ` +
      `whose DNS name is re-pointed at this address (DNS rebinding) can read them through a browser; set ${variable} ` +
      `to the names clients use (or * to accept any Host and silence this warning)`,
  };
}

/** Whether `policy` accepts a request whose Host header is `value` (undefined: none, or more than one). */
export function hostAllowed(policy: HostPolicy, value: string | undefined): boolean {
  if (policy.any) return true;
  if (value === undefined) return false;
  if (policy.names.has(value)) return true; // already canonical and without a port: nothing to parse
  // The usual `name:port` with the name as configured: no case folding or syntax check needed, and no substring
  // built (this runs in front of the enforcer's lookup hot path).
  const list = policy.list;
  for (let i = 0; i < list.length; i++) {
    const n = list[i];
    if (value.length > n.length && value.charCodeAt(n.length) === COLON && value.startsWith(n) && isPortAt(value, n.length + 1)) return true;
  }
  const name = hostName(value);
  return name !== null && policy.names.has(name);
}


/** `host` in any case, compared by character codes (no lower-cased copy per request); `c | 32` is 'h' only for 'H' and 'h', and so on. */
function isHostHeaderName(k: string): boolean {
  return (k.charCodeAt(0) | 32) === 104 && (k.charCodeAt(1) | 32) === 111 && (k.charCodeAt(2) | 32) === 115 && (k.charCodeAt(3) | 32) === 116;
}

/** The request's one Host header from Node's `rawHeaders`, or undefined when it has none or several. */
export function singleHost(rawHeaders: readonly string[]): string | undefined {
  let found: string | undefined;
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const k = rawHeaders[i];
    if (k.length === 4 && isHostHeaderName(k)) {
      if (found !== undefined) return undefined;
      found = rawHeaders[i + 1];
    }
  }
  return found;
}

/**
 * The authority of an absolute-form request target (`http://name:port/path` → `name:port`), or undefined when the
 * target has none.
 */
export function targetAuthority(url: string): string | undefined {
  const scheme = url.indexOf('://');
  if (scheme <= 0) return undefined;
  const from = scheme + 3;
  let end = url.length;
  for (let i = from; i < url.length; i++) {
    const c = url.charCodeAt(i);
    if (c === 47 || c === 63 || c === 35) {
      end = i; // '/', '?' or '#'
      break;
    }
  }
  return url.slice(from, end);
}

/**
 * True when a request (its rawHeaders and target) must be refused: Host missing, repeated or not allowed, on a path
 * that is not exempt. A request in absolute form (`GET http://name/path`, as sent to a proxy) names its authority in
 * the target, which RFC 9112 (3.2.2) puts before the Host header, and Node and Fastify route it by the path in it: so
 * the target's name must be allowed too (and the Host, which a client must still send), and no path is exempt.
 */
export function hostRefused(policy: HostPolicy, rawHeaders: readonly string[], url: string): boolean {
  if (policy.any) return false;
  const allowed = hostAllowed(policy, singleHost(rawHeaders));
  if (url.charCodeAt(0) !== 47 && url !== '*') return !(allowed && hostAllowed(policy, targetAuthority(url)));
  if (allowed) return false;
  const q = url.indexOf('?');
  return !HOST_CHECK_EXEMPT.includes(q < 0 ? url : url.slice(0, q));
}

/** The status of a refused request: 421 Misdirected Request — this server does not answer for that authority. */
export const MISDIRECTED_STATUS = 421;

/** The JSON body of a refused request; `variable` names the setting that would allow the name. */
export function misdirectedBody(variable: string): string {
  return JSON.stringify({ error: 'misdirected_request', message: `this server does not answer for the Host given (see ${variable})` });
}

/**
 * The 421 of a plain Node server (the enforcer's lookups, the detector's ops endpoint): JSON, no-store, its body and
 * head made once; the connection stays usable. `variable` as for {@link misdirectedBody}.
 */
export function misdirectedResponder(variable: string): (res: ServerResponse) => void {
  const body = misdirectedBody(variable);
  const head = ['content-type', 'application/json; charset=utf-8', 'cache-control', 'no-store', 'content-length', String(Buffer.byteLength(body))];
  return (res) => {
    res.writeHead(MISDIRECTED_STATUS, head);
    res.end(body);
  };
}
