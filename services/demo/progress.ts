/**
 * Reads the detector's Prometheus text and says how far it has got: the
 * events it has taken in and the consumer lag summed over partitions.
 */
export interface DetectorProgress {
  /** Call records taken in (accepted, duplicate, late or invalid). */
  eventsIn: number;
  lag: number;
  pending: number;
  flags: number;
}

export function parseDetectorMetrics(text: string): DetectorProgress {
  let eventsIn = 0;
  let lag = 0;
  let flags = 0;
  let pending = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const m = /^([a-z_]+)(\{[^}]*\})?\s+([0-9.eE+-]+)$/.exec(line.trim());
    if (!m) continue;
    const value = Number(m[3]);
    if (m[1] === 'callguard_detector_consumer_lag') lag += value;
    else if (m[1] === 'callguard_detector_events_total' && /topic="[^"]*calls[^"]*"/.test(m[2] ?? '')) eventsIn += value;
    else if (m[1] === 'callguard_detector_pending_records') pending += value;
    else if (m[1] === 'callguard_detector_flags_total') flags += value;
  }
  return { eventsIn, lag, pending, flags };
}
