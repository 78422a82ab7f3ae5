import { describe, expect, it } from 'vitest';
import type { RecordBatch } from '../../shared/contracts/jsonl.ts';
import type { CallEvent, ComplaintReport } from '../../shared/contracts/records.ts';
import { RecordCursor } from './cursor.ts';
import { mergeByTime, type MergeSink } from './merge.ts';

/** A cursor over in-memory batches of records with the given times. */
function cursor<T>(batches: T[][]): RecordCursor<T> {
  let line = 1;
  async function* gen(): AsyncGenerator<RecordBatch<T>> {
    for (const records of batches) {
      const lineNos = records.map(() => line++);
      yield { records, lineNos, bad: [], bytesRead: line };
    }
  }
  return new RecordCursor(gen(), () => {});
}

const c = (id: string, t: number) => ({ eventId: id, startTime: t }) as CallEvent;
const r = (id: string, t: number) => ({ reportId: id, reportTime: t }) as ComplaintReport;

async function merge(calls: CallEvent[][], complaints: ComplaintReport[][] | null, stopAfter = Infinity) {
  const out: string[] = [];
  let steps = 0;
  const sink: MergeSink = {
    call: (e, lineNo) => out.push(`${e.eventId}@${lineNo}`),
    complaint: (x, lineNo) => out.push(`${x.reportId}@${lineNo}`),
    step: () => {
      steps++;
    },
    get stopped() {
      return out.length >= stopAfter;
    },
  };
  await mergeByTime(cursor(calls), complaints ? cursor(complaints) : null, sink);
  return { out, steps };
}

describe('mergeByTime', () => {
  it('interleaves by event time across batch boundaries, calls first on equal times', async () => {
    const { out } = await merge(
      [[c('a', 1), c('b', 5)], [], [c('c', 5), c('d', 9)]],
      [[r('x', 0), r('y', 5)], [r('z', 7), r('w', 20)]],
    );
    expect(out).toEqual(['x@1', 'a@1', 'b@2', 'c@3', 'y@2', 'z@3', 'd@4', 'w@4']);
  });

  it('handles no complaints, an empty complaints file and an empty calls file', async () => {
    expect((await merge([[c('a', 1), c('b', 2)]], null)).out).toEqual(['a@1', 'b@2']);
    expect((await merge([[c('a', 1)]], [[]])).out).toEqual(['a@1']);
    expect((await merge([[]], [[r('x', 3)]])).out).toEqual(['x@1']);
    expect((await merge([], [])).out).toEqual([]);
  });

  it('keeps a file’s own order when it is slightly out of order (no reordering inside a stream)', async () => {
    const { out } = await merge([[c('a', 10), c('b', 8), c('c', 12)]], [[r('x', 9)]]);
    expect(out).toEqual(['x@1', 'a@1', 'b@2', 'c@3']);
  });

  it('calls step after each run, at most once per batch of a long single stream', async () => {
    const { steps } = await merge([[c('a', 1), c('b', 2)], [c('c', 3)], [c('d', 4)]], null);
    expect(steps).toBe(3);
  });

  it('stops when the sink says so', async () => {
    const { out } = await merge([[c('a', 1)], [c('b', 2)], [c('c', 3)]], null, 2);
    expect(out).toEqual(['a@1', 'b@2']);
  });
});
