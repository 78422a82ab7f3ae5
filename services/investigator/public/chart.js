// A small hand-written SVG activity chart: stacked bars per bucket
// (answered, rejected, other outcomes), flag markers, an optional shaded
// evidence window, axes with round ticks. Hover a bar for its numbers.
import { fmtInt, fmtShort, SEVERITY_TEXT } from './format.js';

const NS = 'http://www.w3.org/2000/svg';
const W = 960;
const H = 260;
const M = { top: 18, right: 16, bottom: 28, left: 48 };
const COLORS = { answered: '#2563eb', rejected: '#dc2626', other: '#94a3b8' };
const SEVERITY_COLORS = { WATCH: '#0369a1', LABEL: '#d97706', BLOCK_RECOMMENDED: '#b91c1c' };

function s(tag, attrs = {}, ...children) {
  const el = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  for (const c of children) el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return el;
}

/** 1, 2, 5 × 10^k at or above x. */
function niceCeil(x) {
  if (x <= 0) return 1;
  const p = 10 ** Math.floor(Math.log10(x));
  for (const m of [1, 2, 5, 10]) if (m * p >= x) return m * p;
  return 10 * p;
}

/** Time ticks on whole hours or days, about `count` of them. */
function timeTicks(from, to, count) {
  const steps = [3_600_000, 3 * 3_600_000, 6 * 3_600_000, 12 * 3_600_000, 86_400_000, 2 * 86_400_000, 7 * 86_400_000];
  const step = steps.find((st) => (to - from) / st <= count) ?? 30 * 86_400_000;
  const ticks = [];
  for (let t = Math.ceil(from / step) * step; t <= to; t += step) ticks.push(t);
  return ticks;
}

/**
 * Renders the chart.
 * @param {{ points: Array<{t:number, calls:number, answered:number, rejected:number, complaints:number}>,
 *           fromMs:number, toMs:number, bucketSeconds:number,
 *           markers?: Array<{t:number, severity:string, label:string}>, window?: {fromMs:number, toMs:number} }} o
 */
export function activityChart(o) {
  const bucketMs = o.bucketSeconds * 1000;
  const from = o.fromMs;
  const to = Math.max(o.toMs, from + bucketMs);
  const iw = W - M.left - M.right;
  const ih = H - M.top - M.bottom;
  const x = (t) => M.left + ((t - from) / (to - from)) * iw;
  const max = niceCeil(Math.max(1, ...o.points.map((p) => p.calls)));
  const y = (v) => M.top + ih - (v / max) * ih;
  const barW = Math.max(1, (bucketMs / (to - from)) * iw - (bucketMs / (to - from)) * iw * 0.18);

  const svg = s('svg', { viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': 'Calls per time bucket', 'data-testid': 'activity-chart' });
  const grid = s('g', { class: 'grid' });
  const yAxis = s('g', { class: 'axis' });
  for (const v of Number.isInteger(max / 2) ? [0, max / 2, max] : [0, max]) {
    grid.append(s('line', { x1: M.left, x2: W - M.right, y1: y(v), y2: y(v) }));
    yAxis.append(s('text', { x: M.left - 8, y: y(v) + 4, 'text-anchor': 'end' }, fmtInt(v)));
  }
  svg.append(grid, yAxis);

  if (o.window) {
    const wx = Math.max(M.left, x(o.window.fromMs));
    const ww = Math.max(2, Math.min(W - M.right, x(o.window.toMs)) - wx);
    svg.append(s('rect', { x: wx, y: M.top, width: ww, height: ih, fill: '#fde68a', opacity: 0.35 }, s('title', {}, 'Evidence window')));
  }

  const bars = s('g', { class: 'bars' });
  for (const p of o.points) {
    const bx = x(p.t) + 0.09 * (barW / 0.82);
    const other = Math.max(0, p.calls - p.answered - p.rejected);
    let base = 0;
    const g = s('g', { 'data-bucket': p.t });
    for (const [key, v] of [['answered', p.answered], ['rejected', p.rejected], ['other', other]]) {
      if (v <= 0) continue;
      g.append(s('rect', { x: bx, y: y(base + v), width: barW, height: Math.max(0.5, y(base) - y(base + v)), fill: COLORS[key] }));
      base += v;
    }
    g.append(
      s('title', {}, `${fmtShort(p.t)}\n${fmtInt(p.calls)} calls · ${fmtInt(p.answered)} answered · ${fmtInt(p.rejected)} rejected${p.complaints ? ` · ${p.complaints} complaints` : ''}`),
    );
    bars.append(g);
  }
  svg.append(bars);

  for (const m of o.markers ?? []) {
    if (m.t < from || m.t > to) continue;
    const mx = x(m.t);
    const color = SEVERITY_COLORS[m.severity] ?? '#475569';
    svg.append(
      s(
        'g',
        { class: 'marker', 'data-testid': 'flag-marker' },
        s('line', { x1: mx, x2: mx, y1: M.top, y2: M.top + ih, stroke: color, 'stroke-width': 1.5, 'stroke-dasharray': '4 3' }),
        s('path', { d: `M${mx - 6},${M.top - 10} L${mx + 6},${M.top - 10} L${mx},${M.top - 1} Z`, fill: color }),
        s('title', {}, `${SEVERITY_TEXT[m.severity] ?? m.severity} flag · ${fmtShort(m.t)}\n${m.label}`),
      ),
    );
  }

  const xAxis = s('g', { class: 'axis' });
  xAxis.append(s('line', { x1: M.left, x2: W - M.right, y1: M.top + ih, y2: M.top + ih }));
  for (const t of timeTicks(from, to, 8)) {
    xAxis.append(s('line', { x1: x(t), x2: x(t), y1: M.top + ih, y2: M.top + ih + 4 }));
    const anchor = x(t) < M.left + 40 ? 'start' : x(t) > W - M.right - 40 ? 'end' : 'middle';
    xAxis.append(s('text', { x: x(t), y: H - 8, 'text-anchor': anchor }, fmtShort(t)));
  }
  svg.append(xAxis);
  return svg;
}

/** The legend under the chart. */
export function chartLegend(doc = document) {
  const el = doc.createElement('div');
  el.className = 'legend';
  for (const [label, color] of [['Answered', COLORS.answered], ['Rejected', COLORS.rejected], ['Other outcomes', COLORS.other], ['Flag', '#b91c1c']]) {
    const item = doc.createElement('span');
    const swatch = doc.createElement('i');
    swatch.style.background = color;
    item.append(swatch, label);
    el.append(item);
  }
  return el;
}
