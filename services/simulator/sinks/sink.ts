/**
 * Where simulated records go. A sink receives records in delivery order;
 * a returned promise means "wait before sending more" (backpressure).
 */
import type { CallEvent, ComplaintReport, ConsentRecord } from '../../../shared/contracts/records.ts';

/** A destination for simulated records (files, Kafka, memory). */
export interface Sink {
  /** A call event; `key` is the normalised calling number. */
  call(record: CallEvent, key: string): void | Promise<void>;
  /** A complaint; `key` is the normalised reported number. */
  complaint(record: ComplaintReport, key: string): void | Promise<void>;
  /** A consent record; `key` is `caller|callee`, normalised. */
  consent(record: ConsentRecord, key: string): void | Promise<void>;
  /** Flushes everything and releases resources. */
  close(): Promise<void>;
}
