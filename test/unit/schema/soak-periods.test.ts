import { latencyHorizon, soakPeriods } from '../../../src/schema/duration';
import type { StepSpec } from '../../../src/schema';

const step = (soak: string, maxSoak?: string): StepSpec => ({
  candidateWeight: 10,
  soak,
  ...(maxSoak ? { maxSoak } : {}),
  approval: 'none',
});

describe('soakPeriods (latency’s group-sequential horizon, designs 1 and 2)', () => {
  it('adds every step’s longest soak (maxSoak, else 3 × soak) in metric periods', () => {
    expect(soakPeriods({ steps: [step('10m')], evaluation: { metricPeriod: '60s' } })).toBe(30);
    expect(
      soakPeriods({ steps: [step('10m', '12m'), step('5m'), step('1m', '1m')], evaluation: { metricPeriod: '60s' } }),
    ).toBe(12 + 15 + 1);
    expect(soakPeriods({ steps: [step('4m', '24m')], evaluation: { metricPeriod: '1m' } })).toBe(24);
  });

  it('rounds up partial periods and follows the metric period', () => {
    expect(soakPeriods({ steps: [step('10s', '90s')], evaluation: { metricPeriod: '60s' } })).toBe(2);
    expect(soakPeriods({ steps: [step('10m', '30m')], evaluation: { metricPeriod: '5m' } })).toBe(6);
    expect(soakPeriods({ steps: [step('1m', '1m')], evaluation: { metricPeriod: '10s' } })).toBe(6);
  });
});

describe('latencyHorizon', () => {
  const steps = [step('10m', '12m'), step('5m'), step('90s', '2m')];
  const evaluation = { metricPeriod: '60s' };

  it('is soakPeriods for designs 1 and 2, whose running rollouts keep it', () => {
    expect(latencyHorizon({ steps, evaluation }, 1)).toBe(soakPeriods({ steps, evaluation }));
    expect(latencyHorizon({ steps, evaluation }, 2)).toBe(12 + 15 + 2);
  });

  it('adds every step’s soak (its minimum) in metric periods for design 3, rounding up', () => {
    expect(latencyHorizon({ steps, evaluation }, 3)).toBe(17);
    expect(latencyHorizon({ steps: [step('10m'), step('10m'), step('5m')], evaluation }, 3)).toBe(25);
    expect(latencyHorizon({ steps: [step('10m')], evaluation: { metricPeriod: '5m' } }, 3)).toBe(2);
  });
});
