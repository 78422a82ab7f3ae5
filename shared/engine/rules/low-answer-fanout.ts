import { publicPicksUp, r1, reach, rising, wilsonUpper, type Rule, type Signals } from '../signals.ts';
import { mostlyRingOnce } from './ring-once.ts';

/**
 * LOW_ANSWER_FANOUT: many distinct strangers called and few of them engage.
 * The defining trait of telemarketing: couriers and organisers also call
 * strangers but are answered, talked to or called back (they are expected).
 * Engagement is counted per callee (`reach()`: retries do not dilute it); the rate is judged by the upper bound of
 * its one-sided 99 % confidence interval (`z`: judged again at every call;
 * 95 % for a day whose calls are spread over several hours), and the day (at
 * 95 %) must agree with the hour, so a small sample or one bad hour never
 * looks low by chance. A day that is mostly the last hour counts engagement
 * as the hour does (`mostlyTheHour`), so the two cannot disagree about it.
 * The value reported is that engagement rate; points grow as its bound falls
 * below the maximum and as the fan-out grows: LABEL on its own once the
 * bound is clearly under the maximum.
 *
 * Unless the day's strangers pick up (`publicPicksUp`: the share who answered
 * at all, each once, is plainly above the maximum, or may plausibly be as high
 * as `mostlyAnswered`, and at least half the day's calls are answered, so that
 * redialling cannot buy it): then the answer rate is not shown to be low, only
 * the talks are short, and short talk is SHORT_CALLS' context, which never
 * labels on its own. A delivery rider's "I'm downstairs" (70 % answered,
 * 3–14 s) is not a pitch hung up on, not even in its first hour, when six
 * customers cannot yet show any rate plainly; a telemarketer whose public
 * picks up that often and hangs up looks the same, and waits for a sample
 * that shows the rate below `mostlyAnswered`, or for complaints.
 *
 * Silent, too, on a window whose calls are mostly rung once (`mostlyRingOnce`):
 * cancelled within a ring, they gave nobody the chance to answer, so they show
 * no answer rate. Such a window is RING_ONCE's to judge: counting a lure twice,
 * as ring-once and as a low answer rate, made one behaviour two rules and so
 * BLOCK_RECOMMENDED, and labelled a third of lures as telemarketing for good
 * (the fan-out's 6 strangers came before RING_ONCE's count whenever one of the
 * first calls was not a ring-once). A window of lures under RING_ONCE's counts
 * is judged by neither rule until the next lure or two reaches them. Calls that
 * rang out are not ring-once: an hour of unanswered pitches after a day of
 * lures is judged here.
 */
export const lowAnswerFanout: Rule = (s, c) => {
  const { strangersPerHour, strangersPerDay, maxAnswerRate, z } = c.lowAnswerFanout;
  if (s.newStrangers1h < strangersPerHour && s.newStrangers24h < strangersPerDay) return null;
  const hour = reach(s, '1h');
  // A day that holds at least twice the hour's strangers is several hours of
  // calling; a smaller one is mostly the last hour (for a number that has
  // just started, the day is the hour).
  const severalHours = s.newStrangers24h >= 2 * s.newStrangers1h;
  const day = severalHours ? reach(s, '24h') : mostlyTheHour(s);
  // The day must not contradict the hour: a clinic's bad hour in a day of
  // engaged patients is not marketing.
  if (wilsonUpper(day.k, day.n) > maxAnswerRate) return null;
  const hourUpper = s.newStrangers1h >= strangersPerHour ? wilsonUpper(hour.k, hour.n, z) : 1;
  // A low rate sustained over several hours is not one unlucky burst: the single-test 95 % bound.
  const dayZ = severalHours ? 1.645 : z;
  const dayUpper = s.newStrangers24h >= strangersPerDay ? wilsonUpper(day.k, day.n, dayZ) : 1;
  const byHour = hourUpper <= maxAnswerRate;
  if (!byHour && dayUpper > maxAnswerRate) return null;
  if (publicPicksUp(s, c.lowAnswerFanout)) return null;
  if (listenedThrough(s, c.lowAnswerFanout)) return null;
  const [{ n, k }, upper, threshold, window] = byHour ? [hour, hourUpper, strangersPerHour, '1h' as const] : [day, dayUpper, strangersPerDay, '24h' as const];
  if (mostlyRingOnce(s, c, window)) return null;
  const lowness = 1 - upper / maxAnswerRate;
  const points = 50 + 25 * lowness + rising(n, threshold, 0, 10, 3);
  return { rule: 'LOW_ANSWER_FANOUT', window, value: r1(k / n), threshold: maxAnswerRate, points };
};

/**
 * Whether the strangers who picked up today stayed on the line: at least `listenedThrough` of them (the lower
 * bound at 95 % of the share, over at least `listenedMin`) talked a real conversation (`acquaintanceTalkSec`).
 * A statistics bureau's survey (35–55 % answered, 2–10 min each) or a clinic's calls fan out to strangers and
 * are often unanswered, but whoever answers talks for minutes; a pitch's listeners mostly hang up within
 * seconds. What is low there is availability, not willingness. Over those who picked up at all, not only
 * those past the short-call cut: a pitch most hang up on at once, with a few who talk, is no survey. A count
 * at the counters' ceiling is no share. A telemarketer whose listeners really stay is left to the other rules
 * and to complaints.
 */
function listenedThrough(s: Signals, c: { listenedThrough: number; listenedMin: number }): boolean {
  const pickedUp = s.strangerPickedUp24h;
  if (pickedUp < c.listenedMin || c.listenedThrough >= 1 || s.strangerPickedUp24hSaturated) return false;
  const talked = Math.min(pickedUp, s.strangerTalked24h);
  return 1 - wilsonUpper(pickedUp - talked, pickedUp, 1.645) >= c.listenedThrough;
}

/**
 * The day's sample when it is mostly the last hour: engagement counted as the
 * hour counts it (`engagement()`), with the hour's real conversations standing
 * in for the callbacks that have not had time to come. Judged without them, a
 * clinic's first hour of patients (10 of 30 answered, 8 of them talking a
 * while) read as a telemarketer's by the day though not by the hour.
 */
function mostlyTheHour(s: Signals): { n: number; k: number } {
  const day = reach(s, '24h');
  if (s.engagement24hSaturated || s.engagement1hSaturated) return day;
  return { n: day.n, k: Math.min(day.n, day.k + s.strangerTalked1h) };
}
