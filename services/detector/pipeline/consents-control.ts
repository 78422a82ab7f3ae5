/**
 * Consent records (every instance keeps each grant per caller|callee and
 * passes each to every engine; unusable ones are held for the DLQ) and
 * control changes (allowlist additions, live engine thresholds).
 */
import type { ConsentRecord } from '../../../shared/contracts/records.ts';
import { parseConsent } from '../../../shared/contracts/validate.ts';
import { restoreEngine } from '../../../shared/engine/index.ts';
import type { ControlEvent } from '../control/poller.ts';
import type { SourceBatch } from '../kafka/source.ts';
import { prepareSchemas } from './batches.ts';
import type { DetectorState } from './detector-state.ts';
import type { TaskEngine } from './partition-task.ts';

/** A batch of consent records: every grant kept (ConsentRecords) and passed to every engine; tombstones revoke; unusable records held for the DLQ. */
export async function onConsents(st: DetectorState, b: SourceBatch): Promise<void> {
  const values = b.messages.map((m) => m.value).filter((v): v is Buffer => v !== null);
  if (values.length > 0) await prepareSchemas(st, b.messages);
  const m = st.deps.metrics;
  for (const msg of b.messages) {
    if (msg.value === null) {
      const key = msg.key?.toString('utf8') ?? '';
      // As if never given: every grant of the pair (docs/detector.md says why not from the tombstone's time).
      for (const known of st.consents.of(key)) applyConsent(st, key, { ...known, revokedAt: known.grantedAt });
      m.consents.inc({ result: 'tombstone' });
      continue;
    }
    const d = st.deps.codec.decode(msg.value);
    const r = d.ok ? parseConsent(d.value) : { ok: false as const, error: d.error };
    if (!r.ok) {
      const error = d.ok ? `invalid: ${r.error}` : r.error;
      m.consents.inc({ result: 'invalid' });
      st.consentDlq.add({ partition: b.partition, message: msg, error });
      st.log.warn({ topic: b.topic, partition: b.partition, offset: msg.offset, err: error }, 'unusable consent record: held for the DLQ');
      continue;
    }
    m.consents.inc({ result: 'valid' });
    applyConsent(st, `${r.value.caller}|${r.value.callee}`, r.value);
  }
  st.consentDlq.read(b.partition, b.lastOffset + 1);
}

function applyConsent(st: DetectorState, key: string, c: ConsentRecord): void {
  st.consents.put(key, c);
  for (const t of st.tasks.values()) t.engine.onConsent(c);
}

/** An allowlist addition, a rejected live config (logged, counted) or a live engine config (every engine rebuilt with its state). */
export function applyControl(st: DetectorState, ev: ControlEvent): void {
  const m = st.deps.metrics;
  if (ev.type === 'allow') {
    for (const n of ev.numbers) st.allowlist.add(n);
    for (const t of st.tasks.values()) for (const n of ev.numbers) t.engine.allow(n);
    st.log.info({ added: ev.numbers.length, total: st.allowlist.size }, 'allowlist updated');
  } else if (ev.type === 'config-rejected') {
    m.configReloads.inc({ result: 'rejected' });
    st.log.error({ errors: ev.errors }, 'live engine config rejected; the config in force stays');
  } else {
    st.engineConfig = ev.config;
    for (const t of st.tasks.values()) t.replaceEngine(rebuild(st, t.engine));
    m.configReloads.inc({ result: 'applied' });
    st.log.info({ override: ev.raw, allowedLatenessMs: ev.config.allowedLatenessMs }, 'live engine config applied');
  }
}

/** The same state in an engine built with the config in force. */
function rebuild(st: DetectorState, engine: TaskEngine): TaskEngine {
  return restoreEngine(st.engineConfig, engine.snapshot(), st.engineOpts());
}
