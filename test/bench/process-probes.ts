/**
 * What the benchmarks and the soak read about processes and services on
 * this machine: CPU time and resident memory from /proc (Linux), an ops
 * endpoint's text, and sums of Prometheus samples.
 */
import { readFileSync } from 'node:fs';

/** CPU seconds (user + system) a process has used so far, or 0 when it is gone. */
export function cpuSeconds(pid: number): number {
  try {
    // Fields after the parenthesised command: state is field 3, utime 14, stime 15 (clock ticks, 100 a second on Linux).
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / 100;
  } catch {
    return 0;
  }
}

/** Resident memory of a process in bytes, or 0 when it is gone. */
export function rssBytes(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** The load average over 1, 5 and 15 minutes, as /proc prints it. */
export function loadAverage(): string {
  return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
}

/** GET http://127.0.0.1:<port><path> as text, or null when it does not answer. */
export async function fetchText(port: number, path: string): Promise<string | null> {
  try {
    return await (await fetch(`http://127.0.0.1:${port}${path}`)).text();
  } catch {
    return null;
  }
}

/** Sum of a Prometheus metric's samples (those whose label text contains `labels`, when given). */
export function metricSum(text: string, name: string, labels = ''): number {
  let sum = 0;
  for (const l of text.split('\n')) {
    if (!l.startsWith(name) || (l[name.length] !== '{' && l[name.length] !== ' ')) continue;
    if (labels && !l.includes(labels)) continue;
    sum += Number(l.split(' ').at(-1));
  }
  return sum;
}

/** Polls `check` every `everyMs` until it holds; throws after `timeoutMs`. */
export async function waitUntil(check: () => Promise<boolean>, timeoutMs: number, what: string, everyMs = 200): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
