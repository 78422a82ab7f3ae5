import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readLineBatches, readLines, type NumberedLine } from './lines.ts';

const dir = mkdtempSync(join(tmpdir(), 'callguard-lines-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
function file(content: string | Buffer): string {
  const p = join(dir, `f${n++}.txt`);
  writeFileSync(p, content);
  return p;
}

async function all(path: string, chunkSize?: number): Promise<NumberedLine[]> {
  const out: NumberedLine[] = [];
  for await (const l of readLines(path, { chunkSize })) out.push(l);
  return out;
}

const numbered = (...lines: string[]) => lines.map((line, i) => ({ line, lineNo: i + 1 }));

describe('readLines', () => {
  for (const chunkSize of [undefined, 1, 2, 3, 5, 64]) {
    describe(`chunk size ${chunkSize ?? 'default'}`, () => {
      it('numbers lines from 1 and drops the final newline', async () => {
        expect(await all(file('a\nbb\nccc\n'), chunkSize)).toEqual(numbered('a', 'bb', 'ccc'));
      });
      it('keeps a last line without newline', async () => {
        expect(await all(file('a\nbb\nccc'), chunkSize)).toEqual(numbered('a', 'bb', 'ccc'));
      });
      it('strips CR of CRLF endings', async () => {
        expect(await all(file('a\r\nbb\r\n\r\nccc\r\n'), chunkSize)).toEqual(numbered('a', 'bb', '', 'ccc'));
      });
      it('keeps empty lines so that numbers stay right', async () => {
        expect(await all(file('\n\na\n\nb\n\n'), chunkSize)).toEqual(numbered('', '', 'a', '', 'b', ''));
      });
      it('decodes multi-byte UTF-8 split across chunks', async () => {
        expect(await all(file('电话号码\n€uro\n😀\n'), chunkSize)).toEqual(numbered('电话号码', '€uro', '😀'));
      });
      it('skips a UTF-8 byte-order mark', async () => {
        expect(await all(file('\ufeffa\nb'), chunkSize)).toEqual(numbered('a', 'b'));
      });
    });
  }

  it('yields nothing for an empty file and one empty line for "\\n"', async () => {
    expect(await all(file(''))).toEqual([]);
    expect(await all(file('\n'))).toEqual(numbered(''));
    expect(await all(file('x'))).toEqual(numbered('x'));
  });

  it('grows its buffer for a line longer than the chunk size', async () => {
    const long = 'x'.repeat(10_000);
    expect(await all(file(`a\n${long}\nb`), 16)).toEqual(numbered('a', long, 'b'));
  });

  describe('a line longer than maxLineBytes', () => {
    async function batches(content: string | Buffer, chunkSize: number, maxLineBytes: number) {
      const lines: string[] = [];
      const overlong: { lineNo: number; bytes: number }[] = [];
      let bytesRead = 0;
      for await (const b of readLineBatches(file(content), { chunkSize, maxLineBytes })) {
        expect(b.firstLineNo).toBe(lines.length + 1);
        lines.push(...b.lines);
        overlong.push(...b.overlong);
        bytesRead = b.bytesRead;
      }
      return { lines, overlong, bytesRead };
    }

    for (const chunkSize of [1, 3, 7, 16, 64 * 1024]) {
      it(`is skipped and listed, the lines around it kept (chunk ${chunkSize})`, async () => {
        const content = `a\n${'x'.repeat(100)}\nbb\n${'y'.repeat(17)}\r\n${'z'.repeat(16)}\nc`;
        const r = await batches(content, chunkSize, 16);
        expect(r.lines).toEqual(['a', '', 'bb', '', 'z'.repeat(16), 'c']);
        expect(r.overlong).toEqual([
          { lineNo: 2, bytes: 100 },
          { lineNo: 4, bytes: 18 },
        ]);
        expect(r.bytesRead).toBe(Buffer.byteLength(content));
      });
    }

    it('as the first line after a BOM, as consecutive lines and as a last line without newline', async () => {
      const content = `\ufeff${'x'.repeat(40)}\n${'y'.repeat(40)}\nok\n${'z'.repeat(40)}`;
      const r = await batches(content, 8, 16);
      expect(r.lines).toEqual(['', '', 'ok', '']);
      expect(r.overlong.map((l) => l.lineNo)).toEqual([1, 2, 4]);
      expect(r.bytesRead).toBe(Buffer.byteLength(content));
    });

    it('never grows the buffer past the limit (a 64 MiB line with a 1 KiB limit)', async () => {
      const big = Buffer.alloc(64 * 1024 * 1024 + 2, 0x41);
      big[0] = 0x7b; // {
      big[big.length - 1] = 0x0a;
      const p = file(Buffer.concat([Buffer.from('first\n'), big, Buffer.from('last\n')]));
      const before = process.memoryUsage().arrayBuffers;
      let peak = 0;
      const got: NumberedLine[] = [];
      for await (const l of readLines(p, { maxLineBytes: 1024 })) {
        peak = Math.max(peak, process.memoryUsage().arrayBuffers - before);
        got.push(l);
      }
      expect(got).toEqual(numbered('first', '', 'last'));
      expect(peak).toBeLessThan(8 * 1024 * 1024);
      // Writing and reading 64 MiB takes 3-5 s on this VM when idle, past vitest's 5-s default under a CI run's load:
      // the test is about memory, not speed.
    }, 60_000);
  });

  it('numbers many lines across many chunks', async () => {
    const lines = Array.from({ length: 5000 }, (_, i) => `{"i":${i}}`);
    const got = await all(file(lines.join('\n') + '\n'), 100);
    expect(got.length).toBe(5000);
    expect(got[4999]).toEqual({ line: '{"i":4999}', lineNo: 5000 });
    expect(got.every((l, i) => l.line === `{"i":${i}}` && l.lineNo === i + 1)).toBe(true);
  });

  it('reports bytes read, reaching the file size', async () => {
    const content = '\ufeffab\r\ncd\nef';
    const p = file(content);
    let last = 0;
    for await (const b of readLineBatches(p, { chunkSize: 4 })) {
      expect(b.bytesRead).toBeGreaterThanOrEqual(last);
      last = b.bytesRead;
    }
    expect(last).toBe(Buffer.byteLength(content));
  });

  it('rejects a missing file with ENOENT', async () => {
    await expect(all(join(dir, 'missing.txt'))).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
