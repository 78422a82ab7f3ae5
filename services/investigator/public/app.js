// The console: a hash-routed page over the JSON API (/api/*).
//   #/queue?period=24h&minSeverity=LABEL   flags waiting for review
//   #/offenders?period=7d                  top offenders
//   #/providers?period=7d                  access providers by nuisance traffic
//   #/number/<number>                      a number's profile
//   #/flag/<flagId>                        a flag's evidence window
import { activityChart, chartLegend } from './chart.js';
import {
  h, fmtTime, fmtShort, fmtInt, fmtPct, fmtNum, fmtSpan,
  severityBadge, statusBadge, ruleChip, numberLink, RULE_TEXT,
} from './format.js';

const view = document.getElementById('view');
// Each navigation gets a number; a page still loading when the investigator moves on must not paint over the next one.
let navigation = 0;
function paint(token, ...nodes) {
  if (token === navigation) view.replaceChildren(...nodes);
}
document.getElementById('tz').textContent = Intl.DateTimeFormat().resolvedOptions().timeZone;

class ApiError extends Error {
  constructor(status, body) {
    super(body?.message || `request failed (${status})`);
    this.status = status;
  }
}

async function api(path, options = {}) {
  const res = await fetch(path, { ...options, headers: { accept: 'application/json', ...(options.body ? { 'content-type': 'application/json' } : {}) } });
  if (res.status === 401) {
    location.assign('/login');
    throw new ApiError(401, { message: 'session ended' });
  }
  const body = await res.json().catch(() => null);
  if (!res.ok) throw new ApiError(res.status, body);
  return body;
}

const PERIOD_TEXT = { '24h': 'Last 24 hours', '7d': 'Last 7 days', '30d': 'Last 30 days', all: 'All time' };
const SEVERITY_FILTER = { LABEL: 'Label and above', BLOCK_RECOMMENDED: 'Block recommended', WATCH: 'All severities' };

function select(name, options, value, onChange) {
  return h(
    'select',
    { name, 'data-testid': `filter-${name}`, onchange: (e) => onChange(e.target.value) },
    Object.entries(options).map(([v, text]) => h('option', { value: v, selected: v === value }, text)),
  );
}

function setQuery(route, params) {
  location.hash = `#/${route}?${new URLSearchParams(params)}`;
}

function notice(kind, text) {
  return h('div', { class: `notice ${kind}`, role: kind === 'error' ? 'alert' : 'status' }, text);
}

function loading(token, text = 'Loading…') {
  paint(token, h('div', { class: 'card empty' }, text));
}

function pageHead(title, sub, ...right) {
  return h('div', { class: 'page-head' }, h('div', {}, h('h1', {}, title), sub ? h('div', { class: 'sub' }, sub) : null), h('div', { class: 'filters' }, right));
}

function table(headers, rows, empty) {
  if (rows.length === 0) return h('div', { class: 'empty' }, empty);
  return h(
    'table',
    {},
    h('thead', {}, h('tr', {}, headers.map(([text, cls]) => h('th', { class: cls }, text)))),
    h('tbody', {}, rows),
  );
}

// ---------------------------------------------------------------- queue

async function queuePage(params, token) {
  const period = params.get('period') || '24h';
  const minSeverity = params.get('minSeverity') || 'LABEL';
  loading(token);
  const data = await api(`/api/queue?${new URLSearchParams({ period, minSeverity, limit: '100' })}`);
  const rows = data.rows.map((r) =>
    h(
      'tr',
      { class: 'clickable', 'data-number': r.number, onclick: () => (location.hash = `#/number/${encodeURIComponent(r.number)}`) },
      h('td', {}, severityBadge(r.severity)),
      h('td', {}, numberLink(r.number)),
      h('td', { class: 'num' }, r.score),
      h('td', { class: 'signals' }, r.rules.map(ruleChip)),
      h('td', { class: 'num' }, r.waitingFlags),
      h('td', {}, r.accessProvider ?? '—'),
      h('td', { class: 'nowrap' }, fmtTime(r.lastDetectedAt)),
    ),
  );
  paint(
    token,
    pageHead(
      'Review queue',
      `${fmtInt(data.total.numbers)} numbers with ${fmtInt(data.total.flags)} flags waiting · most severe, then newest first · data up to ${fmtTime(data.until)}`,
      h('label', {}, 'Period', select('period', PERIOD_TEXT, period, (v) => setQuery('queue', { period: v, minSeverity }))),
      h('label', {}, 'Severity', select('minSeverity', SEVERITY_FILTER, minSeverity, (v) => setQuery('queue', { period, minSeverity: v }))),
    ),
    h(
      'div',
      { class: 'card', 'data-testid': 'queue' },
      table(
        [['Severity'], ['Number'], ['Score', 'num'], ['Signals'], ['Flags', 'num'], ['Access provider'], ['Last flagged']],
        rows,
        'Nothing waiting for review in this period.',
      ),
    ),
  );
}

