/**
 * `callguard detect|enforce|investigate --help` name how long a graceful stop
 * may take, the variable that sets it (with its unit and default), and that
 * a second stop signal exits at once.
 */
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { register as detect } from '../../services/detector/cli.ts';
import { register as enforce } from '../../services/enforcer/cli.ts';
import { register as investigate } from '../../services/investigator/cli.ts';

function help(register: (p: Command) => void, name: string): string {
  let out = '';
  const program = new Command('callguard').configureOutput({ writeOut: (s) => (out += s), writeErr: (s) => (out += s) });
  register(program);
  program.commands.find((c) => c.name() === name)!.outputHelp();
  return out.replace(/\s+/g, ' ');
}

describe('help of the services: the stop', () => {
  it.each([
    [detect, 'detect', 'CALLGUARD_DETECTOR_STOP_TIMEOUT_MS (milliseconds, default 30000)'],
    [enforce, 'enforce', 'CALLGUARD_ENFORCER_STOP_TIMEOUT (a duration, default 30s)'],
    [investigate, 'investigate', 'CALLGUARD_CONSOLE_STOP_SECONDS (seconds, default 30)'],
  ] as const)('%#: callguard %s --help names its stop timeout and the second signal', (register, name, timeout) => {
    const text = help(register, name);
    expect(text).toContain(timeout);
    expect(text).toContain('exits 1');
    expect(text).toContain('A second SIGTERM/SIGINT exits at once without closing (130 SIGINT, 143 SIGTERM)');
  });
});
