import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeJsonLine, encodeJsonLine, readJsonl } from './jsonl.ts';
import { parseComplaint } from './validate.ts';
import type { ComplaintReport } from './records.ts';

const dir = mkdtempSync(join(tmpdir(), 'callguard-jsonl-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const T = Date.UTC(2026, 0, 5);
const good = (id: string) =>
  JSON.stringify({ reportId: id, reporter: '13900000001', reported: '13812345678', reportTime: T, category: 'FRAUD' });

describe('decodeJsonLine', () => {
  it('parses and validates', () => {
    expect(decodeJsonLine(good('r1'), parseComplaint)).toMatchObject({ ok: true, value: { reportId: 'r1', reported: '+8613812345678' } });
  });
  it('reports bad JSON without throwing', () => {
    const r = decodeJsonLine('{"reportId": ', parseComplaint);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatch(/^invalid JSON: /);
  });
  it('reports a validation error', () => {
    expect(decodeJsonLine('{"reportId":"r"}', parseComplaint)).toEqual({ ok: false, error: 'reporter: required' });
    expect(decodeJsonLine('42', parseComplaint)).toEqual({ ok: false, error: 'record: expected an object, got 42' });
  });
});

describe('encodeJsonLine', () => {
  it('writes one line that decodes back', () => {
    const line = encodeJsonLine({ a: 1, b: 'x' });
    expect(line).toBe('{"a":1,"b":"x"}\n');
  });
});

describe('readJsonl', () => {
  it('returns records and bad lines with their line numbers, skipping blank lines', async () => {
    const p = join(dir, 'complaints.jsonl');
    const content = [good('r1'), '', 'not json', good('r2'), '   ', '{"reportId":"r3"}', good('r4')].join('\r\n');
    writeFileSync(p, content);
    const records: ComplaintReport[] = [];
    const lineNos: number[] = [];
    const bad: { lineNo: number; error: string }[] = [];
    let bytes = 0;
    for await (const b of readJsonl(p, parseComplaint, { chunkSize: 64 })) {
      records.push(...b.records);
      lineNos.push(...b.lineNos);
      bad.push(...b.bad);
      bytes = b.bytesRead;
    }
    expect(records.map((r) => r.reportId)).toEqual(['r1', 'r2', 'r4']);
    expect(lineNos).toEqual([1, 4, 7]);
    expect(bad.map((b) => b.lineNo)).toEqual([3, 6]);
    expect(bad[0].error).toMatch(/^invalid JSON/);
    expect(bad[1].error).toBe('reporter: required');
    expect(bytes).toBe(statSync(p).size);
  });

  it('reports a line over maxLineBytes as a bad line in its place and keeps the records after it', async () => {
    const p = join(dir, 'overlong.jsonl');
    writeFileSync(p, [good('r1'), `{"reportId":"${'x'.repeat(500)}"}`, 'not json', good('r2')].join('\n'));
    const records: string[] = [];
    const bad: { lineNo: number; error: string }[] = [];
    for await (const b of readJsonl(p, parseComplaint, { chunkSize: 64, maxLineBytes: 256 })) {
      records.push(...b.records.map((r) => r.reportId));
      bad.push(...b.bad);
    }
    expect(records).toEqual(['r1', 'r2']);
    expect(bad.map((b) => b.lineNo)).toEqual([2, 3]);
    expect(bad[0].error).toBe('line too long: 515 bytes, more than the 256-byte limit (not read)');
  });
});