// ---------------------------------------------------------------- offenders

async function offendersPage(params, token) {
  const period = params.get('period') || '7d';
  const minSeverity = params.get('minSeverity') || 'LABEL';
  loading(token);
  const data = await api(`/api/offenders?${new URLSearchParams({ period, minSeverity, limit: '100' })}`);
  const rows = data.rows.map((r, i) => {
    const t = r.traffic;
    return h(
      'tr',
      { class: 'clickable', onclick: () => (location.hash = `#/number/${encodeURIComponent(r.number)}`) },
      h('td', { class: 'num muted' }, i + 1),
      h('td', {}, numberLink(r.number)),
      h('td', {}, severityBadge(r.severity)),
      h('td', { class: 'num' }, r.score),
      h('td', { class: 'num' }, r.flagCount),
      h('td', { class: 'num' }, t ? fmtInt(t.calls) : '—'),
      h('td', { class: 'num' }, t && t.calls ? fmtPct(t.answered / t.calls) : '—'),
      h('td', { class: 'num' }, t ? fmtInt(t.rejected) : '—'),
      h('td', { class: 'num' }, t ? fmtInt(t.complaints) : '—'),
      h('td', { class: 'signals' }, r.rules.map(ruleChip)),
      h('td', {}, r.accessProvider ?? '—'),
      h('td', { class: 'nowrap' }, r.review ? statusBadge(r.review) : h('span', { class: 'muted small' }, 'not reviewed')),
    );
  });
  paint(
    token,
    pageHead(
      'Top offenders',
      `${PERIOD_TEXT[period]} up to ${fmtTime(data.until)} · strongest flag per number`,
      h('label', {}, 'Period', select('period', PERIOD_TEXT, period, (v) => setQuery('offenders', { period: v, minSeverity }))),
      h('label', {}, 'Severity', select('minSeverity', SEVERITY_FILTER, minSeverity, (v) => setQuery('offenders', { period, minSeverity: v }))),
    ),
    h(
      'div',
      { class: 'card', 'data-testid': 'offenders' },
      table(
        [['#', 'num'], ['Number'], ['Severity'], ['Score', 'num'], ['Flags', 'num'], ['Calls', 'num'], ['Answered', 'num'], ['Rejected', 'num'], ['Complaints', 'num'], ['Signals'], ['Provider'], ['Review']],
        rows,
        'No flagged numbers in this period.',
      ),
    ),
  );
}

// ---------------------------------------------------------------- providers

async function providersPage(params, token) {
  const period = params.get('period') || '7d';
  loading(token);
  const data = await api(`/api/providers?${new URLSearchParams({ period, limit: '50' })}`);
  const rows = data.rows.map((r) => {
    const bar = h('span');
    bar.style.width = `${Math.min(100, 100 * r.flaggedShare).toFixed(1)}%`;
    return h(
      'tr',
      {},
      h('td', { class: 'mono' }, r.accessProvider ?? '(unknown)'),
      h('td', { class: 'num' }, fmtInt(r.calls)),
      h('td', { class: 'num' }, fmtInt(r.flaggedCalls)),
      h('td', {}, h('div', { class: 'share' }, h('div', { class: 'bar' }, bar), h('span', { class: 'pct' }, fmtPct(r.flaggedShare)))),
      h('td', { class: 'num' }, fmtInt(r.flaggedNumbers)),
      h('td', { class: 'num' }, fmtInt(r.blockRecommendedNumbers)),
    );
  });
  paint(
    token,
    pageHead(
      'Access providers',
      `${PERIOD_TEXT[period]} up to ${fmtTime(data.until)} · whoever connects a caller answers for it`,
      h('label', {}, 'Period', select('period', PERIOD_TEXT, period, (v) => setQuery('providers', { period: v }))),
    ),
    h(
      'div',
      { class: 'card', 'data-testid': 'providers' },
      table(
        [['Access provider'], ['Calls carried', 'num'], ['Calls by flagged numbers', 'num'], ['Nuisance share'], ['Flagged numbers', 'num'], ['Block recommended', 'num']],
        rows,
        'No traffic in this period.',
      ),
    ),
  );
}

