/**
 * A small terminal for tests: it keeps every byte written to it and renders
 * them the way xterm or tmux would show them, so that a test can assert what
 * an operator sees. It knows printable text, `\r`, `\n` (as a tty with
 * onlcr: to the start of the next line), line wrap at `columns` (with the
 * terminal's pending wrap at the margin) and its switch `ESC[?7l`/`ESC[?7h`,
 * erase in line `ESC[K` / `ESC[2K`, cursor column `ESC[<n>G`, relative moves
 * `ESC[<n>A/B/C/D`, and save/restore cursor `ESC 7`/`ESC 8`. Other control
 * sequences are kept in `raw` and otherwise ignored. Rows are never scrolled
 * off: the screen is as tall as it needs to be.
 */
import { Writable } from 'node:stream';

/** A writable end of the terminal, as a tty.WriteStream looks to code that checks. */
export type TerminalStream = Writable & { isTTY: true; columns: number };

export class FakeTerminal {
  /** Everything written, in order. */
  raw = '';
  private readonly rows: string[][] = [[]];
  private row = 0;
  private col = 0;
  private wrap = true;
  private saved: [number, number] = [0, 0];

  constructor(readonly columns = 120) {}

  /** A stream writing to this terminal (stdout or stderr: both may be the same terminal). Writes land at once. */
  stream(): TerminalStream {
    const w = new Writable({
      decodeStrings: false,
      write: (chunk: string | Buffer, _enc, cb) => {
        this.write(typeof chunk === 'string' ? chunk : chunk.toString('utf8'));
        cb();
      },
    }) as TerminalStream;
    w.isTTY = true;
    w.columns = this.columns;
    return w;
  }

  /** A bare object with isTTY, columns and write, for code that only calls write(). */
  plain(): NodeJS.WritableStream & { isTTY: true; columns: number } {
    return {
      isTTY: true,
      columns: this.columns,
      write: (s: string | Uint8Array) => {
        this.write(typeof s === 'string' ? s : Buffer.from(s).toString('utf8'));
        return true;
      },
    } as unknown as NodeJS.WritableStream & { isTTY: true; columns: number };
  }

  write(s: string): void {
    this.raw += s;
    for (let i = 0; i < s.length; ) {
      const c = s[i];
      if (c === '\x1b') {
        const m = /^\x1b(?:\[([?0-9;]*)([A-Za-z])|([78]))/.exec(s.slice(i));
        if (m === null) {
          i++;
          continue;
        }
        this.control(m[1] ?? '', m[2] ?? m[3]);
        i += m[0].length;
      } else if (c === '\r') {
        this.col = 0;
        i++;
      } else if (c === '\n') {
        this.moveTo(this.row + 1, 0);
        i++;
      } else {
        const cp = s.codePointAt(i)!;
        const ch = String.fromCodePoint(cp);
        this.put(ch);
        i += ch.length;
      }
    }
  }

  /** The rows as shown, trailing blanks removed, empty rows at the end dropped. */
  screen(): string[] {
    const out = this.rows.map((r) => Array.from(r, (ch) => ch ?? ' ').join('').trimEnd());
    while (out.length > 0 && out[out.length - 1] === '') out.pop();
    return out;
  }

  private put(ch: string): void {
    if (this.col >= this.columns) {
      if (this.wrap) this.moveTo(this.row + 1, 0);
      else this.col = this.columns - 1; // wrap off: the last column is written over and over
    }
    this.line()[this.col] = ch;
    this.col++; // may reach `columns`: the pending wrap, taken by the next printable character
  }

  private control(params: string, final: string): void {
    const n = Number.parseInt(params, 10);
    switch (final) {
      case '7':
        this.saved = [this.row, this.col];
        return;
      case '8':
        this.moveTo(this.saved[0], this.saved[1]);
        return;
      case 'h':
      case 'l':
        if (params === '?7') this.wrap = final === 'h';
        return;
      case 'K': {
        const line = this.line();
        if (params === '2') line.length = 0;
        else if (params === '1') for (let x = 0; x <= Math.min(this.col, line.length - 1); x++) line[x] = ' ';
        else line.length = Math.min(line.length, this.col);
        return;
      }
      case 'G':
        this.col = Math.max(0, (Number.isNaN(n) ? 1 : n) - 1);
        return;
      case 'A':
        this.moveTo(Math.max(0, this.row - (n || 1)), this.col);
        return;
      case 'B':
        this.moveTo(this.row + (n || 1), this.col);
        return;
      case 'C':
        this.col = Math.min(this.columns - 1, this.col + (n || 1));
        return;
      case 'D':
        this.col = Math.max(0, Math.min(this.col, this.columns - 1) - (n || 1));
        return;
      default:
    }
  }

  private moveTo(row: number, col: number): void {
    this.row = row;
    this.col = col;
    while (this.rows.length <= row) this.rows.push([]);
  }

  private line(): string[] {
    return this.rows[this.row];
  }
}
