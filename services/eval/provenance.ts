/**
 * What a report says produced it: HEAD's short hash, marked when any file
 * the figures depend on differs from it. The figures depend on the engine
 * and its config schema (`shared/`), on replay (the eval's path to the
 * engine), on the simulator and its scenarios (the truth and the records),
 * and on the scorer itself (`services/eval/`).
 */
import { execFileSync } from 'node:child_process';

/** Paths (from the repository root) whose uncommitted changes a report must mention. */
export const PROVENANCE_PATHS = ['shared', 'services/replay', 'services/simulator', 'services/eval', 'scenarios', 'bin'] as const;

/** `abc1234`, or `abc1234 + uncommitted changes in services/simulator, scenarios`; `unknown` outside git. */
export function commitOf(root: string, paths: readonly string[] = PROVENANCE_PATHS): string {
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const status = execFileSync('git', ['status', '--porcelain', '--untracked-files=all', '--', ...paths], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    const dirty = paths.filter((p) =>
      status
        .split('\n')
        .filter(Boolean)
        .some((line) => {
          const file = line.slice(3).replace(/^.* -> /, '').replace(/^"|"$/g, '');
          return file === p || file.startsWith(p + '/');
        }),
    );
    return dirty.length ? `${head} + uncommitted changes in ${dirty.join(', ')}` : head;
  } catch {
    return 'unknown';
  }
}
