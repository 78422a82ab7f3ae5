/**
 * The engine's configuration: every threshold with its default and the
 * reason for it. Defaults are chosen from how the behaviours differ, not
 * fitted to one data set: a courier calls many strangers but is answered;
 * a telemarketer is not. See README "Detection defaults". Every object is
 * strict: an unknown or misspelt key is an error, never silently ignored.
 */
import { z } from 'zod';
import { normalize } from '../numbers/index.ts';

/**
 * A check between settings runs once the settings it reads are valid on their own: computed from a value already
 * refused, it would name settings the user never set (a `severity.label` of 200 made `severity.block` "wrong").
 * Only those settings: an error elsewhere, or another check between settings failing, must not hide it (every
 * error is reported at once). `paths` are the settings (or the groups of settings) it reads.
 */
function onceValid(...paths: (readonly PropertyKey[])[]) {
  // An issue at a path above or below one of them (the group itself refused, or one of its fields) concerns it.
  const concerns = (issue: readonly PropertyKey[], path: readonly PropertyKey[]) => {
    const n = Math.min(issue.length, path.length);
    for (let i = 0; i < n; i++) if (issue[i] !== path[i]) return false;
    return true;
  };
  // An unknown key is reported on the object that holds it, but leaves every setting there valid.
  return {
    when: (payload: { issues: readonly { code?: string; path?: readonly PropertyKey[] }[] }) =>
      !payload.issues.some((issue) => issue.code !== 'unrecognized_keys' && paths.some((path) => concerns(issue.path ?? [], path))),
  };
}

const ms = z.number().int().positive();
/** Whole seconds of event time: the stores that keep times keep seconds. */
const seconds = ms.refine((v) => v % 1000 === 0, { message: 'must be whole seconds (a multiple of 1000 ms)' });
/**
 * A count threshold. The windowed counters stop at 65,535 (uint16): a higher
 * threshold could never be reached, which would turn its rule off unnoticed.
 */
const count = z.number().int().min(1).max(65_535);
/** A threshold on a per-pair or per-swarm count kept in one byte (saturating at 255). */
const byteCount = z.number().int().min(1).max(255);
/** Reporters kept per reported number (the newest; state/complaints.ts): a higher `distinctReporters` could never be reached. */
export const MAX_REPORTERS_PER_NUMBER = 64;
/**
 * Rules whose reasons can count towards `blockMinRules` (evidence: every rule but HIGH_FREQUENCY and SHORT_CALLS,
 * always context, and QUIET_HOURS, context or restating another's evidence): a higher minimum could never be met.
 */
export const EVIDENCE_RULES = 9;
/** The counters' shortest horizon (1 h): a call later than that behind the newest falls outside their windows. */
const LATENESS_MAX_MS = 3_600_000;
const ratio = z.number().min(0).max(1);
const hour = z.number().int().min(0).max(23);

