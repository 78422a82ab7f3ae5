/**
 * Writes the crafted scenario files under fixtures/mixed/ (committed; rerun
 * with `npx tsx test/replay/make-fixtures.ts` after changing a scenario).
 *
 * One morning (10:00–13:00 Asia/Shanghai, 2026-01-05) with a day of history
 * before it. Populations, each with a known expected verdict:
 * - background: ten pairs of friends calling each other, answered — never flagged;
 * - harasser 13811110001: a stranger who keeps calling 13922220001 after she
 *   explicitly rejected him — REJECTION_REPEAT;
 * - polite redialler 13811110002: one redial after a rejection — never flagged;
 * - quarrel 13833330001 / 13944440001: long-standing contacts; one calls the
 *   other again and again, is rejected, and gets one complaint — never flagged;
 * - hospital appointment line 02088886666: 80 strangers in two hours, a third
 *   answer a 20-second reminder — flagged unless allowlisted;
 * - consented call centre 95588: calls only customers with live consent — never flagged;
 * - unconsented line 96777: calls people without consent — NO_CONSENT;
 * - complained-about 13855550001: three distinct reporters — COMPLAINTS;
 * - grudge target 13866660001: three complaints from one reporter — never flagged.
 * Plus input faults: two malformed call lines, one duplicated event, one late
 * event, one complaint with an unknown category.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CallEvent, CallOutcome, ComplaintReport, ConsentRecord } from '../../shared/contracts/records.ts';

const OUT = join(import.meta.dirname, 'fixtures', 'mixed');
const T = Date.UTC(2026, 0, 5, 2, 0, 0); // 10:00 in Shanghai
const MIN = 60_000;
const H = 60 * MIN;
const DAY = 24 * H;

const calls: CallEvent[] = [];
const complaints: ComplaintReport[] = [];
const consents: ConsentRecord[] = [];
let seq = 0;

/** The k-th of a set of scattered subscriber numbers with the given 7-digit prefix (not consecutive: no dialling runs). */
function scattered(prefix: string, k: number): string {
  return prefix + String((k * 7919 + 1234) % 10000).padStart(4, '0');
}

function call(caller: string, callee: string, at: number, outcome: CallOutcome, talkSec = 0, provider = 'carrier-a'): CallEvent {
  const ring = 6_000;
  const e: CallEvent = {
    eventId: `ev-${++seq}`,
    probeId: `probe-${seq % 3}`,
    caller,
    callee,
    startTime: at,
    answerTime: outcome === 'ANSWERED' ? at + ring : null,
    endTime: at + ring + (outcome === 'ANSWERED' ? talkSec * 1000 : 0),
    outcome,
    releaseCause: outcome === 'ANSWERED' ? 16 : outcome === 'REJECTED' ? 603 : outcome === 'NO_ANSWER' ? 480 : 487,
    accessProvider: provider,
  };
  calls.push(e);
  return e;
}

function complaint(reporter: string, reported: string, at: number, category: ComplaintReport['category']): void {
  complaints.push({ reportId: `rep-${complaints.length + 1}`, reporter, reported, reportTime: at, category, channel: '12321' });
}

// Background: ten pairs of friends, a call each way every couple of hours, answered.
for (let i = 0; i < 10; i++) {
  const a = `1370000${String(i).padStart(4, '0')}`;
  const b = `1590000${String(i).padStart(4, '0')}`;
  for (let k = 0; k < 14; k++) {
    const at = T - DAY + k * 2 * H + i * 7 * MIN;
    call(k % 2 ? b : a, k % 2 ? a : b, at, 'ANSWERED', 60 + 20 * i);
  }
}

// Harasser: rejected explicitly, then five more attempts over an hour.
const harasser = '13811110001';
const victim = '13922220001';
call(harasser, victim, T, 'REJECTED');
for (const [m, o] of [[10, 'REJECTED'], [20, 'REJECTED'], [30, 'NO_ANSWER'], [45, 'REJECTED'], [60, 'REJECTED']] as const) {
  call(harasser, victim, T + m * MIN, o);
}

// Polite redialler: one redial after a rejection, then gives up.
call('13811110002', '13922220002', T + 5 * MIN, 'REJECTED');
call('13811110002', '13922220002', T + 25 * MIN, 'NO_ANSWER');

