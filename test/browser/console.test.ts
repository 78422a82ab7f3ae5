/**
 * The console in a real browser: Debian's headless Chromium driven by
 * playwright-core (no browser download) logs in, searches a flagged number
 * in national form, sees its activity chart with flag markers, and confirms
 * its flag; the decision lands in ClickHouse. Screenshots are kept in
 * test-artifacts/ (git-ignored). Fails if /usr/bin/chromium is missing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import type { Admin } from 'kafkajs';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { createClickHouse, dropDatabase, type ClickHouse } from '../../shared/clickhouse/index.ts';
import { investigatorQueries } from '../../shared/clickhouse/queries/index.ts';
import { loadInvestigatorConfig } from '../../services/investigator/config.ts';
import { startConsole, type RunningConsole } from '../../services/investigator/main.ts';
import { createTestTopic, deleteTestTopics, testKafka } from '../integration/helpers/kafka.ts';
import { randomDatabase, randomTopic } from '../integration/helpers/names.ts';
import { FLAGS, HARASSER, loadFixture } from '../integration/investigator-fixtures.ts';

const CHROMIUM = process.env.CALLGUARD_CHROMIUM || '/usr/bin/chromium';
const ARTIFACTS = resolve(import.meta.dirname, '../../test-artifacts');
const USER = 'browser-test';
const PASSWORD = 'a long test password';
const database = randomDatabase('cg_browser');
const prefix = `callguard:test:${randomTopic('br').slice(3)}`;

let ch: ClickHouse;
let admin: Admin;
let reviewsTopic: string;
let app: RunningConsole;
let context: BrowserContext;
let page: Page;
let userDataDir: string;
const pageErrors: string[] = [];
/**
 * expect.poll's default deadline is 1 s: too short for a browser round trip (a click, a fetch to the console,
 * a re-render) on a loaded 2-core CI machine that also runs Chromium, the console and the stack.
 */
