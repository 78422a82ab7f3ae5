import { describe, expect, it } from 'vitest';
import { numberMinuteTsv, providerHourTsv, tsvPieces, tsvString } from './clickhouse-writer.ts';
import { TsvBytes } from './tsv-bytes.ts';

describe('TabSeparated rows', () => {
  it('escapes what TabSeparated treats specially and nothing else', () => {
    expect(tsvString('+8613812345678')).toBe('+8613812345678');
    expect(tsvString("a\tb\nc\\d'e\r\0")).toBe("a\\tb\\nc\\\\d\\'e\\r\\0");
  });

  it('writes one line per row, columns in the declared order, Unix seconds for DateTime', () => {
    const nm = numberMinuteTsv(
      [
        { number: '+861', minute: 60, src: 'calls/0', calls: 3, answered: 1, rejected: 0, distinct_callees: 2, talk_seconds: 30.5, complaints: 0, version: 9 },
        { number: '+862', minute: 120, src: 'c\tx', calls: 1, answered: 0, rejected: 1, distinct_callees: 1, talk_seconds: 0, complaints: 2, version: 10 },
      ],
      0,
      2,
    );
    expect(nm.toString('utf8')).toBe('+861\t0000000060\tcalls/0\t3\t1\t0\t2\t30.5\t0\t9\n+862\t0000000120\tc\\tx\t1\t0\t1\t1\t0\t2\t10\n');
    const same = { number: "+86'1", minute: 1_700_000_040, src: 'c\tx', calls: 1, answered: 0, rejected: 0, distinct_callees: 1, talk_seconds: 0, complaints: 0, version: 1 };
    expect(numberMinuteTsv([same, { ...same, number: '+862' }], 0, 2).toString('utf8')).toBe("+86\\'1\t1700000040\tc\\tx\t1\t0\t0\t1\t0\t0\t1\n+862\t1700000040\tc\\tx\t1\t0\t0\t1\t0\t0\t1\n");
    expect(providerHourTsv([{ access_provider: '', hour: 3600, src: 's', calls: 5, flagged_calls: 2, flagged_numbers: 1, version: 4 }], 0, 1).toString('utf8')).toBe('\t0000003600\ts\t5\t2\t1\t4\n');
  });

  it('writes the same bytes as the text would encode to: UTF-8, floats, large integers, only the rows asked for', () => {
    const row = { access_provider: '中国移动\t', hour: 1_700_002_800, src: 'calls.v1/3@120', calls: 1_234_567, flagged_calls: 0, flagged_numbers: 10, version: 2 ** 40 + 7 };
    const text = `中国移动\\t\t1700002800\tcalls.v1/3@120\t1234567\t0\t10\t${2 ** 40 + 7}\n`;
    expect(Buffer.compare(providerHourTsv([row, row, row], 1, 2), Buffer.from(text, 'utf8'))).toBe(0);
    const talk = { number: '+8613812345678', minute: 1_700_000_040, src: 's', calls: 2, answered: 2, rejected: 0, distinct_callees: 2, talk_seconds: 0.1 + 0.2, complaints: 0, version: 99 };
    expect(numberMinuteTsv([talk], 0, 1).toString('utf8')).toBe(`+8613812345678\t1700000040\ts\t2\t2\t0\t2\t${0.1 + 0.2}\t0\t99\n`);
  });

  it('streams an insert as pieces of 5,000 rows, each encoded only when pulled, together the bytes of one encoding', () => {
    const rows = Array.from({ length: 12_345 }, (_, i) => ({ access_provider: `p${i % 7}`, hour: 3600 * (i % 24), src: 's', calls: i, flagged_calls: 0, flagged_numbers: 0, version: i }));
    let encoded = 0;
    const counting = (r: readonly (typeof rows)[number][], from: number, to: number) => {
      encoded += to - from;
      return providerHourTsv(r, from, to);
    };
    const it = tsvPieces(rows, 100, 12_345, counting);
    expect(encoded).toBe(0); // lazily: nothing before the first pull
    const pieces: Buffer[] = [];
    for (let next = it.next(); !next.done; next = it.next()) {
      pieces.push(next.value);
      expect(encoded).toBe(Math.min(12_245, pieces.length * 5_000));
    }
    expect(pieces.length).toBe(3);
    expect(Buffer.compare(Buffer.concat(pieces), providerHourTsv(rows, 100, 12_345))).toBe(0);
  });

  it('grows its buffer as lines are added', () => {
    const out = new TsvBytes(tsvString, 8);
    let expected = '';
    for (let i = 0; i < 500; i++) {
      out.str(`n${i}`).tab().num(i * 1_000_003).newline();
      expected += `n${i}\t${i * 1_000_003}\n`;
    }
    expect(out.bytes().toString('utf8')).toBe(expected);
  });
});
