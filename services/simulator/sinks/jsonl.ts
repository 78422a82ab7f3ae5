/**
 * JSON Lines files in the contract's format: calls.jsonl, complaints.jsonl,
 * consents.jsonl in a directory. Lines are batched into large writes and the
 * producer waits for `drain` when the OS buffer is full.
 */
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import type { CallEvent, ComplaintReport, ConsentRecord } from '../../../shared/contracts/records.ts';
import type { Sink } from './sink.ts';

const CHUNK = 256 * 1024;

class LineFile {
  private buf = '';
  private readonly stream: WriteStream;

  constructor(path: string) {
    this.stream = createWriteStream(path);
  }

  add(line: string): void | Promise<void> {
    this.buf += line + '\n';
    if (this.buf.length >= CHUNK) return this.flush();
  }

  flush(): void | Promise<void> {
    if (this.buf.length === 0) return;
    const ok = this.stream.write(this.buf);
    this.buf = '';
    if (!ok) return new Promise((resolve) => this.stream.once('drain', () => resolve()));
  }

  async close(): Promise<void> {
    await this.flush();
    await new Promise<void>((resolve, reject) => {
      this.stream.once('error', reject);
      this.stream.end(() => resolve());
    });
  }
}

/**
 * A call event as one JSON line, fields in contract order. Hand-written
 * (3× faster than JSON.stringify here): every string field is made by the
 * simulator from digits, `+`, and identifiers that the scenario schema
 * restricts to `[A-Za-z0-9._:-]`, so none needs escaping.
 */
export function callLine(e: CallEvent): string {
  return (
    '{"eventId":"' + e.eventId +
    '","probeId":"' + e.probeId +
    '","caller":"' + e.caller +
    '","callee":"' + e.callee +
    '","startTime":' + e.startTime +
    ',"answerTime":' + (e.answerTime === null ? 'null' : e.answerTime) +
    ',"endTime":' + e.endTime +
    ',"outcome":"' + e.outcome +
    '","releaseCause":' + (e.releaseCause === null ? 'null' : e.releaseCause) +
    ',"accessProvider":' + (e.accessProvider === null ? 'null' : '"' + e.accessProvider + '"') +
    '}'
  );
}

/** Writes the three record streams as JSON Lines files under `dir`. */
export class JsonlSink implements Sink {
  private readonly calls: LineFile;
  private readonly complaints: LineFile;
  private readonly consents: LineFile;

  /** Creates `dir` if needed and opens its files. */
  constructor(readonly dir: string) {
    mkdirSync(dir, { recursive: true });
    this.calls = new LineFile(join(dir, 'calls.jsonl'));
    this.complaints = new LineFile(join(dir, 'complaints.jsonl'));
    this.consents = new LineFile(join(dir, 'consents.jsonl'));
  }

  call(record: CallEvent): void | Promise<void> {
    return this.calls.add(callLine(record));
  }
  complaint(record: ComplaintReport): void | Promise<void> {
    return this.complaints.add(JSON.stringify(record));
  }
  consent(record: ConsentRecord): void | Promise<void> {
    return this.consents.add(JSON.stringify(record));
  }
  async close(): Promise<void> {
    await Promise.all([this.calls.close(), this.complaints.close(), this.consents.close()]);
  }
}
