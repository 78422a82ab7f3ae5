/**
 * Fast line reading from files with line numbers, for JSON Lines inputs of
 * tens of millions of lines.
 *
 * The file is read in large chunks into one reused buffer; each chunk's
 * complete lines are decoded as UTF-8 in one call and split on `\n`; the
 * partial last line is carried over to the next read. Batches of lines are
 * yielded (one await per chunk, not per line); ASCII chunks skip the UTF-8
 * decoder. Together this is several times faster than `readline` (figures in
 * docs/replay.md).
 */
import { isAscii } from 'node:buffer';
import { open } from 'node:fs/promises';

/** A line longer than the limit: not loaded, its place in `lines` is an empty string. */
export interface OverlongLine {
  lineNo: number;
  /** Bytes of the line (without its `\n`). */
  bytes: number;
}

/** Lines read from one chunk of a file. */
export interface LineBatch {
  /** The lines, without `\n` or a trailing `\r`; empty lines included. An overlong line is `''` here and listed in `overlong`. */
  lines: string[];
  /** Lines longer than `maxLineBytes`, in line order (usually none). */
  overlong: OverlongLine[];
  /** 1-based line number of `lines[0]`. */
  firstLineNo: number;
  /** Bytes of the file consumed so far, including these lines. */
  bytesRead: number;
}

/** One line and its 1-based number. */
export interface NumberedLine {
  line: string;
  lineNo: number;
}

/** Options of {@link readLineBatches}. */
export interface ReadLinesOptions {
  /** Bytes per read; default 128 KiB. A longer line grows the buffer (up to `maxLineBytes`). */
  chunkSize?: number;
  /**
   * Longest line loaded, in bytes without its `\n`; default 1 MiB. A longer
   * line is skipped without being held in memory and listed in the batch's
   * `overlong`, so one garbage line of gigabytes neither exhausts memory nor
   * exceeds V8's longest string and ends the reading of the file.
   */
  maxLineBytes?: number;
}

/** 1 MiB: a contract record is a few hundred bytes; thousands of times that is not a record. */
export const DEFAULT_MAX_LINE_BYTES = 1024 * 1024;

/**
 * 128 KiB: measured on Node 20 with 225-byte JSON lines, reads of 64–128 KiB
 * split fastest (~4–5 M lines/s); from 256 KiB on, decoding and splitting
 * the larger strings became 5–10 times slower.
 */
const DEFAULT_CHUNK = 128 * 1024;
const NL = 10;
const CR = 13;

/**
 * Reads a file as batches of lines. Handles `\n` and `\r\n` endings, a last
 * line without a newline, and a UTF-8 byte-order mark. A file ending in a
 * newline has no extra empty last line. A line longer than `maxLineBytes` is
 * read past, never held whole, and listed in its batch's `overlong`.
 */
export async function* readLineBatches(path: string, options: ReadLinesOptions = {}): AsyncGenerator<LineBatch> {
  const maxLine = options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
  // The buffer never exceeds the longest line plus its newline: a full buffer without a newline is an overlong line.
  // (At least 4 bytes, so that the byte-order mark is checked before any line can overflow.)
  const cap = Math.max(maxLine, 3) + 1;
  const fh = await open(path, 'r');
  try {
    let buf = Buffer.allocUnsafe(Math.min(options.chunkSize ?? DEFAULT_CHUNK, cap));
    let filled = 0; // bytes in buf: the carried partial line, then new data
    let consumed = 0; // bytes of the file turned into lines so far
    let lineNo = 1;
    let first = true;
    // An overlong line being skipped: its bytes so far (-1: none). Its lines entry and report go out with the next batch.
    let skipping = -1;
    let lead: string[] = [];
    let overlong: OverlongLine[] = [];
    for (;;) {
      if (filled === buf.length) {
        if (buf.length >= cap) {
          // The partial line alone fills the largest buffer: skip it to its newline.
          skipping = filled;
          consumed += filled;
          filled = 0;
        } else {
          const bigger = Buffer.allocUnsafe(Math.min(buf.length * 2, cap));
          buf.copy(bigger, 0, 0, filled);
          buf = bigger;
        }
      }
      const { bytesRead } = await fh.read(buf, filled, buf.length - filled, null);
      filled += bytesRead;
      const eof = bytesRead === 0;
      if (first) {
        if (filled < 3 && !eof) continue;
        first = false;
        if (filled >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) {
          buf.copy(buf, 0, 3, filled);
          filled -= 3;
          consumed = 3;
        }
      }
      if (skipping >= 0) {
        const nl = buf.subarray(0, filled).indexOf(NL);
        if (nl < 0) {
          skipping += filled;
          consumed += filled;
          filled = 0;
          if (!eof) continue;
        } else {
          skipping += nl;
          consumed += nl + 1;
          buf.copy(buf, 0, nl + 1, filled);
          filled -= nl + 1;
        }
        overlong.push({ lineNo: lineNo + lead.length, bytes: skipping });
        lead.push('');
        skipping = -1;
      }
      if (eof) {
        if (filled === 0 && lead.length === 0) return;
        // What is left: complete lines (only while still waiting for a BOM check) and a last line without newline.
        const rest = filled === 0 ? [] : splitLines(decode(buf, filled));
        if (filled > 0 && buf[filled - 1] === NL) rest.pop();
        yield { lines: lead.concat(rest), overlong, firstLineNo: lineNo, bytesRead: consumed + filled };
        return;
      }
      const lastNl = filled === 0 ? -1 : buf.lastIndexOf(NL, filled - 1);
      if (lastNl < 0) continue; // no complete line yet: read more, growing the buffer when full
      const lines = splitLines(decode(buf, lastNl));
      consumed += lastNl + 1;
      const all = lead.length === 0 ? lines : lead.concat(lines);
      yield { lines: all, overlong, firstLineNo: lineNo, bytesRead: consumed };
      lineNo += all.length;
      lead = [];
      overlong = [];
      buf.copy(buf, 0, lastNl + 1, filled);
      filled -= lastNl + 1;
    }
  } finally {
    await fh.close();
  }
}

/**
 * Decodes `buf[0, end)` as UTF-8. Pure-ASCII chunks (the usual JSON Lines
 * case) are decoded as latin1, which gives the same string an order of
 * magnitude faster than the UTF-8 decoder on this Node version.
 */
function decode(buf: Buffer, end: number): string {
  const bytes = buf.subarray(0, end);
  return isAscii(bytes) ? bytes.toString('latin1') : bytes.toString('utf8');
}

/** Splits on `\n` and drops the `\r` of CRLF endings. */
function splitLines(text: string): string[] {
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i];
    if (l.length > 0 && l.charCodeAt(l.length - 1) === CR) lines[i] = l.slice(0, -1);
  }
  return lines;
}

/** Reads a file line by line with 1-based line numbers (convenience over {@link readLineBatches}); an overlong line comes as `''`. */
export async function* readLines(path: string, options: ReadLinesOptions = {}): AsyncGenerator<NumberedLine> {
  for await (const batch of readLineBatches(path, options)) {
    for (let i = 0; i < batch.lines.length; i++) yield { line: batch.lines[i], lineNo: batch.firstLineNo + i };
  }
}
