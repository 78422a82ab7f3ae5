/**
 * One sweep variant, in process: the simulator streams its records straight
 * into a detection engine (validated and normalised exactly as replay and
 * the detector do, in delivery order as a live system sees them — no files,
 * no JSON), and the flags are scored against the truth with the eval's
 * metrics.
 */
import type { CallEvent, ComplaintReport, ConsentRecord } from '../../shared/contracts/records.ts';
import { parseCallEvent, parseComplaint, parseConsent } from '../../shared/contracts/validate.ts';
import type { EngineConfig } from '../../shared/config/index.ts';
import { DetectionEngine } from '../../shared/engine/index.ts';
import { runScenario } from '../simulator/run.ts';
import type { Scenario } from '../simulator/scenario.ts';
import type { Sink } from '../simulator/sinks/sink.ts';
import { computeMetrics, type EvalFlag, type Metrics } from './metrics.ts';

/** Figures of one variant run. */
export interface VariantRun {
  metrics: Metrics;
  calls: number;
  late: number;
  duplicates: number;
  /** Records the engine would not take (validation errors); expected 0. */
  invalid: number;
  simSeconds: number;
}

/** A sink that feeds each record to the engine as it is delivered and collects the flags. */
class EngineSink implements Sink {
  readonly flags: EvalFlag[] = [];
  invalid = 0;
  late = 0;
  duplicates = 0;
  calls = 0;
  constructor(readonly engine: DetectionEngine) {}

  call(record: CallEvent): void {
    const r = parseCallEvent(record);
    if (!r.ok) {
      this.invalid++;
      return;
    }
    this.calls++;
    const a = this.engine.onCall(r.value);
    if (a === 'late') this.late++;
    else if (a === 'duplicate') this.duplicates++;
    this.drain();
  }
  complaint(record: ComplaintReport): void {
    const r = parseComplaint(record);
    if (!r.ok) {
      this.invalid++;
      return;
    }
    this.engine.onComplaint(r.value);
    this.drain();
  }
  consent(record: ConsentRecord): void {
    const r = parseConsent(record);
    if (r.ok) this.engine.onConsent(r.value);
    else this.invalid++;
  }
  async close(): Promise<void> {
    this.engine.finish();
    this.drain();
  }
  private drain(): void {
    for (const f of this.engine.drainFlags()) {
      this.flags.push({ number: f.number, severity: f.severity, detectedAt: f.detectedAt, rules: f.reasons.map((r) => r.rule) });
    }
  }
}

/** Simulates `scenario` with `seed` into a fresh engine with `config` (the allowlist is given to it before the first call). */
export async function runVariant(scenario: Scenario, seed: number, config: EngineConfig): Promise<VariantRun> {
  const engine = new DetectionEngine(config);
  const sink = new EngineSink(engine);
  const t0 = performance.now();
  const result = await runScenario(scenario, seed, sink, { onAllowlist: (numbers) => numbers.forEach((n) => engine.allow(n)) });
  const simSeconds = (performance.now() - t0) / 1000;
  return {
    metrics: computeMetrics(result.truth, sink.flags),
    calls: sink.calls,
    late: sink.late,
    duplicates: sink.duplicates,
    invalid: sink.invalid,
    simSeconds,
  };
}
