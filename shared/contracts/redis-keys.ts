/**
 * The enforcer's Redis keys (documented in docs/enforcer.md), a contract
 * between the enforcer, which writes them, and the console and the detector,
 * which read the last two (the console writes the dismissal too):
 *
 * - `<prefix>:enforce:state:<number>` — JSON `NumberState`
 *   (services/enforcer/machine.ts): the machine's whole state of the number
 *   (history, dismissal, early reviews).
 * - `<prefix>:label:<number>` — JSON `LookupView` (services/enforcer/view.ts):
 *   what the lookup API answers; present only while there is something to
 *   say (LABELED, PENDING_VERIFICATION, BLOCKED, DISMISSED), expiring with
 *   the label.
 * - `<prefix>:dismissed:<number>` — hash `flagId`, `severity`,
 *   `windowStart`, `windowEnd` (ms), `reviewer`, `decidedAt`: the evidence
 *   an investigator dismissed; the detector should not flag the number
 *   again for evidence ending at or before `windowEnd`. Written by the
 *   console when the investigator decides and by the enforcer when it
 *   consumes the DISMISSED ReviewDecision, keeping the widest window.
 *
 * Numbers are E.164 (`+8613812345678`).
 */

/** Key names under one prefix (default `callguard`). */
export interface EnforcerKeys {
  state(number: string): string;
  label(number: string): string;
  dismissed(number: string): string;
}

/** The key names under `prefix`. */
export function enforcerKeys(prefix = 'callguard'): EnforcerKeys {
  return {
    state: (n) => `${prefix}:enforce:state:${n}`,
    label: (n) => `${prefix}:label:${n}`,
    dismissed: (n) => `${prefix}:dismissed:${n}`,
  };
}
