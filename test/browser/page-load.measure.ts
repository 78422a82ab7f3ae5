/**
 * Measures how long the console's pages take to load in Debian's headless
 * Chromium against a given database (e.g. one seeded with a day or more of
 * simulated traffic by `callguard investigate seed`): from navigation until
 * the page's table or chart is on screen, HTML, scripts and API calls
 * included. Starts its own console on a free loopback port with a throwaway
 * account; prints one line per page with the times of each round.
 *
 *   node --import tsx test/browser/page-load.measure.ts --database cg_demo [--rounds 3]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { chromium } from 'playwright-core';
import { pino } from 'pino';
import { loadInvestigatorConfig } from '../../services/investigator/config.ts';
import { startConsole } from '../../services/investigator/main.ts';

function arg(name: string, fallback?: string): string {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? process.argv[i + 1] : fallback;
  if (v === undefined) throw new Error(`--${name} is required`);
  return v;
}

const database = arg('database');
const rounds = Number(arg('rounds', '3'));
const user = 'measure';
const password = randomBytes(12).toString('hex');
const config = loadInvestigatorConfig({ port: '0', database }, { ...process.env, CALLGUARD_CONSOLE_USER: user, CALLGUARD_CONSOLE_PASSWORD: password });
const app = await startConsole(config, pino({ level: 'error' }, pino.destination(2)));
const dir = mkdtempSync(join(tmpdir(), 'callguard-chromium-'));
const context = await chromium.launchPersistentContext(dir, {
  executablePath: process.env.CALLGUARD_CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  viewport: { width: 1400, height: 900 },
});
try {
  const page = context.pages()[0] ?? (await context.newPage());
  page.on('pageerror', (e) => process.stderr.write(`page error: ${e.message}\n`));
  page.on('console', (m) => m.type() === 'error' && process.stderr.write(`console: ${m.text()}\n`));
  await page.goto(`${app.url}/login`);
  await page.fill('[data-testid=login-user]', user);
  await page.fill('[data-testid=login-password]', password);
  await page.click('[data-testid=login-submit]');
  await page.waitForSelector('[data-testid=queue] tbody tr');
  const number = await page.getAttribute('[data-testid=queue] tbody tr', 'data-number');
  const auth = `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
  const profile = (await (await fetch(`${app.url}/api/numbers/${encodeURIComponent(number!)}`, { headers: { authorization: auth } })).json()) as { flags: Array<{ flagId: string }> };
  const pages: Array<[string, string, string]> = [
    ['review queue, 24h', '/#/queue?period=24h&minSeverity=LABEL', '[data-testid=queue] tbody tr'],
    ['review queue, all, WATCH+', '/#/queue?period=all&minSeverity=WATCH', '[data-testid=queue] tbody tr'],
    ['top offenders, 7d', '/#/offenders?period=7d&minSeverity=LABEL', '[data-testid=offenders] tbody tr'],
    ['top offenders, all, WATCH+', '/#/offenders?period=all&minSeverity=WATCH', '[data-testid=offenders] tbody tr'],
    ['access providers, 7d', '/#/providers?period=7d', '[data-testid=providers] tbody tr'],
    ['number profile', `/#/number/${encodeURIComponent(number!)}`, '[data-testid=activity-chart]'],
    ['evidence window', `/#/flag/${encodeURIComponent(profile.flags[0].flagId)}`, '[data-testid=activity-chart]'],
  ];
  // Full load: a fresh navigation (HTML, scripts revalidated, API calls). In-app: the console's own
  // navigation between pages (hash change: API calls and rendering only), what an investigator mostly sees.
  const full = new Map<string, number[]>();
  const inApp = new Map<string, number[]>();
  for (let r = 0; r < rounds; r++) {
    for (const [i, [name, path, selector]] of pages.entries()) {
      await page.goto('about:blank');
      let t0 = performance.now();
      await page.goto(`${app.url}${path}`);
      await page.waitForSelector(selector);
      full.set(name, [...(full.get(name) ?? []), performance.now() - t0]);
      // From this page to the next one, as the console's links do.
      const [nextName, nextPath, nextSelector] = pages[(i + 1) % pages.length];
      await page.evaluate("document.getElementById('view').replaceChildren()");
      t0 = performance.now();
      await page.evaluate(`location.hash = ${JSON.stringify(nextPath.slice(1))}`);
      await page.waitForSelector(nextSelector);
      inApp.set(nextName, [...(inApp.get(nextName) ?? []), performance.now() - t0]);
    }
  }
  process.stdout.write(`database ${database}; load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}\n`);
  process.stdout.write(`${'page'.padEnd(28)} ${'full load, each round'.padEnd(30)} in-app navigation, each round\n`);
  const fmt = (ts: number[]) => ts.map((t) => `${t.toFixed(0).padStart(5)} ms`).join(' ');
  for (const [name] of pages) process.stdout.write(`${name.padEnd(28)} ${fmt(full.get(name)!).padEnd(30)} ${fmt(inApp.get(name)!)}\n`);
} finally {
  await context.close();
  rmSync(dir, { recursive: true, force: true });
  await app.close();
}
