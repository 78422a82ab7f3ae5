/**
 * The callee side of the per-call counting (call-observer.ts): the swarm
 * load of strangers who ring one callee again and again
 * (state/inbound-swarms.ts, judged by rules/swarm-bombing.ts), and whether
 * a callee is a busy line whose rejections mean "not now" (REJECTION_REPEAT).
 */
import { classify } from '../numbers/classify.ts';
import type { EngineContext } from './context.ts';
import { isSwarm } from './rules/swarm-bombing.ts';
import type { InboundLoad } from './state/inbound-swarms.ts';
import { NUM32 as NUM32_, NUM8 as NUM8_ } from './state/number-state.ts';
// The records' field offsets (the state accessors take offsets, not names: number-state.ts's NUM32).
const NUM32 = NUM32_;
const NUM8 = NUM8_;

/** Scratch for a callee's swarm load (the hot path allocates nothing). */
const SWARM_LOAD: InboundLoad = { attempts: 0, engaged: 0, repeaters: 0 };

/**
 * A stranger's `bombs`-th attempt within its bombing window at `callee`: its
 * attempts count towards the callee's swarm load (from the `attemptsEach`-th
 * on, when it also joins the swarm's distinct callers); if the load is a
 * swarm (rules/swarm-bombing.ts), its size is kept on the caller and the
 * call is worth judging (returns true). Victims are people's and
 * businesses' lines of the national plan: a service line (95/96/400) or short
 * code that many redial is a queue, not a victim, and so is an allowlisted
 * line (a hospital's registration line at booking time), whose load is still
 * kept: it is how the line is known busy, its rejections "not now".
 */
export function observeSwarm(cx: EngineContext, slot: number, caller: number, callee: number, calleeE164: string, sec: number, bombs: number, engagedNow: boolean, engagedBefore: boolean): boolean {
  const cls = classify(calleeE164);
  if (cls !== 'MOBILE' && cls !== 'FIXED_LINE') return false;
  const cfg = cx.config;
  const sw = cfg.rules.swarmBombing;
  const joins = bombs === sw.attemptsEach;
  const windowSec = sw.windowMs / 1000;
  const engaged = engagedNow || (joins && engagedBefore) ? 1 : 0;
  const swarms = cx.swarms;
  // An allowlisted line is a queue: its load is kept (how it is known busy) but nobody joins a swarm there, so that
  // a line taken off the allowlist is judged from its next callers, not on those who redialled it before.
  const queue = allowlisted(cx, callee);
  // A stranger the callee took up (a conversation past the short-call cut) is no bomber to it: its attempts count in
  // the load, engaged, but it is not among the members judged when the swarm is recognised (a rider who reached
  // the customer at the second try shortly before a swarm fell on that customer).
  if (joins && engaged === 0 && !queue) swarms.join(callee, caller, sec, windowSec);
  else if (engagedNow) swarms.leave(callee, caller);
  const i = swarms.note(callee, sec, windowSec, joins ? bombs : 1, engaged, joins && !queue ? 1 : 0);
  const load = swarms.load(i, sec, windowSec, SWARM_LOAD);
  busyNow(cx, i, load.engaged, sec);
  if (queue || !isSwarm(load.repeaters, load.attempts, load.engaged, cfg.rules)) return false;
  const size = Math.min(255, Math.round(load.repeaters));
  joinedSwarm(cx, slot, size, sec, windowSec);
  // The swarm is recognised now: those of its numbers that rang before (and
  // that this engine tracks) are marked too and judged after this call.
  // Those on other partitions are handed to their engines (when the table is shared).
  for (const key of swarms.recognise(callee, sec, windowSec)) {
    if (key === caller) continue;
    const m = cx.index.get(key);
    if (m >= 0) {
      joinedSwarm(cx, m, size, sec, windowSec);
      cx.swarmJudged.push(m);
    } else if (cx.swarmsShared) {
      swarms.handOver(key, size, sec, windowSec);
    }
  }
  return true;
}

/**
 * Members of swarms that another engine sharing the table recognised and
 * handed over, which this engine tracks: marked as if this engine had
 * recognised the swarm, and queued for judging after the current call. So
 * a number whose attempts all came before its swarm was recognised on
 * another partition is still judged, as a single engine would judge it.
 */
