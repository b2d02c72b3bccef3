// What design 2 (issue 21) changes, each on its own: error spending alpha·√t instead of the Pocock type, and the
// label-free guard's indicators centred on the earlier periods. (The pass bound at the spec's power is in
// guardrails-power.test.ts, paired latency per minute in paired.test.ts, replay round trips per minute in
// latency.test.ts; design 1's verdicts in guardrails-design.test.ts.)
import { evaluateGuardrails, type GuardrailConfig, type GuardrailResult } from '../../../src/analysis';
import { alphaSpent } from '../../../src/analysis/error-spending';
import { SPENDING, SPENDING_V1 } from '../../../src/analysis/guardrail-design';
import {
  countScore,
  emptyScoreCounts,
  emptyScoreShift,
  foldScoreShift,
  SCORE_SHIFT_THRESHOLDS,
  type ScoreShiftStatistics,
} from '../../../src/analysis/score-shift';
import { GuardrailsSpec } from '../../../src/schema/guardrails';
import { toGuardrailConfig } from '../../../src/schema/guardrail-config';
import { gaussian, seeded } from '../../../bench/random';
import { guardrailInput, variant } from './evidence';

describe('error spending alpha·√t (design 2)', () => {
  it("spends 37% of the share by the end of the default spec's first step (10 of 75 minutes), the Pocock type 21%", () => {
    const t = 10 / 75;
    expect(alphaSpent(SPENDING, 1, t)).toBeCloseTo(Math.sqrt(t), 12);
    expect(alphaSpent(SPENDING, 1, t)).toBeCloseTo(0.365, 3);
    expect(alphaSpent(SPENDING_V1, 1, t)).toBeCloseTo(Math.log(1 + (Math.E - 1) * t), 12);
    expect(alphaSpent(SPENDING_V1, 1, t)).toBeCloseTo(0.206, 3);
    // Both have spent everything at the end of the planned soak.
    expect(alphaSpent(SPENDING, 1, 1)).toBe(1);
    expect(alphaSpent(SPENDING_V1, 1, 1)).toBe(1);
  });

  it('fails a 5XX regression at the first look on evidence where design 1 still waits', () => {
    const config = (design: 1 | 2): GuardrailConfig => ({
      ...toGuardrailConfig(
        GuardrailsSpec.parse({
          errorRate4xx: { enabled: false },
          latency: { enabled: false },
          quality: {},
          sampleRatio: { enabled: false },
        }),
      ),
      design,
    });
    const at = (design: 1 | 2, errors: number): GuardrailResult =>
      evaluateGuardrails(
        guardrailInput({
          baseline: variant('B', { invocations: 3_000, errors5xx: 30 }),
          candidate: variant('C', { invocations: 3_000, errors5xx: errors }),
          split: { candidateWeight: 50, baselineInvocations: 3_000, candidateInvocations: 3_000 },
          config: config(design),
          schedule: { soakFraction: 0.1, looks: [] },
        }),
      ).results.find((r) => r.guardrail === 'errorRate5xx')!;
    // The smallest count of candidate errors that fails at this first look, per design.
    const firstFail = (design: 1 | 2) => {
      for (let e = 30; e < 200; e++) if (at(design, e).verdict === 'fail') return e;
      return Infinity;
    };
    expect(firstFail(2)).toBeLessThan(firstFail(1));
  });
});

describe("the label-free guard's centred indicators (design 2)", () => {
  /** One period: n requests at the candidate's weight w, the candidate's scores shifted by `shift` on the logit. */
  function period(seed: number, n: number, weight: number, shift: number) {
    const random = seeded(seed);
    const z = gaussian(random);
    const baseline = emptyScoreCounts();
    const candidate = emptyScoreCounts();
    for (let i = 0; i < n; i++) {
      const toCandidate = random() < weight / 100;
      const logit = 2 * z() + (toCandidate ? shift : 0);
      countScore(toCandidate ? candidate : baseline, 1 / (1 + Math.exp(-logit)));
    }
    return { candidateWeight: weight, baseline, candidate };
  }
  const estimate = (s: ScoreShiftStatistics, j: number) => s.sums[j] / s.requests;
  const spread = (s: ScoreShiftStatistics, j: number) => s.squares[j] / s.requests - estimate(s, j) ** 2;

  it('estimates the same difference of distribution functions, with a far smaller spread where F is near 0 or 1', () => {
    const j = SCORE_SHIFT_THRESHOLDS.indexOf(0.99);
    const estimates: { centred: number[]; plain: number[] } = { centred: [], plain: [] };
    let centred = emptyScoreShift();
    let plain = emptyScoreShift();
    for (let r = 0; r < 100; r++) {
      centred = emptyScoreShift();
      plain = emptyScoreShift();
      // Weights 25% and 75% in turn: the centre does not cancel from the sums as it does at 50/50. The first period has
      // nothing earlier to centre on (m = 0), so it is short, as a step's first minute of captures is.
      for (const [k, w] of [25, 75, 25, 75, 25, 75].entries()) {
        const p = period(1_000 * r + k, k === 0 ? 100 : 2_000, w, 0);
        centred = foldScoreShift(centred, p, 2);
        plain = foldScoreShift(plain, p, 1);
      }
      estimates.centred.push(estimate(centred, j));
      estimates.plain.push(estimate(plain, j));
    }
    const sd = (xs: number[]) => {
      const m = xs.reduce((a, b) => a + b, 0) / xs.length;
      return { m, sd: Math.sqrt(xs.reduce((a, x) => a + (x - m) ** 2, 0) / (xs.length - 1)) };
    };
    const c = sd(estimates.centred);
    const p = sd(estimates.plain);
    // Both centred on the true difference, 0 (the mean of 100 within 4 standard errors).
    expect(Math.abs(c.m)).toBeLessThan((4 * c.sd) / Math.sqrt(100));
    expect(Math.abs(p.m)).toBeLessThan((4 * p.sd) / Math.sqrt(100));
    // The estimate varies several times less centred, and the plug-in spread the bound uses says so too.
    expect(c.sd).toBeLessThan(p.sd / 3);
    expect(spread(centred, j)).toBeLessThan(spread(plain, j) / 5);
  });

  it('keeps an estimate of a real shift', () => {
    const j = SCORE_SHIFT_THRESHOLDS.indexOf(0.5);
    let centred = emptyScoreShift();
    for (const [k, w] of [25, 75, 25, 75].entries()) centred = foldScoreShift(centred, period(7 + k, 20_000, w, -1), 2);
    // A logit shift of −1 under a logistic of scale 2: F_c(0.5) − F_b(0.5) = Φ(0.5) − 0.5 ≈ 0.19.
    expect(estimate(centred, j)).toBeCloseTo(0.19, 1);
  });
});
