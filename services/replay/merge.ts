/**
 * Two-way merge of the call and complaint streams by event time, as they
 * stream: neither file is loaded. Both files are in event-time order give or
 * take the allowed lateness, so taking the earlier head of the two streams
 * reproduces the order in which a live system would have seen them. On equal
 * times the call goes first.
 */
import type { CallEvent, ComplaintReport } from '../../shared/contracts/records.ts';
import type { RecordCursor } from './cursor.ts';

/** What the merge feeds, one record at a time, with the record's line number. */
export interface MergeSink {
  call(e: CallEvent, lineNo: number): void;
  complaint(c: ComplaintReport, lineNo: number): void;
  /** Called after each run of records (at most one batch): drain flags, report progress, apply backpressure. */
  step(): Promise<void> | void;
  /** True when the run must stop early (the output was closed). */
  readonly stopped: boolean;
}

/** Feeds both cursors to `sink` in event-time order until both are exhausted. */
export async function mergeByTime(
  calls: RecordCursor<CallEvent>,
  complaints: RecordCursor<ComplaintReport> | null,
  sink: MergeSink,
): Promise<void> {
  let haveCalls = await calls.fill();
  let haveComplaints = complaints !== null && (await complaints.fill());
  while ((haveCalls || haveComplaints) && !sink.stopped) {
    if (haveCalls && (!haveComplaints || calls.head().startTime <= complaints!.head().reportTime)) {
      const limit = haveComplaints ? complaints!.head().reportTime : Infinity;
      const { records, lineNos } = calls;
      let i = calls.pos;
      while (i < records.length && records[i].startTime <= limit) {
        sink.call(records[i], lineNos[i]);
        i++;
      }
      calls.pos = i;
      await sink.step();
      if (i >= records.length) haveCalls = await calls.fill();
    } else {
      const c = complaints!;
      const limit = haveCalls ? calls.head().startTime : Infinity;
      const { records, lineNos } = c;
      let i = c.pos;
      while (i < records.length && records[i].reportTime < limit) {
        sink.complaint(records[i], lineNos[i]);
        i++;
      }
      c.pos = i;
      await sink.step();
      if (i >= records.length) haveComplaints = await c.fill();
    }
  }
}
