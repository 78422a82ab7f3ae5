/**
 * From consumed bytes to records the engine can take: Avro decode, then the
 * contract validation and number normalisation of shared/contracts, then a
 * check that the event time is not ahead of the wall clock by more than
 * allowed. What fails keeps its original bytes and the reason, for the DLQ.
 */
import type { CallEvent, ComplaintReport } from '../../../shared/contracts/records.ts';
import { parseCallEvent, parseComplaint, type Result } from '../../../shared/contracts/validate.ts';
import type { AvroCodec } from '../kafka/codec.ts';
import type { SourceMessage } from '../kafka/source.ts';
import type { MergeItem } from './merge.ts';

/** A consumed record on its way through the merge: the record, or why it is unusable. */
export interface InputItem<T> extends MergeItem {
  record: T | null;
  /** Why the record is unusable (then `time` is null), else null. */
  error: string | null;
  message: SourceMessage;
}

/** How one kind of record is validated and timed. */
interface Kind<T> {
  parse(input: unknown): Result<T>;
  time(record: T): number;
  field: string;
}

const CALLS: Kind<CallEvent> = { parse: parseCallEvent, time: (e) => e.startTime, field: 'startTime' };
const COMPLAINTS: Kind<ComplaintReport> = { parse: parseComplaint, time: (c) => c.reportTime, field: 'reportTime' };

function decode<T>(kind: Kind<T>, codec: AvroCodec, messages: readonly SourceMessage[], now: number, maxFutureMs: number): InputItem<T>[] {
  const out: InputItem<T>[] = new Array(messages.length);
  const limit = now + maxFutureMs;
  for (let i = 0; i < messages.length; i++) {
    const m = messages[i];
    const d = codec.decode(m.value);
    let error: string | null = null;
    let record: T | null = null;
    let time: number | null = null;
    if (!d.ok) error = d.error;
    else {
      const r = kind.parse(d.value);
      if (!r.ok) error = `invalid: ${r.error}`;
      else {
        const t = kind.time(r.value);
        if (t > limit) error = `future: ${kind.field} ${new Date(t).toISOString()} is more than ${maxFutureMs} ms ahead of the wall clock`;
        else {
          record = r.value;
          time = t;
        }
      }
    }
    out[i] = { offset: m.offset, time, record, error, message: m };
  }
  return out;
}

/** Decodes and validates consumed call events (schemas must be prepared on the codec). */
export function decodeCalls(codec: AvroCodec, messages: readonly SourceMessage[], now: number, maxFutureMs: number): InputItem<CallEvent>[] {
  return decode(CALLS, codec, messages, now, maxFutureMs);
}

/** Decodes and validates consumed complaints (schemas must be prepared on the codec). */
export function decodeComplaints(codec: AvroCodec, messages: readonly SourceMessage[], now: number, maxFutureMs: number): InputItem<ComplaintReport>[] {
  return decode(COMPLAINTS, codec, messages, now, maxFutureMs);
}
