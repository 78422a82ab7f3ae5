/**
 * A tiny stand-in for the detection engine, for testing replay's I/O without
 * depending on detection rules: it logs every input in the order received,
 * answers 'late' for eventIds starting with `late-` and 'duplicate' for a
 * repeated eventId/reportId, and emits one flag per call whose eventId starts
 * with `flag-`.
 */
import type { CallEvent, ComplaintReport, ConsentRecord, FlagEvent } from '../../shared/contracts/records.ts';
import type { Accepted, EngineStats } from '../../shared/engine/api.ts';
import type { ReplayEngine } from '../../services/replay/replay.ts';

export class FakeEngine implements ReplayEngine {
  readonly log: string[] = [];
  finished = false;
  private readonly seen = new Set<string>();
  private flags: FlagEvent[] = [];
  private readonly s: EngineStats = {
    calls: 0,
    complaints: 0,
    consents: 0,
    duplicates: 0,
    late: 0,
    trackedNumbers: 0,
    evictedNumbers: 0,
    flags: 0,
    flagsBySeverity: { WATCH: 0, LABEL: 0, BLOCK_RECOMMENDED: 0 },
    flagsByRule: {},
    watermark: null,
  };

  constructor(private readonly now: () => number = () => 0) {}

  onCall(e: CallEvent): Accepted {
    this.log.push(`call ${e.eventId} ${e.startTime} ${e.caller}>${e.callee}`);
    if (e.eventId.startsWith('late-')) {
      this.s.late++;
      return 'late';
    }
    if (this.seen.has(e.eventId)) {
      this.s.duplicates++;
      return 'duplicate';
    }
    this.seen.add(e.eventId);
    this.s.calls++;
    if (e.eventId.startsWith('flag-')) this.flag(e.caller, e.startTime);
    return 'accepted';
  }

  onComplaint(c: ComplaintReport): Accepted {
    this.log.push(`complaint ${c.reportId} ${c.reportTime} ${c.reporter}>${c.reported}`);
    if (this.seen.has('r:' + c.reportId)) {
      this.s.duplicates++;
      return 'duplicate';
    }
    this.seen.add('r:' + c.reportId);
    this.s.complaints++;
    return 'accepted';
  }

  onConsent(c: ConsentRecord): void {
    this.log.push(`consent ${c.caller}>${c.callee}`);
    this.s.consents++;
  }

  allow(number: string): void {
    this.log.push(`allow ${number}`);
  }

  drainFlags(): FlagEvent[] {
    const out = this.flags;
    this.flags = [];
    return out;
  }

  finish(): void {
    this.finished = true;
    this.log.push('finish');
  }

  stats(): EngineStats {
    return { ...this.s, flagsBySeverity: { ...this.s.flagsBySeverity }, flagsByRule: { ...this.s.flagsByRule } };
  }

  /** Emits a LABEL flag for `number` (also usable directly by tests). */
  flag(number: string, t: number): void {
    this.s.flags++;
    this.s.flagsBySeverity.LABEL++;
    this.s.flagsByRule.HIGH_FREQUENCY = (this.s.flagsByRule.HIGH_FREQUENCY ?? 0) + 1;
    this.flags.push({
      flagId: `fake-${this.s.flags}`,
      number,
      severity: 'LABEL',
      score: 60,
      reasons: [{ rule: 'HIGH_FREQUENCY', window: '1h', value: 1, threshold: 1 }],
      windowStart: t,
      windowEnd: t,
      detectedAt: t,
      emittedAt: this.now(),
      numberClass: 'MOBILE',
      accessProvider: null,
      evidence: { calls: 1 },
    });
  }
}
