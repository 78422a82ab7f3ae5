/**
 * The allowlist file: one number per line, in any form that normalises
 * (E.164, national, `0086…`). A `#` starts a comment, on a line of its own
 * or after the number (`13900001111 # clinic`); blank lines are skipped; a
 * number that does not normalise, or a line over 1 MiB, is reported and
 * skipped.
 */
import { overlongMessage } from '../../shared/contracts/jsonl.ts';
import { readLineBatches } from '../../shared/io/lines.ts';
import { normalizeOrError } from '../../shared/numbers/index.ts';

/** Reads the allowlist, calling `allow` with each E.164 number and `bad` for each unusable line. */
export async function readAllowlist(
  path: string,
  allow: (e164: string) => void,
  bad: (lineNo: number, error: string) => void,
): Promise<{ numbers: number; bad: number }> {
  let numbers = 0;
  let badLines = 0;
  for await (const { lines, overlong, firstLineNo } of readLineBatches(path)) {
    let nextLong = 0; // index into overlong (in line order)
    for (let i = 0; i < lines.length; i++) {
      if (nextLong < overlong.length && overlong[nextLong].lineNo === firstLineNo + i) {
        bad(firstLineNo + i, overlongMessage(overlong[nextLong++].bytes));
        badLines++;
        continue;
      }
      const hash = lines[i].indexOf('#');
      const line = (hash < 0 ? lines[i] : lines[i].slice(0, hash)).trim();
      if (line === '') continue;
      const r = normalizeOrError(line);
      if (r.ok) {
        allow(r.value);
        numbers++;
      } else {
        bad(firstLineNo + i, `not a phone number ${JSON.stringify(line)} (${r.error})`);
        badLines++;
      }
    }
  }
  return { numbers, bad: badLines };
}
