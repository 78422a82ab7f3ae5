/**
 * Checks on fetched artifacts, so that a file cut short (an interrupted copy,
 * a bad download) is found when it is fetched, not as a broker that dies at
 * start with a ZipException or a missing class.
 */
import { closeSync, fstatSync, openSync, readdirSync, readSync } from 'node:fs';
import { join } from 'node:path';

/** A zip (jar) ends with an end-of-central-directory record: signature PK\5\6, at most 64 KiB of comment after it. */
const EOCD_SIGNATURE = 0x06054b50;
const EOCD_MIN = 22;
const EOCD_MAX_SEARCH = EOCD_MIN + 0xffff;

/** True when `tail` (the last bytes of a file, up to 65,557) holds a zip end-of-central-directory record that ends the file. */
export function zipTailLooksComplete(tail: Buffer): boolean {
  for (let i = tail.length - EOCD_MIN; i >= 0; i--) {
    if (tail.readUInt32LE(i) !== EOCD_SIGNATURE) continue;
    const commentLength = tail.readUInt16LE(i + 20);
    if (i + EOCD_MIN + commentLength === tail.length) return true;
  }
  return false;
}

/** True when the file at `path` looks like a complete zip/jar. */
export function zipFileLooksComplete(path: string): boolean {
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    if (size < EOCD_MIN) return false;
    const n = Math.min(size, EOCD_MAX_SEARCH);
    const tail = Buffer.alloc(n);
    readSync(fd, tail, 0, n, size - n);
    return zipTailLooksComplete(tail);
  } finally {
    closeSync(fd);
  }
}

/** The `.jar` files of `dir` that are not complete zips (empty when all are). */
export function brokenJars(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.jar'))
    .filter((f) => !zipFileLooksComplete(join(dir, f)))
    .sort();
}
