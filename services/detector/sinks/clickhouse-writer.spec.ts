import { describe, expect, it } from 'vitest';
import { numberMinuteTsv, providerHourTsv, tsvString } from './clickhouse-writer.ts';

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
    expect(nm).toBe('+861\t0000000060\tcalls/0\t3\t1\t0\t2\t30.5\t0\t9\n+862\t0000000120\tc\\tx\t1\t0\t1\t1\t0\t2\t10\n');
    const same = { number: "+86'1", minute: 1_700_000_040, src: 'c\tx', calls: 1, answered: 0, rejected: 0, distinct_callees: 1, talk_seconds: 0, complaints: 0, version: 1 };
    expect(numberMinuteTsv([same, { ...same, number: '+862' }], 0, 2)).toBe("+86\\'1\t1700000040\tc\\tx\t1\t0\t0\t1\t0\t0\t1\n+862\t1700000040\tc\\tx\t1\t0\t0\t1\t0\t0\t1\n");
    expect(providerHourTsv([{ access_provider: '', hour: 3600, src: 's', calls: 5, flagged_calls: 2, flagged_numbers: 1, version: 4 }], 0, 1)).toBe('\t0000003600\ts\t5\t2\t1\t4\n');
  });
});
