/**
 * TabSeparated text written straight into bytes: the aggregate tables get
 * about one row per call event, and building each row as a string (a
 * template per row, a rope of them, then one copy into a Buffer) allocated
 * about 600 bytes of short-lived strings per event. Strings are written
 * byte by byte when they are ASCII and need no escaping (phone numbers,
 * topic names), integers digit by digit; anything else goes through the
 * escaping and Buffer's UTF-8 encoder, with the same bytes as before.
 */

const TAB = 9;
const NL = 10;
const D0 = 48;

/** Whether `s` is ASCII and free of what TabSeparated escapes (backslash, tab, newline, carriage return, NUL, quote). */
function plainAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 128 || c === 92 || c === 9 || c === 10 || c === 13 || c === 0 || c === 39) return false;
  }
  return true;
}

/** A growing byte buffer for TabSeparated lines. */
export class TsvBytes {
  private buf: Buffer;
  private pos = 0;

  /** @param escape TabSeparated escaping of a string value (used for values that are not plain ASCII). */
  constructor(
    private readonly escape: (v: string) => string,
    initialBytes = 4096,
  ) {
    this.buf = Buffer.allocUnsafe(Math.max(64, initialBytes));
  }

  /** A String column's value, escaped. */
  str(s: string): this {
    if (plainAscii(s)) {
      this.room(s.length);
      for (let i = 0; i < s.length; i++) this.buf[this.pos++] = s.charCodeAt(i);
    } else {
      const e = this.escape(s);
      this.room(Buffer.byteLength(e, 'utf8'));
      this.pos += this.buf.write(e, this.pos, 'utf8');
    }
    return this;
  }

  /** A number column's value: integers digit by digit, other numbers as JavaScript prints them. */
  num(n: number): this {
    if (!Number.isSafeInteger(n) || n < 0) return this.str(String(n));
    this.room(16);
    if (n < 10) {
      this.buf[this.pos++] = D0 + n;
      return this;
    }
    let digits = 1;
    for (let t = n; t >= 10; t = Math.floor(t / 10)) digits++;
    let at = this.pos + digits;
    this.pos = at;
    for (let t = n; at > this.pos - digits; t = Math.floor(t / 10)) this.buf[--at] = D0 + (t % 10);
    return this;
  }

  /** A DateTime as ClickHouse 18.16 reads it in text formats time-zone free: exactly ten digits of Unix seconds. */
  unix(seconds: number): this {
    if (Number.isSafeInteger(seconds) && seconds >= 1_000_000_000 && seconds < 10_000_000_000) return this.num(seconds);
    return this.str(String(seconds).padStart(10, '0'));
  }

  tab(): this {
    this.room(1);
    this.buf[this.pos++] = TAB;
    return this;
  }

  newline(): this {
    this.room(1);
    this.buf[this.pos++] = NL;
    return this;
  }

  /** The bytes written (a view of the buffer). */
  bytes(): Buffer {
    return this.buf.subarray(0, this.pos);
  }

  private room(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }
}
