/**
 * A hand-written SVG box chart of time to label per nuisance population:
 * whiskers from the fastest to the 90th percentile, a box from the 25th to
 * the 75th, the median marked, on a log scale of minutes, with the 30-minute
 * target as a dashed line. A targeted population's box is blue when it meets
 * the target (its median with the never labelled counted as never, as the
 * report judges it), red otherwise. No dependencies.
 */
import type { PopulationMetrics } from './metrics.ts';

const W = 920;
const LEFT = 170;
const RIGHT = 250;
const ROW = 34;
const TOP = 56;
const TICKS = [1, 2, 5, 10, 30, 60, 120, 240, 480, 1440, 2880];

/**
 * Renders the chart for the nuisance populations of a report; the
 * populations the time target applies to come first, marked with *.
 */
export function timeToLabelSvg(title: string, pops: readonly PopulationMetrics[], targetMinutes = 30, targeted: readonly string[] = []): string {
  const rows = pops.filter((p) => p.nuisance).sort((a, b) => Number(targeted.includes(b.population)) - Number(targeted.includes(a.population)));
  const h = TOP + rows.length * ROW + 60;
  const maxMin = Math.max(60, ...rows.map((p) => p.timeToLabel?.p90 ?? 0), targetMinutes);
  const lo = Math.log10(0.5);
  const hi = Math.log10(Math.max(maxMin * 1.2, 60));
  const plotW = W - LEFT - RIGHT;
  const x = (m: number) => LEFT + ((Math.log10(Math.max(m, 0.5)) - lo) / (hi - lo)) * plotW;
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${h}" viewBox="0 0 ${W} ${h}" font-family="sans-serif" font-size="12">`);
  out.push(`<rect width="${W}" height="${h}" fill="#fff"/>`);
  out.push(`<text x="${LEFT}" y="22" font-size="15" font-weight="bold">${esc(title)}</text>`);
  out.push(`<text x="${LEFT}" y="40" fill="#555">minutes of event time from first call to first LABEL (log scale); box p25–p75, whiskers min–p90, | median</text>`);
  const axisY = TOP + rows.length * ROW + 6;
  for (const t of TICKS) {
    if (Math.log10(t) > hi) break;
    const tx = x(t).toFixed(1);
    out.push(`<line x1="${tx}" y1="${TOP - 6}" x2="${tx}" y2="${axisY}" stroke="#eee"/>`);
    out.push(`<text x="${tx}" y="${axisY + 16}" text-anchor="middle" fill="#333">${t < 60 ? t + 'm' : t / 60 + 'h'}</text>`);
  }
  const tx = x(targetMinutes).toFixed(1);
  out.push(`<line x1="${tx}" y1="${TOP - 6}" x2="${tx}" y2="${axisY + 20}" stroke="#c00" stroke-dasharray="5,4"/>`);
  out.push(`<text x="${tx}" y="${axisY + 34}" text-anchor="middle" fill="#c00">target: median ≤ ${targetMinutes} min for the populations marked *</text>`);
  rows.forEach((p, i) => {
    const cy = TOP + i * ROW + ROW / 2;
    const mark = targeted.includes(p.population) ? ' *' : '';
    out.push(`<text x="${LEFT - 10}" y="${cy + 4}" text-anchor="end">${esc(p.population)}${mark}</text>`);
    const s = p.timeToLabel;
    const labelled = `${p.labelled}/${p.numbers} labelled`;
    if (!s) {
      out.push(`<text x="${LEFT + 4}" y="${cy + 4}" fill="#c00">never labelled (${labelled})</text>`);
      return;
    }
    // The target is judged on the median with the never labelled counted as never (medianWithMisses), as evaluateTargets does.
    const fill = !mark ? '#d9d9d9' : p.medianWithMisses !== null && p.medianWithMisses <= targetMinutes ? '#9cc3e6' : '#f2b8a2';
    out.push(`<line x1="${x(s.min).toFixed(1)}" y1="${cy}" x2="${x(s.p90).toFixed(1)}" y2="${cy}" stroke="#333"/>`);
    for (const v of [s.min, s.p90]) out.push(`<line x1="${x(v).toFixed(1)}" y1="${cy - 6}" x2="${x(v).toFixed(1)}" y2="${cy + 6}" stroke="#333"/>`);
    const bx = x(s.p25);
    out.push(`<rect x="${bx.toFixed(1)}" y="${cy - 10}" width="${Math.max(1, x(s.p75) - bx).toFixed(1)}" height="20" fill="${fill}" stroke="#333"/>`);
    out.push(`<line x1="${x(s.median).toFixed(1)}" y1="${cy - 11}" x2="${x(s.median).toFixed(1)}" y2="${cy + 11}" stroke="#000" stroke-width="2.5"/>`);
    out.push(`<text x="${W - RIGHT + 12}" y="${cy + 4}">median ${fmtMin(s.median)}, ${labelled}</text>`);
    if (mark && p.medianWithMisses !== s.median) {
      const m = p.medianWithMisses === null || p.medianWithMisses === Infinity ? 'never' : fmtMin(p.medianWithMisses);
      out.push(`<text x="${W - RIGHT + 12}" y="${cy + 16}" font-size="10" fill="#555">counting the never labelled: ${m}</text>`);
    }
  });
  out.push('</svg>');
  return out.join('\n') + '\n';
}

/** Minutes as a short human figure. */
export function fmtMin(m: number): string {
  return m < 60 ? `${m.toFixed(1)} min` : `${(m / 60).toFixed(1)} h`;
}

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
