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
