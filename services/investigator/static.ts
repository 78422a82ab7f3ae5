/**
 * The console's static files (services/investigator/public/), read once at
 * start and served from memory by exact path — no file-system lookups with
 * request input, so no path traversal.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** A file served as is. */
export interface StaticFile {
  body: Buffer;
  contentType: string;
  /** Reachable without a session (the login page and what it needs). */
  public: boolean;
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
  return new Map(FILES.map(([url, file, contentType, isPublic]) => [url, { body: readFileSync(join(dir, file)), contentType, public: isPublic }]));
}
