// The label-free early guard: inverse-propensity weighted score distribution functions of the two randomized arms,
// held to the request-by-request sums of test/fixtures/analysis/paired.json, valid under drifting inputs and weight
// changes (seeded Monte Carlo), and quick to catch constant or inverted scores.
import fixture from '../../fixtures/analysis/paired.json';
import { evaluateGuardrails, type GuardrailConfig } from '../../../src/analysis';
import {
  countScore,
  emptyScoreCounts,
  emptyScoreShift,
  foldScoreShift,
  judgeScoreShift,
  SCORE_SHIFT_THRESHOLDS,
  type ScoreShiftPeriod,
  type ScoreShiftStatistics,
} from '../../../src/analysis/score-shift';
import { gaussian, seeded } from '../../../bench/random';

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

describe('foldScoreShift', () => {
  it("equals the reference's sums of the weighted indicators, request by request, over three weight periods", () => {
    const ref = fixture.scoreShift;
    let stats = emptyScoreShift();
    for (const p of ref.periods) stats = foldScoreShift(stats, p as ScoreShiftPeriod);
    expect(stats.requests).toBe(ref.requests);
    SCORE_SHIFT_THRESHOLDS.forEach((_, j) => {
      expect(stats.sums[j]).toBeCloseTo(ref.sums[j], 9);
      expect(stats.squares[j]).toBeCloseTo(ref.squares[j], 7);
    });
    // The 100% period has no randomization between the variants: its requests are not folded.
    expect(ref.periods[2].candidateWeight).toBe(100);
    expect(stats.requests).toBe(ref.periods[0].scores.length + ref.periods[1].scores.length);
  });

  it('counts scores at or below each threshold of the grid', () => {
    const c = emptyScoreCounts();
    [0.01, 0.5, 0.999].forEach((s) => countScore(c, s));
    expect(c.predictions).toBe(3);
    expect(c.atOrBelow[SCORE_SHIFT_THRESHOLDS.indexOf(0.01)]).toBe(1);
    expect(c.atOrBelow[SCORE_SHIFT_THRESHOLDS.indexOf(0.5)]).toBe(2);
    expect(c.atOrBelow[SCORE_SHIFT_THRESHOLDS.indexOf(0.99)]).toBe(2);
  });
});

/**
 * A rollout's live traffic: per look `perLook` requests routed at the step's weight, inputs drifting over time, the
 * candidate's score = model(x); looks through steps of 50, 75 and 25%.
 */
function simulate(
  seed: number,
  candidate: (x: number, baseline: number) => number,
  looks: number,
  perLook: number,
  tolerance: number,
  alpha = 0.05,
): { failedAt: number; passedAt: number } {
  const random = seeded(seed);
  const z = gaussian(random);
  let stats: ScoreShiftStatistics = emptyScoreShift();
  let passedAt = -1;
  for (let look = 1; look <= looks; look++) {
    const weight = look <= looks / 3 ? 50 : look <= (2 * looks) / 3 ? 75 : 25;
    const period: ScoreShiftPeriod = {
      candidateWeight: weight,
      baseline: emptyScoreCounts(),
      candidate: emptyScoreCounts(),
    };
    const drift = Math.sin(look / 5); // the inputs of the moment change, for both arms alike
    for (let i = 0; i < perLook; i++) {
      const x = drift + z();
      const base = sigmoid(1.5 * x - 2); // a rarer positive class: most scores low, as churn's
      if (random() * 100 < weight) countScore(period.candidate, candidate(x, base));
      else countScore(period.baseline, base);
    }
    stats = foldScoreShift(stats, period);
    const verdict = judgeScoreShift(stats, alpha, tolerance).verdict;
    if (verdict === 'fail') return { failedAt: look * perLook, passedAt };
    if (verdict === 'pass' && passedAt < 0) passedAt = look * perLook;
  }
  return { failedAt: -1, passedAt };
}

