// The capacity arithmetic the CLI prints and the workflow follows: instances per share of traffic, the peak while an
// endpoint update holds two fleets (2N+M at deploy, N+2M at promotion), instance-hours against a fixed double fleet.
import {
  capacityPlan,
  describeCapacityPlan,
  summarizeCapacityPlan,
  instancesAt,
  instancesForShare,
  type CapacityPlanInput,
} from '../../../src/schema/capacity';

describe('instancesForShare', () => {
  test.each([
    [4, 50, 2],
    [4, 75, 3],
    [4, 25, 1],
    [4, 100, 4],
    [5, 50, 3], // rounded up: never fewer instances than the share needs
    [3, 100 / 3, 1], // not 2 for a floating-point hair above 1
    [10, 10, 1],
    [10, 11, 2],
  ])('%i instances at %d%% → %i', (full, weight, expected) => {
    expect(instancesForShare(full, weight)).toBe(expected);
  });

  test('never below one: a variant at weight 0 still exists and may be rolled back to', () => {
    expect(instancesForShare(8, 0)).toBe(1);
    expect(instancesForShare(1, 1)).toBe(1);
  });

  test('at full size without followWeights, whatever the weight', () => {
    expect(instancesAt({ baseline: 6, candidate: 4 }, 25, false)).toEqual({ baseline: 6, candidate: 4 });
    expect(instancesAt({ baseline: 6, candidate: 4 }, 25, true)).toEqual({ baseline: 5, candidate: 1 });
  });
});