export const engineConfigSchema = z
  .object({
    /** Events older than the watermark (max event time − this) are late: counted and routed. */
    allowedLatenessMs: ms.max(LATENESS_MAX_MS, { message: `must be at most ${LATENESS_MAX_MS} (1 h): the counters keep the current and the previous hour, so a call accepted later would count nowhere` }).default(120_000),
    /** A number with no activity for this long is evicted (its windowed state has aged out). */
    idleEvictMs: ms.default(3 * 24 * 3_600_000),
    /** Most entries of the caller→callee pair cache (it grows up to this); lossy, recency-evicted beyond it. */
    pairCacheEntries: z.number().int().min(1024).default(1 << 22),
    /**
     * How many recent eventIds / reportIds are remembered for de-duplication
     * (8 bytes each). Redeliveries arrive within seconds of the original;
     * 2^20 covers ~10 s at 100k events/s while staying cache-friendly.
     */
    dedupEntries: z.number().int().min(1024).default(1 << 20),
    /**
     * Callees tracked at once for SWARM_BOMBING (32 bytes each; only callees
     * that a stranger rings again get one; the least recently touched gives way).
     */
    swarmEntries: z.number().int().min(1024).default(1 << 16),
    /** Numbers treated as marketing lines besides 95/96/400 service numbers (E.164 or national). */
    marketingLines: z
      .array(z.string().refine((v) => normalize(v) !== null, { message: 'not a phone number' }))
      .default([]),
    /** Talk of at least this long is a "real conversation". */
    acquaintanceTalkSec: z.number().int().min(1).default(30),
    /**
     * Real conversations that make two numbers acquainted (besides the callee
     * having called the caller). Two, not one: a stranger's first call that the
     * victim answers is not yet a relationship.
     */
    acquaintanceTalks: z.number().int().min(1).max(255).default(2),
    /** A re-flag needs severity to rise, or this long since the last flag (a new evidence window). */
    reflagAfterMs: ms.default(24 * 3_600_000),
    /** IANA time zone of the callees' clocks (quiet hours); checked here, so a typo is a config error, not a crash at start. */
    timeZone: z.string().refine(isTimeZone, { message: 'unknown time zone' }).default('Asia/Shanghai'),
    rules: z
      .object({
        highFrequency: z
          .object({
            callsPerHour: count.default(60),
            callsPerDay: count.default(400),
          })
          .strict()
          .prefault({}),
        lowAnswerFanout: z
          .object({
            /**
             * Distinct strangers called in the horizon before the rule looks at all.
             * 6 an hour: a burst nobody makes calling people they know; below it
             * the bound (see `z`) could not be clearly low anyway (0 of 6 engaged
             * gives 0.47 at 99 %). The bound, not this count, tells marketers
             * from couriers; lower would label on 5 unlucky calls, higher only
             * delays labelling a marketer's slow first morning hour.
             */
            strangersPerHour: count.default(6),
            strangersPerDay: count.default(15),
            /** Engagement rate of strangers (per callee) at or below which it fires. */
            maxAnswerRate: ratio.default(0.55),
            /**
             * A public that mostly answers: while the share of the day's strangers who picked up at all (however
             * briefly, each once a day) is above `maxAnswerRate` and may plausibly be this high (its 95 % upper
             * bound above it), the answer rate is not shown to be low and the rule is silent. 0.75: couriers' and
             * riders' customers pick up 70-90 % of first calls, telemarketers' 10-45 %; a handful of a rider's
             * short "I'm downstairs" calls cannot make a low answer rate. At least `maxAnswerRate`; 1 turns it
             * off (then only a share plainly above `maxAnswerRate` silences the rule).
             */
            mostlyAnswered: ratio.default(0.75),
            /**
             * The public that picks up stays on the line: when at least this share of the day's strangers who picked
             * up (the lower bound at 95 %) talked `acquaintanceTalkSec` or more, over at least `listenedMin` of them,
             * the rule is silent; over the strangers who picked up at all, so that a pitch most hang up on at once
             * is no survey. At least 0.5 (lower would silence the rule on any day whose public mostly hangs up). 0.8:
             * a survey's or a clinic's reached public talks for minutes, a telemarketer's
             * listeners mostly leave within seconds of the pitch (12-35 s at most, session 28's probe); the sweeps'
             * telemarketers never come near it. 1 turns it off.
             */
            listenedThrough: z.number().min(0.5).max(1).default(0.8),
            listenedMin: count.default(10),
            /**
             * z of the Wilson upper bound that must fall below `maxAnswerRate`.
             * 2.326 (one-sided 99 %), not 1.645: every number is judged again
             * at every call and hundreds of busy benign numbers every hour, so a
             * single test's 95 % would label a few per cent of clinics and
             * delivery riders on an unlucky hour. A day whose strangers are
             * spread over several hours (at least twice the hour's) uses 1.645,
             * as does the day's veto of an hour.
             */
            z: z.number().min(1).max(4).default(2.326),
          })
          .strict()
          .prefault({}),
        shortCalls: z
          .object({
            maxTalkSec: z.number().int().min(1).default(10),
            minAnswered: count.default(10),
            minShare: ratio.default(0.6),
          })
          .strict()
          .prefault({}),
        rejectionRepeat: z
          .object({
            /** Attempts after an explicit rejection, at one callee, that count as harassment (the number keeps its largest run in a byte). */
            repeats: byteCount.default(2),
            /** How long an explicit rejection is remembered. */
            memoryMs: ms.default(7 * 24 * 3_600_000),
            /**
             * A rejection by a line that, within the hour, engaged in at least this many
             * attempts of other strangers while strangers were ringing it again (their
             * retries and the first tries it answered; state/inbound-swarms.ts), then or
             * at any time within `memoryMs`, is a busy line's "not now", not a refusal of
             * the caller: the attempts after it are not counted, unless the line keeps
             * rejecting that caller (`busyLineRefusals`). A shop at its lunch peak rejects
             * a call while it talks to the customers before; a person refusing a harasser
             * is not taking strangers' calls by the dozen.
             */
            busyLineEngaged: count.default(3),
            /**
             * A refusal that begins at a busy line (above) is the line's "not now": there only its rejecting the
             * caller again counts as a repeat, from this many such rejections on, and only within
             * `busyLineRefusalWindowMs` of the first. One or two more "not now"s of a customer are a busy shop's;
             * the third within the day (four rejections, none answered in between) is a refusal of that caller:
             * a shop's harasser, or one who made its victim look busy with a few pretext calls answered. Retries
             * that ring out are a customer's and do not count there.
             */
            busyLineRefusals: z.number().int().min(1).max(1000).default(3),
            /**
             * How long a busy line's refusal runs from its first rejection (it is not renewed by the next ones, as an
             * ordinary refusal's memory is): a customer rejected once a day at the shop's lunch peak is not refused.
             */
            busyLineRefusalWindowMs: ms.default(24 * 3_600_000),
          })
          .strict()
          .prefault({}),
        ringOnce: z
          .object({
            /** A CANCELLED attempt that rang at most this long is a ring-once. */
            maxRingMs: ms.default(8_000),
            /**
             * 6, as `lowAnswerFanout.strangersPerHour`: where this rule fires the fan-out steps aside (a lure's
             * calls show no answer rate), so a lure ringing a new stranger each time is labelled at the call it
             * was before, by its own name. 8 until session 26, when the fan-out labelled lures first.
             */
            perHour: count.default(6),
            /**
             * 10, not 20: lures are spread thin over many numbers (a dozen rings a day each, scattered over
             * countries so that no block groups them), and the share (`minShare`) and the strangers are what
             * set them apart; the count guards against chance. At 20 such numbers were never judged (session 21's
             * probe: 30 numbers, 10-14 rings a day, none labelled); at 10 the sweeps (seeds 1-13) labelled no
             * benign number more.
             */
            perDay: count.default(10),
            minShare: ratio.default(0.5),
          })
          .strict()
          .prefault({}),
        callBombing: z
          .object({
            attempts: byteCount.default(8),
            // At most 65,535 s (18 h): the gap between a pair's two windows is kept in 16 bits of seconds.
            windowMs: seconds.max(65_535_000).default(3_600_000),
          })
          .strict()
          .prefault({}),
        swarmBombing: z
          .object({
            /**
             * Distinct strangers, each ringing one callee at least `attemptsEach`
             * times within the window, that make a swarm. Six: a shop's busy hour
             * also brings several customers who retry, but it answers them.
             */
            callers: byteCount.default(6),
            /** Attempts at the callee (within the per-pair bombing window) that make a caller one of the swarm. Two: one redial is a repeat. */
            attemptsEach: z.number().int().min(2).max(255).default(2),
            /**
             * The callee engages in at most this share of the swarm's attempts (upper
             * bound of its interval at `z`): a bombing victim answers nobody, or hangs
             * up at once; a busy shop answers a third or more of its callers' tries.
             */
            maxEngagedShare: ratio.default(0.2),
            /** z of that Wilson upper bound: 2.326 (99 %), since the callee is judged again at every attempt. */
            z: z.number().min(1).max(4).default(2.326),
            windowMs: ms.default(3_600_000),
          })
          .strict()
          .prefault({}),
        complaints: z
          .object({
            /** Distinct reporters (weighted) needed; one reporter alone is never enough. */
            distinctReporters: z.number().min(2).max(MAX_REPORTERS_PER_NUMBER).default(2),
            windowMs: ms.default(30 * 24 * 3_600_000),
            /** Weight of a complaint from an acquaintance of the reported number. */
            acquaintanceWeight: ratio.default(0.5),
            /**
             * Weight of a complaint from a person the reported number is not on record as having called, while it
             * is on record as calling others (calls within its 24 h) and the pair would still be held: a
             * complaint about a call that never reached the reporter (a rival framing a shop, a grudge, an SMS)
             * is no evidence about calls. A quarter: twelve such reporters weigh three. Not 0: the record starts
             * when the engine does (calls before it are not on it), and a complaint read before the call it is
             * about (a complaint stream running ahead of the calls) counts so too.
             */
            unreachedWeight: ratio.default(0.25),
            /**
             * Complaints a person called files about any caller (a wrong number, an
             * annoyed customer): reporters are evidence only beyond this background,
             * given how many people the number reached. One in a thousand.
             */
            benignRate: ratio.default(0.001),
            /** How unlikely the reporters must be as that background (Poisson upper tail) for the rule to speak at all. */
            alpha: ratio.default(0.01),
            /**
             * How unlikely they must be to be evidence: a LABEL on their own, one of the
             * rules BLOCK_RECOMMENDED needs. Between this and `alpha` they are context
             * (a WATCH alone, weight added to other evidence): every number is tested
             * again at every complaint, and a public label on a legitimate line is the
             * costly error. At most `alpha`.
             */
            evidenceAlpha: ratio.default(0.001),
          })
          .strict()
          .prefault({}),
        noConsent: z
          .object({
            callsPerDay: count.default(5),
          })
          .strict()
          .prefault({}),
        sequentialDialing: z
          .object({
            /** Callees within this distance of the previous callee continue a run. */
            maxGap: count.default(10),
            perHour: count.default(15),
            minShare: ratio.default(0.4),
          })
          .strict()
          .prefault({}),
        quietHours: z
          .object({
            startHour: hour.default(22),
            endHour: hour.default(8),
            strangerCallsPerDay: count.default(6),
          })
          .strict()
          .prefault({}),
        campaign: z
          .object({
            /** Numbers sharing all but this many trailing digits are one block. */
            blockDigits: z.number().int().min(1).max(6).default(3),
            /**
             * A member must itself have called at least this many strangers in a day
             * (two unanswered calls to a shop and a plumber are anyone's day)…
             */
            memberStrangersPerDay: count.default(3),
            /**
             * A quieter member (fewer than `memberStrangersPerDay`, at least this many) is
             * scored too, but only with `listedMembers` listed members near it (one more
             * than a listed member needs), and is judged when its group is recognised:
             * snowshoe numbers often rotate out after two calls.
             */
            quietMemberStrangers: count.default(2),
            /** …with at most this engagement rate; the group's rate (upper bound) must be below it too. */
            memberMaxAnswerRate: ratio.default(0.45),
            /** …and strangers must be at least this share of its calls (a neighbour also calls friends). */
            memberStrangerShare: ratio.default(0.8),
            /** Members of one block and access provider calling strangers that make a campaign. */
            members: count.default(4),
            /**
             * …of which at least this many look like quiet marketers on their own (the
             * member conditions above): the members behave alike, so one busy caller
             * and a few neighbours who ring a stranger are not a campaign.
             */
            listedMembers: count.default(3),
            /**
             * Stranger calls of the whole group over 24 h before its engagement is
             * judged at all: the sample behind the group's 95 % upper bound, which must
             * be under `memberMaxAnswerRate`. Evidence, not volume: a small operation
             * (six numbers, 40 calls, 15 % engaged) is as clear as a large one.
             */
            strangerCallsPerDay: count.default(30),
            /**
             * A member is scored with its group only if at least `listedMembers − 1`
             * other listed members lie within this many numbers of it. An operation
             * leases its numbers together (a range, or every few numbers of one);
             * the ordinary subscribers of the block are scattered over it, and the
             * few of them who call strangers on a given day rarely sit this close to
             * two others who do. 16 admits ranges taken every 16th number or closer.
             */
            neighbourhood: count.default(16),
          })
          .strict()
          .prefault({}),
      })
      .strict()
      .prefault({}),
    severity: z
      .object({
        // Whole points: a flag's score is an int (the contract), and a LABEL's capped score is `label` − 1.
        watch: z.number().int().min(1).max(100).default(25),
        label: z.number().int().min(1).max(100).default(50),
        block: z.number().int().min(1).max(100).default(80),
        /**
         * BLOCK_RECOMMENDED needs at least this many distinct evidence rules, each at its LABEL grade (points ≥
         * `label`; distinct reporters' COMPLAINTS whenever they are evidence, as testimony): verdict.ts.
         */
        blockMinRules: z.number().int().min(2).max(EVIDENCE_RULES).default(2),
      })
      .strict()
      .prefault({}),
  })
  .strict()
  // The checks between settings, each once the settings it reads are valid on their own (onceValid).
  // The scores must rise with the severity. With `block` under `label`, the
  // context rules (HIGH_FREQUENCY 29 + SHORT_CALLS 20: kept under `label`
  // without evidence, but 20 points each) would make BLOCK_RECOMMENDED with
  // no evidence at all; with `label` under `watch`, LABEL would skip WATCH.
  .superRefine((v, ctx) => {
    const sv = v.severity;
    if (sv.label < sv.watch) ctx.addIssue({ code: 'custom', path: ['severity', 'label'], message: `must be at least severity.watch (${sv.watch}), not ${sv.label}` });
    if (sv.block < sv.label) ctx.addIssue({ code: 'custom', path: ['severity', 'block'], message: `must be at least severity.label (${sv.label}), not ${sv.block}` });
  }, onceValid(['severity', 'watch'], ['severity', 'label'], ['severity', 'block']))
  // Quiet hours from an hour to the same hour would be no hours at all: the rule off, unnoticed.
  .superRefine((v, ctx) => {
    const qh = v.rules.quietHours;
    if (qh.startHour === qh.endHour) {
      ctx.addIssue({ code: 'custom', path: ['rules', 'quietHours', 'endHour'], message: `must differ from rules.quietHours.startHour (${qh.startHour}): the same hour would make no quiet hours (the rule off)` });
    }
  }, onceValid(['rules', 'quietHours', 'startHour'], ['rules', 'quietHours', 'endHour']))
  // A number is evicted only once its state can no longer matter: its 24-hour windows empty, its last flag older
  // than the re-flag interval (an evicted number's next flag is a first one), and past any late call for it.
  .superRefine((v, ctx) => {
    const floor = Math.max(86_400_000, v.reflagAfterMs, v.allowedLatenessMs);
    if (v.idleEvictMs < floor) {
      ctx.addIssue({ code: 'custom', path: ['idleEvictMs'], message: `must be at least ${floor} (24 h, reflagAfterMs and allowedLatenessMs, whichever is longest), not ${v.idleEvictMs}` });
    }
  }, onceValid(['idleEvictMs'], ['reflagAfterMs'], ['allowedLatenessMs']))
  // A quiet member is one below the listing count: a larger minimum would make no member quiet.
  .superRefine((v, ctx) => {
    const cc = v.rules.campaign;
    if (cc.quietMemberStrangers > cc.memberStrangersPerDay) {
      ctx.addIssue({ code: 'custom', path: ['rules', 'campaign', 'quietMemberStrangers'], message: `must be at most rules.campaign.memberStrangersPerDay (${cc.memberStrangersPerDay}), not ${cc.quietMemberStrangers}` });
    }
  }, onceValid(['rules', 'campaign', 'quietMemberStrangers'], ['rules', 'campaign', 'memberStrangersPerDay']))
  // Evidence is the stricter test: a larger evidenceAlpha than alpha would make evidence of what the rule ignores.
  .superRefine((v, ctx) => {
    const co = v.rules.complaints;
    if (co.evidenceAlpha > co.alpha) {
      ctx.addIssue({ code: 'custom', path: ['rules', 'complaints', 'evidenceAlpha'], message: `must be at most rules.complaints.alpha (${co.alpha}), not ${co.evidenceAlpha}` });
    }
  }, onceValid(['rules', 'complaints', 'evidenceAlpha'], ['rules', 'complaints', 'alpha']))
  // A public that mostly answers answers more than the rate the rule calls low: a lower line would silence the rule
  // on any share above the maximum, however thin the sample.
  .superRefine((v, ctx) => {
    const la = v.rules.lowAnswerFanout;
    if (la.mostlyAnswered < la.maxAnswerRate) {
      ctx.addIssue({ code: 'custom', path: ['rules', 'lowAnswerFanout', 'mostlyAnswered'], message: `must be at least rules.lowAnswerFanout.maxAnswerRate (${la.maxAnswerRate}), not ${la.mostlyAnswered}` });
    }
  }, onceValid(['rules', 'lowAnswerFanout', 'mostlyAnswered'], ['rules', 'lowAnswerFanout', 'maxAnswerRate']));

export type EngineConfig = z.infer<typeof engineConfigSchema>;

function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}
