/** Small statistics for the soak: a least-squares line through (t, y) samples and whether its slope is within noise. */

/** A fitted line y = intercept + slope·t, with the slope's standard error and the residuals' spread. */
export interface LineFit {
  slope: number;
  intercept: number;
  /** Standard error of the slope (NaN with fewer than 3 points). */
  slopeSe: number;
  /** Standard deviation of the residuals around the line. */
  residualSd: number;
  n: number;
}

/** Ordinary least squares through the points. */
export function fitLine(t: readonly number[], y: readonly number[]): LineFit {
  const n = Math.min(t.length, y.length);
  if (n < 2) return { slope: NaN, intercept: NaN, slopeSe: NaN, residualSd: NaN, n };
  let mt = 0;
  let my = 0;
  for (let i = 0; i < n; i++) {
    mt += t[i];
    my += y[i];
  }
  mt /= n;
  my /= n;
  let stt = 0;
  let sty = 0;
  for (let i = 0; i < n; i++) {
    stt += (t[i] - mt) ** 2;
    sty += (t[i] - mt) * (y[i] - my);
  }
  const slope = stt === 0 ? NaN : sty / stt;
  const intercept = my - slope * mt;
  let sse = 0;
  for (let i = 0; i < n; i++) sse += (y[i] - intercept - slope * t[i]) ** 2;
  const residualSd = n > 2 ? Math.sqrt(sse / (n - 2)) : NaN;
  const slopeSe = n > 2 && stt > 0 ? residualSd / Math.sqrt(stt) : NaN;
  return { slope, intercept, slopeSe, residualSd, n };
}

/**
 * Flat = the slope is within noise: its 95 % interval (±2 standard errors)
 * contains zero, or the change it projects over the fitted span is smaller
 * than the residual spread of the samples themselves (GC sawtooth).
 */
export function isFlat(fit: LineFit, span: number): boolean {
  if (!Number.isFinite(fit.slope)) return false;
  if (Number.isFinite(fit.slopeSe) && Math.abs(fit.slope) <= 2 * fit.slopeSe) return true;
  return Number.isFinite(fit.residualSd) && Math.abs(fit.slope * span) <= fit.residualSd;
}
