import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { brokenJars, zipFileLooksComplete, zipTailLooksComplete } from './artifacts.ts';

/** An empty zip: only the 22-byte end-of-central-directory record (optionally with a comment). */
function emptyZip(comment = ''): Buffer {
  const eocd = Buffer.alloc(22);
  eocd.writeUInt32LE(0x06054b50, 0);
  eocd.writeUInt16LE(Buffer.byteLength(comment), 20);
  return Buffer.concat([eocd, Buffer.from(comment)]);
}

const dir = mkdtempSync(join(tmpdir(), 'cg-artifacts-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('zip completeness', () => {
  it('accepts a zip whose end record ends the file, with or without a comment, after any content', () => {
    expect(zipTailLooksComplete(emptyZip())).toBe(true);
    expect(zipTailLooksComplete(Buffer.concat([Buffer.alloc(5000, 7), emptyZip('built by x')]))).toBe(true);
  });

  it('refuses a file cut short, one with bytes after the end record, and one with no end record', () => {
    const z = Buffer.concat([Buffer.alloc(100, 1), emptyZip('comment')]);
    expect(zipTailLooksComplete(z.subarray(0, z.length - 3))).toBe(false);
    expect(zipTailLooksComplete(Buffer.concat([z, Buffer.alloc(10)]))).toBe(false);
    expect(zipTailLooksComplete(Buffer.alloc(4096, 0x50))).toBe(false);
    expect(zipTailLooksComplete(Buffer.alloc(0))).toBe(false);
  });

  it('names the jars of a folder that were cut short (a real jar from the JDK, whole and truncated)', () => {
    writeFileSync(join(dir, 'A.java'), 'class A {}');
    // A real jar: the `jar` tool when there is one, else a hand-made empty zip.
    let real: Buffer;
    try {
      execFileSync('jar', ['cf', join(dir, 'real.jar'), '-C', dir, 'A.java'], { stdio: 'ignore' });
      real = readFileSync(join(dir, 'real.jar'));
    } catch {
      real = emptyZip();
    }
    const libs = join(dir, 'libs');
    mkdirSync(libs);
    writeFileSync(join(libs, 'good-1.0.jar'), real);
    copyFileSync(join(libs, 'good-1.0.jar'), join(libs, 'cut-1.0.jar'));
    truncateSync(join(libs, 'cut-1.0.jar'), Math.floor(real.length / 2));
    writeFileSync(join(libs, 'empty-1.0.jar'), '');
    writeFileSync(join(libs, '.complete'), 'x');
    expect(zipFileLooksComplete(join(libs, 'good-1.0.jar'))).toBe(true);
    expect(brokenJars(libs)).toEqual(['cut-1.0.jar', 'empty-1.0.jar']);
  });
});
