/**
 * From consumed bytes to records the engine can take: Avro decode, then the
 * contract validation and number normalisation of shared/contracts, then a
 * check of the key against the record's number, then a check that the event
 * time is not ahead of the wall clock by more than allowed. What fails keeps
 * its original bytes and the reason, for the DLQ.
 *
 * The key: calls are keyed by the normalised caller, complaints by the
 * normalised reported number (the contract), so that one partition's
 * engine sees all of a number's input. A record keyed otherwise (the number
 * as signalled, the callee, no key at all) whose number belongs to another
 * partition would split that number's state over several engines (as many
 * flags, each with its own flagId; detections missed where each engine
 * sees too few calls): it goes to the DLQ (`misrouted: …`). One whose key
 * is another form of the number but that landed on the partition its
 * number belongs to does no harm: it is accepted and counted
 * ({@link KeyCheck.otherForm}).
 */
import type { CallEvent, ComplaintReport } from '../../../shared/contracts/records.ts';
import { parseCallEvent, parseComplaint, type Result } from '../../../shared/contracts/validate.ts';
import type { AvroCodec } from '../kafka/codec.ts';
import { partitionOf } from '../kafka/partitioner.ts';
import type { SourceMessage } from '../kafka/source.ts';
import type { MergeItem } from './merge.ts';

/** A consumed record on its way through the merge: the record, or why it is unusable. */
export interface InputItem<T> extends MergeItem {
  record: T | null;
  /** Why the record is unusable (then `time` is null), else null. */
  error: string | null;
  message: SourceMessage;
}

/**
 * Where the records being decoded were read, to check their keys: the
 * partition and the topic's partition count. Collects the records accepted
 * with a key that is not their normalised number (it landed on the right
 * partition all the same).
 */
export interface KeyCheck {
  partition: number;
  partitions: number;
  /** Records accepted whose key was another form of their number (or none), counted by the decode. */
  otherForm: number;
  /** The first of them: its key (null: none) and normalised number, for the log. */
  example: { key: string | null; number: string } | null;
}

/** A fresh {@link KeyCheck} for records of `partition` of a topic with `partitions` partitions. */
export function keyCheck(partition: number, partitions: number): KeyCheck {
  return { partition, partitions, otherForm: 0, example: null };
}

/** How one kind of record is validated, timed and keyed. */
interface Kind<T> {
  parse(input: unknown): Result<T>;
  time(record: T): number;
  field: string;
  /** The normalised number the record is keyed by, and what the contract calls it. */
  number(record: T): string;
  numberName: string;
}

const CALLS: Kind<CallEvent> = { parse: parseCallEvent, time: (e) => e.startTime, field: 'startTime', number: (e) => e.caller, numberName: 'caller' };
const COMPLAINTS: Kind<ComplaintReport> = { parse: parseComplaint, time: (c) => c.reportTime, field: 'reportTime', number: (c) => c.reported, numberName: 'reported number' };

/** Whether the key's bytes are `s` (ASCII, as normalised numbers are): no string made per record. */
function keyIs(key: Buffer | null, s: string): boolean {
  if (key === null || key.length !== s.length) return false;
  for (let i = 0; i < s.length; i++) if (key[i] !== s.charCodeAt(i)) return false;
  return true;
}

/** A key for a message: quoted, cut if long (null: `null`). */
function shownKey(key: string | null): string {
  if (key === null) return 'null';
  return JSON.stringify(key.length > 64 ? `${key.slice(0, 64)}…` : key);
}

/** Null when the record may stay on this partition, else why it is misrouted; counts keys in another form. */
function checkKey<T>(kind: Kind<T>, record: T, key: Buffer | null, check: KeyCheck): string | null {
  const number = kind.number(record);
  if (keyIs(key, number)) return null;
  const owner = partitionOf(number, check.partitions);
  const k = key === null ? null : key.toString('utf8');
  if (owner !== check.partition) return `misrouted: key ${shownKey(k)} is not the normalised ${kind.numberName} ${number} (it belongs to partition ${owner})`;
  check.otherForm++;
  check.example ??= { key: k, number };
  return null;
}

function decode<T>(kind: Kind<T>, codec: AvroCodec, messages: readonly SourceMessage[], now: number, maxFutureMs: number, check: KeyCheck): InputItem<T>[] {
  const out: InputItem<T>[] = new Array<InputItem<T>>(messages.length);
  const limit = now + maxFutureMs;
  // No partition count known (never so once the detector has started): nothing to check against.
  const keys = check.partitions > 0 ? check : undefined;
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
        const misrouted = keys === undefined ? null : checkKey(kind, r.value, m.key, keys);
        if (misrouted !== null) error = misrouted;
        else if (t > limit) error = `future: ${kind.field} ${new Date(t).toISOString()} is more than ${maxFutureMs} ms ahead of the wall clock`;
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

/** Decodes and validates consumed call events and checks their keys (schemas must be prepared on the codec). */
export function decodeCalls(codec: AvroCodec, messages: readonly SourceMessage[], now: number, maxFutureMs: number, check: KeyCheck): InputItem<CallEvent>[] {
  return decode(CALLS, codec, messages, now, maxFutureMs, check);
}

/** Decodes and validates consumed complaints and checks their keys (schemas must be prepared on the codec). */
export function decodeComplaints(codec: AvroCodec, messages: readonly SourceMessage[], now: number, maxFutureMs: number, check: KeyCheck): InputItem<ComplaintReport>[] {
  return decode(COMPLAINTS, codec, messages, now, maxFutureMs, check);
}
