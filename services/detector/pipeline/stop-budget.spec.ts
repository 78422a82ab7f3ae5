import { describe, expect, it } from 'vitest';
import { checkpointBudgetMs, leaveReserveMs } from './stop-budget.ts';

describe('stop budget', () => {
  it('keeps a quarter of the deadline for leaving the group, at most 5 s', () => {
    expect(leaveReserveMs(30_000)).toBe(5_000);
    expect(checkpointBudgetMs(30_000)).toBe(25_000);
    expect(leaveReserveMs(120_000)).toBe(5_000);
    expect(leaveReserveMs(2_000)).toBe(500);
    expect(checkpointBudgetMs(2_000)).toBe(1_500);
    expect(leaveReserveMs(1)).toBe(0);
  });
});