const POLL = { timeout: 15_000, interval: 50 };

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium (test/run.sh does it)`);
  mkdirSync(ARTIFACTS, { recursive: true });
  ch = createClickHouse();
  await loadFixture(ch, database);
  admin = testKafka('callguard-browser-test').admin();
  await admin.connect();
  reviewsTopic = await createTestTopic(admin, 1, 'br-reviews');
  const config = loadInvestigatorConfig(
    { port: '0', database, reviewsTopic, keyPrefix: prefix },
    { ...process.env, CALLGUARD_CONSOLE_USER: USER, CALLGUARD_CONSOLE_PASSWORD: PASSWORD },
  );
  app = await startConsole(config, pino({ level: 'error' }, pino.destination(2)));
  userDataDir = mkdtempSync(join(tmpdir(), 'callguard-chromium-'));
  context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 1400, height: 900 },
    timezoneId: 'UTC',
  });
  page = context.pages()[0] ?? (await context.newPage());
  page.on('pageerror', (e) => pageErrors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error') pageErrors.push(m.text());
  });
});

afterAll(async () => {
  await context?.close();
  if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
  await app?.close();
  if (ch) {
    await dropDatabase(ch, database);
    await ch.close();
  }
  if (admin) {
    await deleteTestTopics(admin, [reviewsTopic].filter(Boolean));
    await admin.disconnect();
  }
  const redis = new Redis(process.env.CALLGUARD_REDIS_URL || 'redis://127.0.0.1:6379', { maxRetriesPerRequest: 1 });
  const keys = await redis.keys(`${prefix}:*`);
  if (keys.length) await redis.del(...keys);
  redis.disconnect();
});

describe('investigators’ console in Chromium', () => {
  it('asks for a login, then shows the review queue', async () => {
    await page.goto(`${app.url}/`);
    await page.waitForURL(/\/login$/);
    await page.fill('[data-testid=login-user]', USER);
    await page.fill('[data-testid=login-password]', 'not the password');
    await page.click('[data-testid=login-submit]');
    await expect.poll(() => page.textContent('#error'), POLL).toMatch(/wrong user name or password/);
    await page.fill('[data-testid=login-password]', PASSWORD);
    await page.click('[data-testid=login-submit]');
    await page.waitForSelector('[data-testid=queue] tbody tr');
    const numbers = await page.$$eval('[data-testid=queue] tbody tr', (rows) => rows.map((r) => r.getAttribute('data-number')));
    expect(numbers[0]).toBe(HARASSER);
    await page.screenshot({ path: join(ARTIFACTS, 'console-queue.png') });
    // The wrong password's 401 is the only error the browser may have logged so far.
    expect(pageErrors.filter((e) => !/status of 401/.test(e))).toEqual([]);
    pageErrors.length = 0;
  });

  it('searches a flagged number, shows its chart and flags, and confirms the flag', async () => {
    await page.fill('[data-testid=search-input]', '138 0000 0001'); // national form with spaces
    await page.click('[data-testid=search-submit]');
    await page.waitForSelector('[data-testid=activity-chart]');
    expect(await page.textContent('[data-testid=profile-number]')).toBe(HARASSER);
    const bars = await page.$$('[data-testid=activity-chart] .bars rect');
    expect(bars.length).toBeGreaterThanOrEqual(40); // one bar segment or more per active minute
    expect(await page.$$('[data-testid=activity-chart] [data-testid=flag-marker]')).toHaveLength(2);
    const kpis = await page.textContent('[data-testid=kpis]');
    expect(kpis).toMatch(/Calls\s*40/);
    expect(kpis).toMatch(/Rejected\s*30/);

    const card = page.locator(`[data-testid=flag][data-flag-id="${FLAGS[1].flagId}"]`);
    await expect.poll(() => card.locator('[data-severity]').first().getAttribute('data-severity'), POLL).toBe('BLOCK_RECOMMENDED');
    expect(await card.textContent()).toMatch(/REJECTION_REPEAT/);
    await card.locator('[data-testid=review-note]').fill('30 rejected calls and two complaints in 3 hours');
    await card.locator('[data-testid=confirm-flag]').click();
    await card.locator('[data-testid=review-state]').waitFor();
    expect(await card.locator('[data-testid=review-state]').textContent()).toMatch(/Confirmed.*by browser-test/);
    expect(await page.textContent('[data-testid=review-history]')).toMatch(/browser-test/);
    await page.evaluate('window.scrollTo(0, 0)');
    await page.screenshot({ path: join(ARTIFACTS, 'console-number-confirmed.png'), fullPage: true });

    const reviews = await investigatorQueries(ch, database).numberReviews(HARASSER, 10);
    expect(reviews).toHaveLength(1);
    expect(reviews[0]).toMatchObject({ flagId: FLAGS[1].flagId, decision: 'CONFIRMED', reviewer: USER, note: '30 rejected calls and two complaints in 3 hours' });
    expect(pageErrors).toEqual([]);
  });

  it('the other pages render: evidence window, top offenders, providers', async () => {
    // The profile page has a chart too: wait for the evidence page's own heading, not just a chart.
    await page.click('[data-testid=evidence-link] >> nth=0');
    await page.waitForSelector('h1:text-is("Evidence window")');
    expect(decodeURIComponent(new URL(page.url()).hash)).toBe(`#/flag/${FLAGS[1].flagId}`);
    await page.waitForSelector('[data-testid=activity-chart]');
    const evidence = await page.textContent('#view');
    expect(evidence).toMatch(/Calls in window\s*40/);
    expect(await page.$$(`[data-testid=flag][data-flag-id="${FLAGS[1].flagId}"]`)).toHaveLength(1);
    await page.goto(`${app.url}/#/offenders?period=7d`);
    await page.waitForSelector('[data-testid=offenders] tbody tr');
    expect(await page.textContent('[data-testid=offenders] tbody tr')).toMatch(/Confirmed/);
    await page.screenshot({ path: join(ARTIFACTS, 'console-offenders.png') });
    await page.goto(`${app.url}/#/providers?period=24h`);
    await page.waitForSelector('[data-testid=providers] tbody tr');
    expect(await page.$$('[data-testid=providers] tbody tr')).toHaveLength(2);
    await page.screenshot({ path: join(ARTIFACTS, 'console-providers.png') });
    expect(pageErrors).toEqual([]);
  });
});
