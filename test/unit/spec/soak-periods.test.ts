import { soakPeriods } from '../../../src/spec/duration';
import type { StepSpec } from '../../../src/spec';

const step = (soak: string, maxSoak?: string): StepSpec => ({
  candidateWeight: 10,
  soak,
  ...(maxSoak ? { maxSoak } : {}),
  approval: 'none',
});

describe('soakPeriods (latency’s group-sequential horizon)', () => {
  it('adds every step’s longest soak (maxSoak, else 3 × soak) in metric periods', () => {
    expect(soakPeriods([step('10m')], '60s')).toBe(30);
    expect(soakPeriods([step('10m', '12m'), step('5m'), step('1m', '1m')], '60s')).toBe(12 + 15 + 1);
    expect(soakPeriods([step('4m', '24m')], '1m')).toBe(24);
  });

  it('rounds up partial periods and follows the metric period', () => {
    expect(soakPeriods([step('10s', '90s')], '60s')).toBe(2);
    expect(soakPeriods([step('10m', '30m')], '5m')).toBe(6);
    expect(soakPeriods([step('1m', '1m')], '10s')).toBe(6);
  });
});