// ---------------------------------------------------------------- flags and reviews

function reasonsTable(reasons) {
  return table(
    [['Signal'], ['Window'], ['Value', 'num'], ['Threshold', 'num']],
    reasons.map((r) =>
      h('tr', {}, h('td', {}, ruleChip(r.rule), ' ', h('span', { class: 'muted small' }, RULE_TEXT[r.rule] ?? '')), h('td', {}, r.window), h('td', { class: 'num' }, fmtNum(r.value)), h('td', { class: 'num' }, fmtNum(r.threshold))),
    ),
    'No reasons recorded.',
  );
}

function evidenceGrid(evidence) {
  const entries = Object.entries(evidence).filter(([, v]) => v !== 0);
  if (entries.length === 0) return h('div', { class: 'muted small' }, 'No evidence counts.');
  return h('div', { class: 'evidence' }, entries.map(([k, v]) => h('div', {}, h('span', { class: 'muted' }, k), h('span', {}, fmtNum(v)))));
}

function reviewBox(flag, onDone) {
  if (flag.review) {
    return h(
      'div',
      { class: 'review', 'data-testid': 'review-state' },
      statusBadge(flag.review.decision),
      h('span', { class: 'decided' }, `by ${flag.review.reviewer} on ${fmtTime(flag.review.decidedAt)}`, flag.review.note ? ` — “${flag.review.note}”` : ''),
    );
  }
  const note = h('textarea', { placeholder: 'Note for the record (what you checked, why)', maxlength: '1000', 'data-testid': 'review-note', 'aria-label': 'Review note' });
  const status = h('div', { class: 'small', role: 'status' });
  const decide = async (decision, buttons) => {
    buttons.forEach((b) => (b.disabled = true));
    status.textContent = 'Publishing decision…';
    try {
      const out = await api(`/api/flags/${encodeURIComponent(flag.flagId)}/review`, { method: 'POST', body: JSON.stringify({ decision, note: note.value }) });
      onDone(out);
    } catch (err) {
      status.replaceChildren(notice('error', err.message));
      buttons.forEach((b) => (b.disabled = false));
    }
  };
  const confirm = h('button', { class: 'danger', type: 'button', 'data-testid': 'confirm-flag', title: 'Confirm: the enforcer blocks a block-recommended number and keeps the label' }, 'Confirm');
  const dismiss = h('button', { class: 'secondary', type: 'button', 'data-testid': 'dismiss-flag', title: 'Dismiss: the label is removed and the number is protected from this evidence' }, 'Dismiss');
  confirm.addEventListener('click', () => decide('CONFIRMED', [confirm, dismiss]));
  dismiss.addEventListener('click', () => decide('DISMISSED', [confirm, dismiss]));
  return h('div', { class: 'review' }, note, confirm, dismiss, status);
}

function flagCard(flag, { onReviewed, withEvidenceLink = true } = {}) {
  const card = h('div', { class: `flag sev-border-${flag.severity}`, 'data-testid': 'flag', 'data-flag-id': flag.flagId });
  const render = () => {
    card.replaceChildren(
      h(
        'div',
        { class: 'flag-head' },
        severityBadge(flag.severity),
        h('span', { class: 'score' }, `Score ${flag.score}`),
        h('span', { class: 'muted' }, `detected ${fmtTime(flag.detectedAt)}`),
        h('span', { class: 'muted' }, `evidence ${fmtShort(flag.windowStart)} – ${fmtShort(flag.windowEnd)} (${fmtSpan(flag.windowEnd - flag.windowStart)})`),
        flag.accessProvider ? h('span', { class: 'chip' }, flag.accessProvider) : null,
        h(
          'span',
          { class: 'right' },
          h('span', { class: 'small muted mono', title: `flag id ${flag.flagId}` }, flag.flagId.length > 16 ? `${flag.flagId.slice(0, 12)}…` : flag.flagId),
          withEvidenceLink ? h('a', { href: `#/flag/${encodeURIComponent(flag.flagId)}`, 'data-testid': 'evidence-link' }, 'Evidence window →') : null,
        ),
      ),
      h('div', { class: 'flag-body' }, h('div', {}, reasonsTable(flag.reasons)), h('div', {}, h('div', { class: 'section-label' }, 'Evidence counts'), evidenceGrid(flag.evidence))),
      reviewBox(flag, (out) => {
        flag.review = { decision: out.review.decision, reviewer: out.review.reviewer, note: out.review.note ?? '', decidedAt: out.review.decidedAt };
        render();
        for (const w of out.warnings ?? []) card.append(notice('warn', w));
        onReviewed?.(out);
      }),
    );
  };
  render();
  return card;
}