describe('capacityPlan', () => {
  const steps = [
    { candidateWeight: 50, soak: '1h' },
    { candidateWeight: 75, soak: '1h' },
    { candidateWeight: 100, soak: '30m' },
  ];
  const input = (over: Partial<CapacityPlanInput> = {}): CapacityPlanInput => ({
    baselineInstances: 4,
    candidateInstances: 4,
    followWeights: true,
    steps,
    updateMinutes: 6,
    ...over,
  });

  test('a fixed double fleet: 2N+M at deploy, N+M while soaking, N+2M at promotion', () => {
    const plan = capacityPlan(input({ followWeights: false, baselineInstances: 4, candidateInstances: 2 }));
    expect(plan.phases.map((p) => [p.what, p.instances])).toEqual([
      ['deploy (A/B update)', 10],
      ['step 1 (50% candidate)', 6],
      ['step 2 (75% candidate)', 6],
      ['step 3 (100% candidate)', 6],
      ['promotion (candidate alone)', 8],
    ]);
    expect(plan.peak).toEqual({ instances: 10, during: 'deploy (A/B update)' });
    expect(plan.rollbackPeak).toBe(10);
    // 10 × 0.1 h + 6 × 2.5 h + 8 × 0.1 h
    expect(plan.instanceHours).toBeCloseTo(1 + 15 + 0.8, 9);
    expect(plan.fixedDouble).toEqual({ peak: 10, instanceHours: plan.instanceHours });
  });

  test('capacity following the weights: added before each shift, the baseline down to one at 100%', () => {
    const plan = capacityPlan(input());
    expect(plan.phases.map((p) => [p.what, p.baseline, p.candidate, p.instances])).toEqual([
      ['deploy (A/B update)', 4, 1, 9], // old fleet 4 + new fleet 4 + 1
      ['step 1 (50% candidate): adding capacity', 4, 2, 6],
      ['step 1 (50% candidate)', 2, 2, 4],
      ['step 2 (75% candidate): adding capacity', 2, 3, 5],
      ['step 2 (75% candidate)', 1, 3, 4],
      ['step 3 (100% candidate): adding capacity', 1, 4, 5],
      ['step 3 (100% candidate)', 1, 4, 5],
      ['promotion (candidate alone)', 1, 4, 9], // 1 + 2 × 4
    ]);
    expect(plan.peak).toEqual({ instances: 9, during: 'deploy (A/B update)' });
    expect(plan.rollbackPeak).toBe(9); // 2N + 1
    const soaking = 4 * 1 + 4 * 1 + 5 * 0.5;
    const updates = (9 + 6 + 5 + 5 + 9) * 0.1;
    expect(plan.instanceHours).toBeCloseTo(soaking + updates, 9);
    // The fixed double fleet: 12 at deploy, 8 for 2.5 h, 12 at promotion.
    expect(plan.fixedDouble.peak).toBe(12);
    expect(plan.fixedDouble.instanceHours).toBeCloseTo(12 * 0.1 + 8 * 2.5 + 12 * 0.1, 9);
    expect(plan.instanceHours).toBeLessThan(plan.fixedDouble.instanceHours);
  });

  test('a last step short of 100% shifts to 100% at promotion before the final update', () => {
    const plan = capacityPlan(input({ steps: [{ candidateWeight: 50, soak: '1h' }] }));
    expect(plan.phases.map((p) => [p.what, p.instances]).slice(-2)).toEqual([
      ['promotion: 100% candidate: adding capacity', 6],
      ['promotion (candidate alone)', 9],
    ]);
  });

  test('a bake holds the baseline at its warm count beside the candidate for the bake, grown or shrunk in place', () => {
    const warmOne = capacityPlan(input({ bake: { duration: '2h', warmInstances: 1 } }));
    expect(warmOne.phases.map((p) => [p.what, p.baseline, p.candidate, p.instances]).slice(-3)).toEqual([
      ['step 3 (100% candidate)', 1, 4, 5],
      ['bake (baseline warm on 1)', 1, 4, 5],
      ['promotion (candidate alone)', 1, 4, 9],
    ]);
    expect(warmOne.instanceHours - capacityPlan(input()).instanceHours).toBeCloseTo(5 * 2, 9);
    // "all" (the full 4) grows the one-instance baseline back first; without followWeights it shrinks 4 to 2.
    const warmAll = capacityPlan(input({ bake: { duration: '2h', warmInstances: 4 } }));
    expect(warmAll.phases.map((p) => [p.what, p.baseline, p.candidate, p.instances]).slice(-3)).toEqual([
      ['bake: warming the baseline', 4, 4, 8],
      ['bake (baseline warm on 4)', 4, 4, 8],
      ['promotion (candidate alone)', 4, 4, 12],
    ]);
    expect(warmAll.peak).toEqual({ instances: 12, during: 'promotion (candidate alone)' });
    // A rollback during the bake restores the config beside the warm baseline and the candidate: 2W + M.
    expect([warmOne.rollbackPeak, warmAll.rollbackPeak]).toEqual([9, 12]);
    const fixed = capacityPlan(input({ followWeights: false, bake: { duration: '2h', warmInstances: 2 } }));
    expect(fixed.phases.map((p) => [p.what, p.baseline, p.candidate, p.instances]).slice(-2)).toEqual([
      ['bake (baseline warm on 2)', 2, 4, 6],
      ['promotion (candidate alone)', 2, 4, 10],
    ]);
  });

  test('a one-instance baseline costs the same either way', () => {
    const plan = capacityPlan(input({ baselineInstances: 1, candidateInstances: 1 }));
    expect(plan.peak.instances).toBe(3);
    expect(plan.instanceHours).toBeCloseTo(plan.fixedDouble.instanceHours, 9);
  });

  test('described in lines a person reads', () => {
    const lines = describeCapacityPlan(input());
    expect(lines[0]).toBe('capacity (baseline 4, candidate 4 instance(s); capacity follows the weights):');
    expect(lines).toContain('  deploy (A/B update): 9 instance(s) (old and new fleets)');
    expect(lines).toContain('  step 1 (50% candidate): 4 instance(s) (baseline 2, candidate 2)');
    expect(lines).toContain("  peak: 9 instances during deploy (A/B update); a rollback's restore needs up to 9");
    expect(lines.at(-1)).toBe(
      '  about 14 instance-hours (soaks at their minimum, 6 min per update), against 22 for a fixed double fleet (peak 12)',
    );
    expect(summarizeCapacityPlan(input())).toBe(
      "peak 9 instances during deploy (A/B update), a rollback's restore up to 9; about 14 instance-hours (soaks at " +
        'their minimum, 6 min per update) against 22 for a fixed double fleet (peak 12)',
    );
  });
});
