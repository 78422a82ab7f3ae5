import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readAllowlist } from './allowlist.ts';

const tmp = mkdtempSync(join(tmpdir(), 'callguard-allowlist-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

async function read(text: string) {
  const path = join(tmp, `a${Math.random().toString(36).slice(2)}.txt`);
  writeFileSync(path, text);
  const allowed: string[] = [];
  const bad: string[] = [];
  const r = await readAllowlist(path, (n) => allowed.push(n), (lineNo, error) => bad.push(`${lineNo}: ${error}`));
  return { allowed, bad, r };
}

describe('readAllowlist', () => {
  it('takes a number per line in any form, skips blank lines and comments, on their own line or after the number', async () => {
    const { allowed, bad, r } = await read('# hospitals\n\n020 8888 6666   # Guangzhou, main line\n+8613900001111#clinic\n  0086 139 0000 2222  \n');
    expect(allowed).toEqual(['+862088886666', '+8613900001111', '+8613900002222']);
    expect(bad).toEqual([]);
    expect(r).toEqual({ numbers: 3, bad: 0 });
  });

  it('reports a line that is no phone number with its line number, comment left out, and goes on', async () => {
    const { allowed, bad, r } = await read('13900001111\nnot-a-number # oops\n13900003333\n');
    expect(allowed).toEqual(['+8613900001111', '+8613900003333']);
    expect(bad).toEqual(['2: not a phone number "not-a-number" (unexpected character "n")']);
    expect(r).toEqual({ numbers: 2, bad: 1 });
  });
});