function kpi(k, v, s) {
  return h('div', { class: 'kpi' }, h('div', { class: 'k' }, k), h('div', { class: 'v' }, v), s ? h('div', { class: 's' }, s) : null);
}

function chartCard(title, data, markers, window) {
  const chart = activityChart({ points: data.series, fromMs: data.range.fromMs, toMs: data.range.toMs, bucketSeconds: data.range.bucketSeconds, markers, window });
  const per = data.range.bucketSeconds === 60 ? 'minute' : data.range.bucketSeconds === 3600 ? 'hour' : 'day';
  return h(
    'div',
    { class: 'card chart' },
    h('h2', {}, title, h('span', { class: 'muted' }, `calls per ${per}, ${fmtTime(data.range.fromMs)} – ${fmtTime(data.range.toMs)}`)),
    data.series.length ? chart : h('div', { class: 'empty' }, 'No calls in this range.'),
    chartLegend(),
  );
}

// ---------------------------------------------------------------- number profile

function enforcementBadge(enf) {
  if (!enf) return h('span', { class: 'badge st-CLEAR', title: 'Redis unavailable' }, 'Enforcement unknown');
  const status = enf.view?.status ?? 'CLEAR';
  const badge = statusBadge(status);
  badge.setAttribute('data-testid', 'enforcement-status');
  badge.title = enf.view?.expiresAt ? `until ${fmtTime(enf.view.expiresAt)}` : 'current enforcement (enforcer)';
  return h('span', { class: 'enforcement' }, h('span', { class: 'muted small' }, 'Enforcement'), badge);
}

async function numberPage(raw, token) {
  loading(token, `Looking up ${raw}…`);
  let data;
  try {
    data = await api(`/api/numbers/${encodeURIComponent(raw)}`);
  } catch (err) {
    if (err.status === 400) {
      paint(token, pageHead('Search'), notice('error', err.message));
      return;
    }
    throw err;
  }
  document.getElementById('search-input').value = data.number;
  const s = data.summary;
  const markers = data.flags.map((f) => ({ t: f.detectedAt, severity: f.severity, label: f.reasons.map((r) => r.rule).join(', ') }));
  const provider = data.flags[0]?.accessProvider;
  const head = h(
    'div',
    { class: 'page-head' },
    h(
      'div',
      {},
      h('div', { class: 'profile-head' }, h('h1', { 'data-testid': 'profile-number' }, data.number), h('span', { class: 'chip' }, data.numberClass), provider ? h('span', { class: 'chip' }, provider) : null, enforcementBadge(data.enforcement)),
      h('div', { class: 'sub' }, data.total.lastSeen ? `active ${fmtTime(data.total.firstSeen)} – ${fmtTime(data.total.lastSeen)} · ${fmtInt(data.total.calls)} calls in all` : 'No call records for this number.'),
    ),
  );
  const historyCard = h('div', { class: 'card', 'data-testid': 'review-history' });
  const renderHistory = (reviews) =>
    historyCard.replaceChildren(
      h('h2', {}, 'Review history'),
      table(
        [['Decided'], ['Decision'], ['Reviewer'], ['Flag'], ['Note']],
        reviews.map((r) =>
          h('tr', {}, h('td', { class: 'nowrap' }, fmtTime(r.decidedAt)), h('td', {}, statusBadge(r.decision)), h('td', {}, r.reviewer), h('td', { class: 'mono small' }, r.flagId ?? '—'), h('td', {}, r.note ?? '')),
        ),
        'No decisions yet.',
      ),
    );
  renderHistory(data.reviews);
  const onReviewed = (out) => {
    data.reviews.unshift(out.review);
    renderHistory(data.reviews);
  };
  const flagsCard = h(
    'div',
    { class: 'card', 'data-testid': 'flags' },
    h('h2', {}, 'Flags', h('span', { class: 'muted' }, `${data.flags.length} · newest first`)),
    data.flags.length ? data.flags.map((f) => flagCard(f, { onReviewed })) : h('div', { class: 'empty' }, 'This number has never been flagged.'),
  );
  paint(
    token,
    head,
    h(
      'div',
      { class: 'kpis', 'data-testid': 'kpis' },
      kpi('Calls', fmtInt(s.calls), `${fmtInt(s.activeMinutes)} active minutes`),
      kpi('Answer rate', s.calls ? fmtPct(s.answerRate) : '—', `${fmtInt(s.answered)} answered`),
      kpi('Rejected', fmtInt(s.rejected), s.calls ? `${fmtPct(s.rejected / s.calls)} of calls` : null),
      kpi('Callees', fmtInt(s.calleeMinutes), 'distinct per minute, summed'),
      kpi('Complaints', fmtInt(s.complaints), null),
      kpi('Talk time', `${fmtInt(s.talkSeconds / 60)} min`, s.answered ? `${fmtInt(s.talkSeconds / s.answered)} s per answered call` : null),
    ),
    chartCard('Activity', data, markers, null),
    flagsCard,
    historyCard,
  );
}