// Quarrel: contacts for a long time (calls both ways with real talk), then a fight.
const [qa, qb] = ['13833330001', '13944440001'];
call(qa, qb, T - DAY + 30 * MIN, 'ANSWERED', 600);
call(qb, qa, T - DAY + 3 * H, 'ANSWERED', 180);
for (let k = 0; k < 6; k++) call(qa, qb, T + 15 * MIN + k * 20 * MIN, 'REJECTED');
complaint(qb, qa, T + 2 * H + 30 * MIN, 'HARASSMENT');

// Hospital appointment line: 80 patients in two hours, one in three answers.
for (let k = 0; k < 80; k++) {
  call('02088886666', scattered('1360000', k), T + 30 * MIN + k * 90_000, k % 3 === 0 ? 'ANSWERED' : 'NO_ANSWER', 20, 'carrier-b');
}

// Consented call centre: 20 customers who consented yesterday, half answer.
for (let k = 0; k < 20; k++) {
  const customer = scattered('1350000', k);
  consents.push({ caller: '95588', callee: customer, grantedAt: T - DAY, revokedAt: null });
  call('95588', customer, T + 40 * MIN + k * 3 * MIN, k % 2 ? 'ANSWERED' : 'NO_ANSWER', 120, 'carrier-c');
}

// Unconsented marketing line: 12 people, none consented.
for (let k = 0; k < 12; k++) {
  call('96777', scattered('1340000', k), T + 50 * MIN + k * 4 * MIN, k % 2 ? 'ANSWERED' : 'NO_ANSWER', 20, 'carrier-c');
}
// A consent that was revoked before any call (does not cover 96777's calls).
consents.push({ caller: '96777', callee: '13400000000', grantedAt: T - 2 * DAY, revokedAt: T - DAY });

// Complained about by three different people after a few calls.
for (let k = 0; k < 3; k++) {
  call('13855550001', `1330000000${k}`, T + 70 * MIN + k * 5 * MIN, 'NO_ANSWER');
  complaint(`1330000000${k}`, '13855550001', T + 80 * MIN + k * 10 * MIN, 'MARKETING');
}

// One person complains three times about the same number: never enough alone.
call('13866660001', '13300000009', T + 60 * MIN, 'ANSWERED', 40);
for (let k = 0; k < 3; k++) complaint('13300000009', '13866660001', T + 90 * MIN + k * 15 * MIN, 'HARASSMENT');

calls.sort((a, b) => a.startTime - b.startTime);
complaints.sort((a, b) => a.reportTime - b.reportTime);

// Input faults, at fixed places in the otherwise ordered files.
const callLines = calls.map((c) => JSON.stringify(c));
const dup = callLines[150];
callLines.splice(151, 0, dup); // the same eventId twice
callLines.splice(40, 0, '{"eventId":"broken-1","caller":"13700000001",'); // truncated
callLines.splice(90, 0, JSON.stringify({ ...calls[89], eventId: 'bad-number', caller: '12' }));
// A late event: 30 minutes behind what has been seen (allowed lateness is 2 minutes by default).
const lateAt = calls[200].startTime - 30 * MIN;
callLines.splice(201, 0, JSON.stringify({ ...call('13700000001', '15900000001', lateAt, 'ANSWERED', 60), eventId: 'late-1' }));
calls.pop();

const complaintLines = complaints.map((c) => JSON.stringify(c));
complaintLines.splice(2, 0, JSON.stringify({ ...complaints[0], reportId: 'bad-category', category: 'SPAM' }));

mkdirSync(OUT, { recursive: true });
writeFileSync(join(OUT, 'calls.jsonl'), callLines.join('\n') + '\n');
writeFileSync(join(OUT, 'complaints.jsonl'), complaintLines.join('\n') + '\n');
writeFileSync(join(OUT, 'consents.jsonl'), consents.map((c) => JSON.stringify(c)).join('\n') + '\n');
writeFileSync(join(OUT, 'allowlist.txt'), '# hospital appointment lines\n020-8888-6666\n');
process.stdout.write(`wrote ${callLines.length} call lines, ${complaintLines.length} complaint lines, ${consents.length} consents to ${OUT}\n`);
