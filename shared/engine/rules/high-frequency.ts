import { r1, rising, type Rule } from '../signals.ts';

/**
 * HIGH_FREQUENCY: call attempts per hour or per day above what a person
 * makes. Volume alone is weak evidence (busy shops, couriers, hospitals),
 * so on its own it is WATCH (25–29 points), and it is context (see
 * `verdict`): with other context (SHORT_CALLS, QUIET_HOURS of engaged
 * calls) or with evidence below LABEL (two repeats after a refusal) it
 * stays below LABEL; it strengthens real evidence.
 */
export const highFrequency: Rule = (s, c) => {
  const { callsPerHour, callsPerDay } = c.highFrequency;
  const hourly = s.calls1h >= callsPerHour ? rising(s.calls1h, callsPerHour, 25, 4, 4) : 0;
  const daily = s.calls24h >= callsPerDay ? rising(s.calls24h, callsPerDay, 25, 4, 4) : 0;
  if (hourly === 0 && daily === 0) return null;
  return hourly >= daily
    ? { rule: 'HIGH_FREQUENCY', window: '1h', value: r1(s.calls1h), threshold: callsPerHour, points: hourly, context: true }
    : { rule: 'HIGH_FREQUENCY', window: '24h', value: r1(s.calls24h), threshold: callsPerDay, points: daily, context: true };
};
