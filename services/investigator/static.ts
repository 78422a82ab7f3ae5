/**
 * The console's static files (services/investigator/public/), read once at
 * start and served from memory by exact path — no file-system lookups with
 * request input, so no path traversal.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** A file served as is. */
export interface StaticFile {
  body: Buffer;
  contentType: string;
  /** Reachable without a session (the login page and what it needs). */
  public: boolean;
  /** Strong validator of the content: browsers revalidate and get 304 when unchanged. */
  etag: string;
}

const PUBLIC_DIR = join(dirname(fileURLToPath(import.meta.url)), 'public');

const FILES: Array<[url: string, file: string, type: string, isPublic: boolean]> = [
  ['/login', 'login.html', 'text/html; charset=utf-8', true],
  ['/assets/login.js', 'login.js', 'text/javascript; charset=utf-8', true],
  ['/assets/app.css', 'app.css', 'text/css; charset=utf-8', true],
  ['/assets/favicon.svg', 'favicon.svg', 'image/svg+xml', true],
  ['/', 'index.html', 'text/html; charset=utf-8', false],
  ['/assets/app.js', 'app.js', 'text/javascript; charset=utf-8', false],
  ['/assets/chart.js', 'chart.js', 'text/javascript; charset=utf-8', false],
  ['/assets/format.js', 'format.js', 'text/javascript; charset=utf-8', false],
];

/** Loads the console's files, keyed by URL path. */
export function loadStaticFiles(dir = PUBLIC_DIR): Map<string, StaticFile> {
  return new Map(
    FILES.map(([url, file, contentType, isPublic]) => {
      const body = readFileSync(join(dir, file));
      return [url, { body, contentType, public: isPublic, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"` }];
    }),
  );
}