// ---------------------------------------------------------------- flag evidence window

async function flagPage(flagId, token) {
  loading(token);
  const data = await api(`/api/flags/${encodeURIComponent(flagId)}`);
  const f = data.flag;
  const s = data.summary;
  paint(
    token,
    h(
      'div',
      { class: 'page-head' },
      h(
        'div',
        {},
        h('div', { class: 'profile-head' }, h('h1', {}, 'Evidence window'), severityBadge(f.severity)),
        h('div', { class: 'sub' }, numberLink(f.number), ` · ${fmtTime(data.window.fromMs)} – ${fmtTime(data.window.toMs)} (${fmtSpan(data.window.toMs - data.window.fromMs)})`),
      ),
    ),
    h(
      'div',
      { class: 'kpis' },
      kpi('Calls in window', fmtInt(s.calls)),
      kpi('Answer rate', s.calls ? fmtPct(s.answerRate) : '—'),
      kpi('Rejected', fmtInt(s.rejected)),
      kpi('Callees', fmtInt(s.calleeMinutes), 'distinct per minute, summed'),
      kpi('Complaints', fmtInt(s.complaints)),
      kpi('Evidence calls', fmtInt(f.evidence.calls ?? 0), 'as counted by the detector'),
    ),
    chartCard('Calls around the evidence window', data, [{ t: f.detectedAt, severity: f.severity, label: 'detected' }], data.window),
    h('div', { class: 'card' }, h('h2', {}, 'Flag'), flagCard(f, { withEvidenceLink: false })),
  );
}

// ---------------------------------------------------------------- router

const routes = [
  [/^#\/queue(?:\?(.*))?$/, (m, t) => queuePage(new URLSearchParams(m[1] ?? ''), t), 'queue'],
  [/^#\/offenders(?:\?(.*))?$/, (m, t) => offendersPage(new URLSearchParams(m[1] ?? ''), t), 'offenders'],
  [/^#\/providers(?:\?(.*))?$/, (m, t) => providersPage(new URLSearchParams(m[1] ?? ''), t), 'providers'],
  [/^#\/number\/(.+)$/, (m, t) => numberPage(decodeURIComponent(m[1]), t), null],
  [/^#\/flag\/(.+)$/, (m, t) => flagPage(decodeURIComponent(m[1]), t), null],
];

async function route() {
  const token = ++navigation;
  const hash = location.hash || '#/queue';
  for (const [re, page, nav] of routes) {
    const m = re.exec(hash);
    if (!m) continue;
    for (const a of document.querySelectorAll('[data-nav]')) a.classList.toggle('active', a.dataset.nav === nav);
    try {
      await page(m, token);
    } catch (err) {
      paint(token, notice('error', err.message));
    }
    return;
  }
  location.hash = '#/queue';
}

document.getElementById('search').addEventListener('submit', (event) => {
  event.preventDefault();
  const value = document.getElementById('search-input').value.trim();
  if (value) location.hash = `#/number/${encodeURIComponent(value)}`;
});
document.getElementById('logout').addEventListener('click', async () => {
  await fetch('/api/logout', { method: 'POST' }).catch(() => {});
  location.assign('/login');
});
api('/api/me').then((me) => (document.getElementById('user-name').textContent = me.user)).catch(() => {});
window.addEventListener('hashchange', route);
route();
