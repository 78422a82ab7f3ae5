/**
 * Contract records as JSON Lines (one JSON object per line, timestamps as
 * integer ms): decoding with validation, encoding, and batched reading of
 * large files with the line number of every record and every bad line.
 */
import { DEFAULT_MAX_LINE_BYTES, readLineBatches, type ReadLinesOptions } from '../io/lines.ts';
import type { Result } from './validate.ts';

/** A record parser such as `parseCallEvent`. */
export type RecordParser<T> = (input: unknown) => Result<T>;

/** A line that could not be used: bad JSON or a failed validation. */
export interface BadLine {
  lineNo: number;
  error: string;
}

/** The valid records and the bad lines of one chunk of a file. */
export interface RecordBatch<T> {
  records: T[];
  /** 1-based line number of each record, parallel to `records`. */
  lineNos: number[];
  bad: BadLine[];
  /** Bytes of the file consumed so far. */
  bytesRead: number;
}

/** Parses one line of JSON and validates it. Never throws. */
export function decodeJsonLine<T>(line: string, parse: RecordParser<T>): Result<T> {
  let obj: unknown;
  try {
    obj = JSON.parse(line);
  } catch (e) {
    return { ok: false, error: `invalid JSON: ${(e as Error).message}` };
  }
  return parse(obj);
}

/** One record as a JSON line, newline included. */
export function encodeJsonLine(record: unknown): string {
  return JSON.stringify(record) + '\n';
}

/** Why an overlong line was skipped (shared with other line-based readers). */
export function overlongMessage(bytes: number, options: ReadLinesOptions = {}): string {
  return `line too long: ${bytes} bytes, more than the ${options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES}-byte limit (not read)`;
}

/** True for a line that holds nothing but spaces (skipped, not an error). */
function isBlank(line: string): boolean {
  for (let i = 0; i < line.length; i++) {
    const c = line.charCodeAt(i);
    if (c !== 32 && c !== 9 && c !== 13) return false;
  }
  return true;
}

/**
 * Reads a JSON Lines file in batches: each line is decoded and validated with
 * `parse`; valid records come with their line numbers, bad lines with the
 * reason. Blank lines are skipped. Nothing is loaded beyond one chunk; a line
 * longer than `maxLineBytes` (1 MiB) is a bad line, skipped without loading it.
 */
export async function* readJsonl<T>(
  path: string,
  parse: RecordParser<T>,
  options: ReadLinesOptions = {},
): AsyncGenerator<RecordBatch<T>> {
  for await (const { lines, overlong, firstLineNo, bytesRead } of readLineBatches(path, options)) {
    const records: T[] = [];
    const lineNos: number[] = [];
    const bad: BadLine[] = [];
    let nextLong = 0; // index into overlong (in line order)
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i];
      if (nextLong < overlong.length && overlong[nextLong].lineNo === firstLineNo + i) {
        bad.push({ lineNo: firstLineNo + i, error: overlongMessage(overlong[nextLong++].bytes, options) });
        continue;
      }
      if (line.length === 0 || isBlank(line)) continue;
      const r = decodeJsonLine(line, parse);
      if (r.ok) {
        records.push(r.value);
        lineNos.push(firstLineNo + i);
      } else {
        bad.push({ lineNo: firstLineNo + i, error: r.error });
      }
    }
    yield { records, lineNos, bad, bytesRead };
  }
}
