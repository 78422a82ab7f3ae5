/** A sink that keeps every record in memory (tests, small runs). */
import type { CallEvent, ComplaintReport, ConsentRecord } from '../../../shared/contracts/records.ts';
import type { Sink } from './sink.ts';

/** Collects records in arrays, in delivery order. */
export class MemorySink implements Sink {
  readonly calls: CallEvent[] = [];
  readonly complaints: ComplaintReport[] = [];
  readonly consents: ConsentRecord[] = [];
  /** Kafka keys of the calls, index-aligned with `calls`. */
  readonly callKeys: string[] = [];

  call(record: CallEvent, key: string): void {
    this.calls.push(record);
    this.callKeys.push(key);
  }
  complaint(record: ComplaintReport): void {
    this.complaints.push(record);
  }
  consent(record: ConsentRecord): void {
    this.consents.push(record);
  }
  async close(): Promise<void> {}
}
