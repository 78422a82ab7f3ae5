/**
 * `callguard stack down`: stops exactly the processes this checkout's
 * `stack up` started (by the pids and start times in .stack/run/), in
 * reverse start order, and nothing else. Data stays in .stack/.
 */
import type { StackConfig } from './config.ts';
import { stackServices, pidFileOf } from './services.ts';
import { readPidFile, stopProcess } from './process.ts';

/** One line of the `down` summary. */
export interface DownLine {
  name: string;
  stopped: boolean;
  pid?: number;
}

/** Stops the stack's own processes (all, or only `names`). */
export async function stackDown(cfg: StackConfig, names: string[] = []): Promise<DownLine[]> {
  const services = stackServices(cfg, names).reverse();
  const lines: DownLine[] = [];
  for (const svc of services) {
    const file = pidFileOf(cfg, svc.name);
    const rec = readPidFile(file);
    const stopped = await stopProcess(file);
    lines.push({ name: svc.name, stopped, pid: stopped ? rec?.pid : undefined });
  }
  return lines;
}
