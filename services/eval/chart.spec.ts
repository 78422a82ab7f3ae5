import { describe, expect, it } from 'vitest';
import { timeToLabelSvg } from './chart.ts';
import type { PopulationMetrics } from './metrics.ts';

const pop = (population: string, nuisance: boolean, median: number | null): PopulationMetrics => ({
  population,
  nuisance,
  numbers: 10,
  labelled: median === null ? 0 : 9,
  blockRecommended: 0,
  flagged: 9,
  labelledShare: median === null ? 0 : 0.9,
  timeToLabel: median === null ? null : { n: 9, min: median / 4, p25: median / 2, median, p75: median * 2, p90: median * 3, max: median * 4 },
  medianWithMisses: median,
  rules: {},
});

describe('timeToLabelSvg', () => {
  it('draws one row per nuisance population, targeted ones first, and says which were never labelled', () => {
    const svg = timeToLabelSvg('t <x>', [pop('subscribers', false, null), pop('snowshoe', true, 180), pop('robocallers', true, 2), pop('harassers', true, null)], 30, ['robocallers']);
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    expect(svg).not.toContain('subscribers');
    expect(svg).toContain('t &lt;x&gt;');
    expect(svg.indexOf('robocallers *')).toBeLessThan(svg.indexOf('snowshoe'));
    expect(svg).toContain('median 2.0 min');
    expect(svg).toContain('median 3.0 h');
    expect(svg).toContain('never labelled (0/10 labelled)');
    // Balanced tags: every opened element is closed or self-closed.
    const opened = (svg.match(/<(?!\/)[a-z]+[^>]*[^/]>/g) ?? []).length;
    const closed = (svg.match(/<\/[a-z]+>/g) ?? []).length;
    expect(opened).toBe(closed);
  });
});

describe('timeToLabelSvg colours a targeted box by the target as evaluateTargets judges it', () => {
  const MET = 'fill="#9cc3e6"';
  const MISSED = 'fill="#f2b8a2"';

  it('misses when the labelled numbers were fast but half or more were never labelled', () => {
    // Labelled ones in 2 min, but the median counting the never labelled as never is never: the target is missed.
    const p = { ...pop('telemarketers', true, 2), labelled: 4, labelledShare: 0.4, medianWithMisses: Infinity };
    const svg = timeToLabelSvg('t', [p], 30, ['telemarketers']);
    expect(svg).toContain(MISSED);
    expect(svg).not.toContain(MET);
    expect(svg).toContain('counting the never labelled: never');
  });

  it('misses when the median counting the never labelled is above the target though the labelled median is below', () => {
    const svg = timeToLabelSvg('t', [{ ...pop('robocallers', true, 20), medianWithMisses: 45 }], 30, ['robocallers']);
    expect(svg).toContain(MISSED);
    expect(svg).toContain('counting the never labelled: 45.0 min');
  });

  it('meets when the median counting the never labelled is within the target', () => {
    const svg = timeToLabelSvg('t', [{ ...pop('ringOnce', true, 5), medianWithMisses: 6 }], 30, ['ringOnce']);
    expect(svg).toContain(MET);
    expect(svg).not.toContain(MISSED);
  });
});
