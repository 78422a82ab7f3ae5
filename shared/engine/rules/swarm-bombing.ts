import { rising, wilsonUpper, type Rule, type RulesConfig } from '../signals.ts';
import { windowLabel } from '../verdict.ts';

/**
 * SWARM_BOMBING: one of many numbers flooding one victim — call bombing
 * spread over numbers so that each stays under CALL_BOMBING's per-pair
 * threshold (the "呼死你" services). The number rang a stranger at least
 * `attemptsEach` times within the window, while at least `callers` distinct
 * strangers did the same to that callee, and the callee engaged in almost
 * none of their attempts (Wilson upper bound at `z` ≤ `maxEngagedShare`):
 * the victim answers nobody or hangs up at once, where a shop in its busy
 * hour, whose customers also retry, answers a good share of them.
 * Acquaintances and consented callers are not strangers, so they never
 * count. LABEL on its own at the threshold.
 */
export const swarmBombing: Rule = (s, c) => {
  const { callers } = c.swarmBombing;
  if (s.swarmCallers < callers) return null;
  return {
    rule: 'SWARM_BOMBING',
    window: windowLabel(c.swarmBombing.windowMs),
    value: s.swarmCallers,
    threshold: callers,
    points: rising(s.swarmCallers, callers, 50, 20, 3),
  };
};

/**
 * Whether a callee's load (from state/inbound-swarms.ts) is a swarm: enough
 * distinct repeating strangers and attempts it plainly does not engage in.
 * The call observer asks this when a swarm member calls, and keeps the
 * swarm's size on the caller for the rule.
 */
export function isSwarm(repeaters: number, attempts: number, engaged: number, c: RulesConfig): boolean {
  const r = c.swarmBombing;
  return repeaters >= r.callers && wilsonUpper(engaged, attempts, r.z) <= r.maxEngagedShare;
}