describe('judgeScoreShift', () => {
  it('an equal model under drifting inputs and changing weights: ever "different" at most alpha (400 seeded rollouts)', () => {
    // Tolerance 0: any detectable difference fails, the strictest use of the bounds.
    let failed = 0;
    for (let seed = 0; seed < 400; seed++) {
      if (simulate(seed, (_x, base) => base, 30, 100, 0).failedAt >= 0) failed++;
    }
    expect(failed / 400).toBeLessThanOrEqual(0.05 + 3 * Math.sqrt((0.05 * 0.95) / 400));
  });

  it('constant and inverted scores fail within a few thousand predictions; a sharper, better model does not', () => {
    const constant = simulate(1, () => 0.5, 30, 100, 0.5);
    const inverted = simulate(2, (_x, base) => 1 - base, 30, 100, 0.5);
    expect(constant.failedAt).toBeGreaterThan(0);
    expect(constant.failedAt).toBeLessThanOrEqual(3000);
    expect(inverted.failedAt).toBeGreaterThan(0);
    expect(inverted.failedAt).toBeLessThanOrEqual(3000);
    // More confident scores (a sharper model moves its scores by about 0.2 on the grid): never fails, passes.
    const sharper = simulate(3, (x) => sigmoid(2.5 * x - 3), 30, 200, 0.5);
    expect(sharper.failedAt).toBe(-1);
    expect(sharper.passedAt).toBeGreaterThan(0);
  });

  it('waits for 100 captured predictions on each variant, and reports the largest difference with its interval', () => {
    expect(judgeScoreShift(null, 0.01, 0.5)).toMatchObject({ verdict: 'continue', difference: null });
    const period: ScoreShiftPeriod = {
      candidateWeight: 50,
      baseline: emptyScoreCounts(),
      candidate: emptyScoreCounts(),
    };
    for (let i = 0; i < 300; i++) {
      countScore(period.baseline, (i % 100) / 100);
      countScore(period.candidate, 0.995);
    }
    const r = judgeScoreShift(foldScoreShift(emptyScoreShift(), period), 0.01, 0.5);
    expect(r.verdict).toBe('fail');
    expect(r.difference!).toBeCloseTo(1, 12);
    expect(r.interval![0]).toBeGreaterThan(0.5);
    expect(r.reason).toMatch(/scoreShift: live scores at or below 0\.99: candidate 0\.0% vs baseline 100\.0%/);
  });

  it('takes its own share of alpha from the others when enabled', () => {
    const config: GuardrailConfig = {
      alpha: 0.05,
      errorRate5xx: { enabled: true, tolerance: 0.005 },
      errorRate4xx: { enabled: false, tolerance: 0.01 },
      latency: { enabled: false, tolerance: 0.2 },
      quality: { accuracy: { tolerance: 0.02 } },
      sampleRatio: { enabled: false },
      threshold: 0.5,
      scoreShift: { enabled: true, tolerance: 0.5 },
    };
    const v = (name: string) => ({ variantName: name, invocations: 0, errors4xx: 0, errors5xx: 0, labelled: null });
    const out = evaluateGuardrails({
      baseline: v('B'),
      candidate: v('C'),
      split: { candidateWeight: 50, baselineInvocations: 0, candidateInvocations: 0 },
      config,
    });
    const shares = out.results.map((r) => [r.guardrail, r.alpha]);
    expect(shares).toEqual([
      ['errorRate5xx', 0.05 / 3],
      ['accuracy', 0.05 / 3],
      ['scoreShift', 0.05 / 3],
    ]);
    expect(out.results.find((r) => r.guardrail === 'scoreShift')!.reason).toMatch(/only 0 captured/);
    const off = evaluateGuardrails({
      baseline: v('B'),
      candidate: v('C'),
      split: { candidateWeight: 50, baselineInvocations: 0, candidateInvocations: 0 },
      config: { ...config, scoreShift: { enabled: false, tolerance: 0.5 } },
    });
    expect(off.results.map((r) => r.alpha)).toEqual([0.025, 0.025]);
  });
});

describe('a threshold no score reaches', () => {
  it('still lets an equal model pass: a zero plug-in variance gets one pseudo request, not an infinite radius', () => {
    // Scores of N(0, 1) logits: none at or below 0.01 (Φ(−4.6) ≈ 2e-6) in 4,000 requests, on either variant.
    const random = seeded(7);
    const z = gaussian(random);
    const b = emptyScoreCounts();
    const c = emptyScoreCounts();
    for (let i = 0; i < 4_000; i++) countScore(random() < 0.5 ? c : b, sigmoid(z()));
    expect(b.atOrBelow[0] + c.atOrBelow[0]).toBe(0);
    const stats = foldScoreShift(emptyScoreShift(), { candidateWeight: 50, baseline: b, candidate: c });
    const r = judgeScoreShift(stats, 0.01, 0.5);
    expect(r.verdict).toBe('pass');
    expect(r.interval![1]).toBeLessThan(0.2);
  });
});
