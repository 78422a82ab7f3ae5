/**
 * Consent records (every instance keeps each grant per caller|callee and
 * passes each to every engine; unusable ones are held for the DLQ) and
 * control changes (allowlist additions and removals, live engine thresholds).
 */
import type { ConsentRecord } from '../../../shared/contracts/records.ts';
import { parseConsent } from '../../../shared/contracts/validate.ts';
import { normalizeOrError } from '../../../shared/numbers/index.ts';
import { restoreEngine } from '../../../shared/engine/index.ts';
import type { ControlEvent } from '../control/poller.ts';
import type { SourceBatch } from '../kafka/source.ts';
import { prepareSchemas } from './batches.ts';
import type { DetectorState } from './detector-state.ts';
import type { TaskEngine } from './partition-task.ts';

/** A batch of consent records: every grant kept (ConsentRecords) and passed to every engine; tombstones revoke (their key normalised); unusable records and tombstone keys held for the DLQ. */
export async function onConsents(st: DetectorState, b: SourceBatch): Promise<void> {
  const values = b.messages.map((m) => m.value).filter((v): v is Buffer => v !== null);
  if (values.length > 0) await prepareSchemas(st, b.messages);
  const m = st.deps.metrics;
  for (const msg of b.messages) {
    if (msg.value === null) {
      const pair = tombstonePair(msg.key);
      if (!pair.ok) {
        m.consents.inc({ result: 'invalid' });
        st.consentDlq.add({ partition: b.partition, message: msg, error: pair.error });
        st.log.warn({ topic: b.topic, partition: b.partition, offset: msg.offset, err: pair.error }, 'unusable consent tombstone: held for the DLQ');
        continue;
      }
      // As if never given: every grant of the pair (docs/detector.md says why not from the tombstone's time).
      for (const known of st.consents.of(pair.value)) applyConsent(st, pair.value, { ...known, revokedAt: known.grantedAt });
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

/**
 * The pair a tombstone deletes, as the grants are kept: `caller|callee`,
 * each normalised (the contract says only that the key is `caller|callee`,
 * and a consent system may write the numbers as it got them, e.g.
 * `95588123|13812345678`). Before, the key was looked up as it came, so a
 * tombstone whose key was not already the normalised pair revoked nothing:
 * the live engines kept the consent, while a restart after compaction had
 * none. A key that is not two numbers is an error (DLQ).
 */
export function tombstonePair(key: Buffer | null): { ok: true; value: string } | { ok: false; error: string } {
  const raw = key === null ? null : key.toString('utf8');
  const bad = (why: string) => ({ ok: false as const, error: `invalid: tombstone key ${raw === null ? 'null' : JSON.stringify(raw.length > 80 ? `${raw.slice(0, 80)}…` : raw)} is not caller|callee (${why})` });
  if (raw === null) return bad('no key');
  const parts = raw.split('|');
  if (parts.length !== 2) return bad(parts.length === 1 ? 'no |' : `${parts.length} parts separated by |, not 2`);
  const caller = normalizeOrError(parts[0]);
  if (!caller.ok) return bad(`caller: ${caller.error}`);
  const callee = normalizeOrError(parts[1]);
  if (!callee.ok) return bad(`callee: ${callee.error}`);
  return { ok: true, value: `${caller.value}|${callee.value}` };
}

function applyConsent(st: DetectorState, key: string, c: ConsentRecord): void {
  st.consents.put(key, c);
  for (const t of st.tasks.values()) t.engine.onConsent(c);
}

/** An allowlist addition or removal, a rejected live config (logged, counted) or a live engine config (every engine rebuilt with its state). */
export function applyControl(st: DetectorState, ev: ControlEvent): void {
  const m = st.deps.metrics;
  if (ev.type === 'allow') {
    for (const n of ev.numbers) st.allowlist.add(n);
    for (const t of st.tasks.values()) for (const n of ev.numbers) t.engine.allow(n);
    st.log.info({ added: ev.numbers.length, total: st.allowlist.size }, 'allowlist updated');
  } else if (ev.type === 'allowlist-read') {
    // Engines restored before the first read kept their snapshots' allowlists; Redis's is in force from now on.
    st.allowlistRead = true;
    for (const t of st.tasks.values()) t.engine.setAllowlist(st.allowlist);
  } else if (ev.type === 'disallow') {
    for (const n of ev.numbers) st.allowlist.delete(n);
    for (const t of st.tasks.values()) t.engine.setAllowlist(st.allowlist);
    st.log.info({ removed: ev.numbers.length, total: st.allowlist.size }, 'allowlist updated');
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

/**
 * The same state in an engine built with the config in force (which re-derives the tracked numbers' marketing
 * bit from it), with this instance's allowlist: Redis's, not whatever the old engine's snapshot carried (once
 * Redis's has been read; before, the old engine's stays).
 */
function rebuild(st: DetectorState, engine: TaskEngine): TaskEngine {
  const next = restoreEngine(st.engineConfig, engine.snapshot(), st.engineOpts());
  if (st.allowlistRead) next.setAllowlist(st.allowlist);
  return next;
}
