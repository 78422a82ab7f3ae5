// Formatting and DOM helpers shared by the console's pages.

/** Builds an element: h('td', { class: 'num' }, 'text', child). Text is always set as text, never as HTML. */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat(Infinity)) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

const pad = (n) => String(n).padStart(2, '0');
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const intFmt = new Intl.NumberFormat('en-US');

/** 2025-03-04 21:05 (the browser's time zone). */
export function fmtTime(ms) {
  if (!ms) return '—';
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
}
/** Mar 4 21:05. */
export function fmtShort(ms) {
  if (!ms) return '—';
  const d = new Date(ms);
  return `${MONTHS[d.getMonth()]} ${d.getDate()} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
}
export const fmtInt = (n) => intFmt.format(Math.round(n ?? 0));
export const fmtPct = (x) => `${(100 * (x ?? 0)).toFixed(x > 0 && x < 0.1 ? 1 : 0)}%`;
export const fmtNum = (x) => (Number.isInteger(x) ? intFmt.format(x) : Number(x).toFixed(Math.abs(x) < 1 ? 3 : 1));

/** 7d, 24h, 45m. */
export function fmtSpan(ms) {
  if (ms >= 86_400_000 && ms % 86_400_000 === 0) return `${ms / 86_400_000}d`;
  if (ms >= 3_600_000) return `${Math.round(ms / 3_600_000)}h`;
  return `${Math.max(1, Math.round(ms / 60_000))}m`;
}

export const SEVERITY_TEXT = { WATCH: 'Watch', LABEL: 'Label', BLOCK_RECOMMENDED: 'Block recommended' };
export const STATUS_TEXT = {
  CLEAR: 'No action',
  LABELED: 'Caller ID labelled',
  PENDING_VERIFICATION: 'Pending verification',
  BLOCKED: 'Blocked',
  DISMISSED: 'Dismissed',
  CONFIRMED: 'Confirmed',
};
export const RULE_TEXT = {
  HIGH_FREQUENCY: 'High call rate',
  REJECTION_REPEAT: 'Calls again after refusal',
  LOW_ANSWER_FANOUT: 'Many strangers, few answers',
  SHORT_CALLS: 'Short calls',
  RING_ONCE: 'Ring-once lure',
  CALL_BOMBING: 'Call bombing',
  SWARM_BOMBING: 'One of many numbers flooding a victim',
  COMPLAINTS: 'Complaints',
  NO_CONSENT: 'Marketing without consent',
  SEQUENTIAL_DIALING: 'Sequential dialling',
  QUIET_HOURS: 'Calls in quiet hours',
  CAMPAIGN: 'Part of a campaign',
};

export const severityBadge = (s) => h('span', { class: `badge sev-${s}`, 'data-severity': s }, SEVERITY_TEXT[s] ?? s);
export const statusBadge = (s) => h('span', { class: `badge st-${s}`, 'data-status': s }, STATUS_TEXT[s] ?? s);
export const ruleChip = (r) => h('span', { class: 'chip', title: RULE_TEXT[r] ?? r }, r);
export const numberLink = (n) => h('a', { href: `#/number/${encodeURIComponent(n)}`, class: 'mono' }, n);
