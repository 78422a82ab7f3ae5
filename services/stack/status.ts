/** `callguard stack status`: is each service answering, and was it started by this checkout. */
import type { StackConfig } from './config.ts';
import { stackServices, pidFileOf } from './services.ts';
import { isRunning, readPidFile } from './process.ts';

/** One line of the status report. */
export interface StatusLine {
  name: string;
  endpoint: string;
  envVar: string;
  answering: boolean;
  detail: string;
  /** Pid when the process was started by this checkout's `stack up` and is alive. */
  pid?: number;
  /** Who runs it: this checkout, something else on loopback, or a remote endpoint. */
  owner: 'this checkout' | 'not this checkout' | 'remote' | 'nobody';
}

/** Probes every service (all at once) and reports. */
export async function stackStatus(cfg: StackConfig, names: string[] = []): Promise<StatusLine[]> {
  return Promise.all(
    stackServices(cfg, names).map(async (svc): Promise<StatusLine> => {
      const rec = readPidFile(pidFileOf(cfg, svc.name));
      const ours = isRunning(rec);
      const probe = await svc.probe();
      const owner = !svc.local ? 'remote' : ours ? 'this checkout' : probe.ok ? 'not this checkout' : 'nobody';
      return { name: svc.name, endpoint: svc.endpoint, envVar: svc.envVar, answering: probe.ok, detail: probe.detail, pid: ours ? rec.pid : undefined, owner };
    }),
  );
}
