import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { commitOf } from './provenance.ts';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function repo(): { root: string; write: (path: string, text: string) => void; head: string } {
  const root = mkdtempSync(join(tmpdir(), 'callguard-provenance-'));
  dirs.push(root);
  const git = (...args: string[]) => execFileSync('git', args, { cwd: root, encoding: 'utf8' }).trim();
  const write = (path: string, text: string) => {
    mkdirSync(join(root, path, '..'), { recursive: true });
    writeFileSync(join(root, path), text);
  };
  git('init', '-q');
  for (const p of ['shared/engine/a.ts', 'services/replay/b.ts', 'services/simulator/c.ts', 'services/eval/metrics.ts', 'scenarios/default.json', 'docs/x.md']) write(p, 'v1\n');
  git('add', '.');
  git('-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-q', '-m', 'init');
  return { root, write, head: git('rev-parse', '--short', 'HEAD') };
}

describe('a report names what produced it', () => {
  it('plain hash when clean; marks uncommitted changes to the simulator, the scenarios or the scorer, not only the engine', () => {
    const r = repo();
    expect(commitOf(r.root)).toBe(r.head);
    r.write('docs/x.md', 'v2\n');
    expect(commitOf(r.root)).toBe(r.head);
    r.write('scenarios/default.json', 'v2\n');
    expect(commitOf(r.root)).toBe(`${r.head} + uncommitted changes in scenarios`);
    r.write('services/simulator/new.ts', 'new\n');
    r.write('services/eval/metrics.ts', 'v2\n');
    r.write('shared/engine/a.ts', 'v2\n');
    expect(commitOf(r.root)).toBe(`${r.head} + uncommitted changes in shared, services/simulator, services/eval, scenarios`);
  });

  it('unknown outside a repository', () => {
    const d = mkdtempSync(join(tmpdir(), 'callguard-provenance-none-'));
    dirs.push(d);
    expect(commitOf(d)).toBe('unknown');
  });
});