export function takeHandedOver(cx: EngineContext): void {
  const windowSec = cx.config.rules.swarmBombing.windowMs / 1000;
  cx.swarms.takeHanded(
    (key) => cx.index.get(key),
    (slot, size, sec) => {
      joinedSwarm(cx, slot, size, sec, windowSec);
      cx.swarmJudged.push(slot);
    },
  );
}

/**
 * Whether `callee` (key; `calleeE164` its number) is a queue, which many redial when it is busy, rather than a
 * line one caller can bomb (CALL_BOMBING): a service line (95/96/400), a short code (12320, 12306: classified
 * UNKNOWN), or a number the operator allowlisted (a hospital's registration line at booking time). A callee abroad
 * is a person's or a business's line like any (harassing a Hong Kong number is bombing).
 */
export function isQueue(cx: EngineContext, callee: number, calleeE164: string): boolean {
  if (allowlisted(cx, callee)) return true;
  const cls = classify(calleeE164);
  return cls === 'SERVICE_95' || cls === 'SERVICE_96' || cls === 'TOLL_FREE_400' || cls === 'UNKNOWN';
}

function allowlisted(cx: EngineContext, key: number): boolean {
  return cx.allowlist.size !== 0 && cx.allowlist.has(key);
}

/**
 * A stranger's attempt at `callee` (from `caller`) that the callee engaged in, before the
 * stranger rang it `attemptsEach` times: counted in the callee's load
 * (an attempt, engaged) if the callee has one — loads are made only by
 * repeated attempts, so an ordinary answered call touches nothing. A shop
 * answers most customers at the first try, and those never become
 * repeaters: with only the repeaters' attempts counted, a shop at its
 * peak, whose unanswered customers retry, looked as silent as a bombing
 * victim (docs/quality.md, "Swarm bombing and busy lines"). A victim
 * engages in nobody's attempts, so its load is unchanged.
 */
export function observeEngagedFirstTry(cx: EngineContext, caller: number, callee: number, sec: number): void {
  const swarms = cx.swarms;
  // A stranger listed in an earlier bombing window of the pair, now taken up: no bomber to this callee.
  swarms.leave(callee, caller);
  if (swarms.find(callee) < 0) return;
  swarms.note(callee, sec, cx.config.rules.swarmBombing.windowMs / 1000, 1, 1, 0);
}

/** Keeps the largest swarm the number at `slot` took part in within the window. */
function joinedSwarm(cx: EngineContext, slot: number, size: number, sec: number, windowSec: number): void {
  const st = cx.state;
  if (size > st.get8(slot, NUM8.swarmMax) || sec - st.get32(slot, NUM32.swarmAt) > windowSec) st.set8(slot, NUM8.swarmMax, size);
  st.set32(slot, NUM32.swarmAt, sec);
}

/**
 * Whether `callee` is a busy line: within the swarm window, while strangers
 * were ringing it again, it engaged in at least
 * `rejectionRepeat.busyLineEngaged` strangers' attempts (their retries and
 * the first tries it answered: a shop at its peak), now or at any time within the rejection
 * memory (its customers also call at the start of tomorrow's peak), so its
 * rejections mean "not now".
 */
export function busyLine(cx: EngineContext, callee: number, sec: number): boolean {
  const swarms = cx.swarms;
  const i = swarms.find(callee);
  if (i < 0) return false;
  if (busyNow(cx, i, swarms.load(i, sec, cx.config.rules.swarmBombing.windowMs / 1000, SWARM_LOAD).engaged, sec)) return true;
  const at = swarms.busyAt(i);
  return at !== 0 && sec - at <= cx.config.rules.rejectionRepeat.memoryMs / 1000;
}

/** Whether the callee of entry `i`, having engaged in `engaged` retries within the window, is a busy line now; if so it is remembered as one. */
function busyNow(cx: EngineContext, i: number, engaged: number, sec: number): boolean {
  if (engaged < cx.config.rules.rejectionRepeat.busyLineEngaged) return false;
  cx.swarms.markBusy(i, sec);
  return true;
}
