// The pass bound at the spec's power (guardrails.power): a guardrail passes once its upper bound at level 1 − power is
// under the tolerance, so a candidate worse by exactly the tolerance passes with probability at most 1 − power, while
// the fail bound (false rollbacks) is untouched. Seeded Monte Carlo through evaluateGuardrails, as the workflow calls
// it: cumulative evidence, an evaluation every interval, the error-spending schedule.
import {
  emptyScoreShift,
  evaluateGuardrails,
  foldScoreShift,
  countScore,
  emptyScoreCounts,
  type GuardrailConfig,
  type SpendingLook,
} from '../../../src/analysis';
import { judgeScoreShift } from '../../../src/analysis/score-shift';
import { normalCdf } from '../../../src/analysis/normal';
import { GuardrailsSpec } from '../../../src/schema/guardrails';
import { toGuardrailConfig } from '../../../src/schema/guardrail-config';
import { gaussian, seeded } from '../../../bench/random';
import { Rng } from '../../../bench/guardrail/rng';

/** Only the 5XX guardrail (tolerance 0.5 pt) at the default alpha, with the spec's power (or none). */
function errorsOnly(power: number | undefined): GuardrailConfig {
  const config = toGuardrailConfig(
    GuardrailsSpec.parse({
      errorRate4xx: { enabled: false },
      latency: { enabled: false },
      quality: {},
      sampleRatio: { enabled: false },
      ...(power !== undefined ? { power } : {}),
    }),
  );
  if (power === undefined) delete config.power;
  return config;
}

const variant = (name: string, invocations: number, errors5xx: number) => ({
  variantName: name,
  invocations,
  errors4xx: 0,
  errors5xx,
  labelled: null,
});

/** Rollouts of `looks` evaluations of 1,000 requests a variant each; the first pass and the first fail of each. */
function simulate(config: GuardrailConfig, candidateRate: number, rollouts: number, looks: number, seed: number) {
  const out: { passAt: number | null; failAt: number | null }[] = [];
  for (let r = 0; r < rollouts; r++) {
    const rng = new Rng(seed + r);
    let nb = 0;
    let nc = 0;
    let eb = 0;
    let ec = 0;
    const history: SpendingLook[] = [];
    let passAt: number | null = null;
    let failAt: number | null = null;
    for (let k = 1; k <= looks && passAt === null && failAt === null; k++) {
      nb += 1000;
      nc += 1000;
      eb += rng.binomial(1000, 0.01);
      ec += rng.binomial(1000, candidateRate);
      const e = evaluateGuardrails({
        baseline: variant('B', nb, eb),
        candidate: variant('C', nc, ec),
        split: { candidateWeight: 50, baselineInvocations: nb, candidateInvocations: nc },
        config,
        schedule: { soakFraction: k / looks, looks: history },
      });
      if (e.spendingLook) history.push(e.spendingLook);
      if (e.verdict === 'pass') passAt = k;
      if (e.verdict === 'fail') failAt = k;
    }
    out.push({ passAt, failAt });
  }
  return out;
}

describe('the pass bound at the spec power', () => {
  it('passes a candidate worse by exactly the tolerance at most 1 − power of the time (400 rollouts, 40 looks)', () => {
    const runs = simulate(errorsOnly(0.8), 0.015, 400, 40, 1_000);
    const passed = runs.filter((r) => r.passAt !== null).length / runs.length;
    // 1 − power = 20%; three Monte Carlo standard errors (2%) above it would be a broken bound.
    expect(passed).toBeLessThan(0.2 + 3 * Math.sqrt((0.2 * 0.8) / 400));
    // Without a power the pass side holds at the alpha share (5%: one guardrail, no sample-ratio reserve): far rarer.
    const strict = simulate(errorsOnly(undefined), 0.015, 400, 40, 1_000);
    expect(strict.filter((r) => r.passAt !== null).length / strict.length).toBeLessThan(
      0.05 + 3 * Math.sqrt((0.05 * 0.95) / 400),
    );
  });

  it('passes an equal candidate sooner, and leaves false rollbacks where they were', () => {
    const withPower = simulate(errorsOnly(0.8), 0.01, 400, 40, 2_000);
    const without = simulate(errorsOnly(undefined), 0.01, 400, 40, 2_000);
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
    const passes = (runs: typeof withPower) => runs.map((r) => r.passAt ?? Infinity);
    expect(median(passes(withPower))).toBeLessThan(0.7 * median(passes(without)));
    // The same data: the fail side is the same test, so the same rollouts fail, at the same look (none passed before).
    const failedFirst = (runs: typeof withPower) => runs.filter((r) => r.failAt !== null).length;
    expect(failedFirst(withPower)).toBeLessThanOrEqual(failedFirst(without));
    // One guardrail without the sample-ratio reserve: its share is the whole alpha, 5%.
    expect(failedFirst(without) / without.length).toBeLessThan(0.05 + 3 * Math.sqrt((0.05 * 0.95) / 400));
  });

  it('shows the interval at its coverage: the lower bound at the share, the upper at 1 − power', () => {
    const e = evaluateGuardrails({
      baseline: variant('B', 20_000, 200),
      candidate: variant('C', 20_000, 200),
      split: { candidateWeight: 50, baselineInvocations: 20_000, candidateInvocations: 20_000 },
      config: errorsOnly(0.9),
    });
    const r = e.results.find((x) => x.guardrail === 'errorRate5xx')!;
    expect(r.verdict).toBe('pass');
    // One guardrail, no sample-ratio test: its share is alpha, 5%; with power 0.9 the interval covers 1 − 0.05 − 0.1.
    expect(r.reason).toMatch(/, 85% CS \[/);
    // The interval is asymmetric: the upper side (10%) is nearer the estimate than the lower (5%).
    expect(r.interval![1] - r.difference!).toBeLessThan(r.difference! - r.interval![0]);
  });
});

describe('the label-free guard at the spec power', () => {
  /** Live scores of two variants 50/50, the candidate's shifted by `shift` on the logit. */
  function shifted(shift: number, n: number, seed: number) {
    const random = seeded(seed);
    const z = gaussian(random);
    const b = emptyScoreCounts();
    const c = emptyScoreCounts();
    for (let i = 0; i < n; i++) {
      const candidate = random() < 0.5;
      const score = 1 / (1 + Math.exp(-(z() + (candidate ? shift : 0))));
      countScore(candidate ? c : b, score);
    }
    return foldScoreShift(emptyScoreShift(), { candidateWeight: 50, baseline: b, candidate: c });
  }

  it('passes a shift at the tolerance at most 1 − power of the time, one threshold being enough to be wrong', () => {
    // A logit shift of 1.05 moves the distribution function most at 0.5: Φ(0) − Φ(−1.05) ≈ 0.353; the tolerance is
    // set to that distance, so the candidate sits exactly at it.
    const tolerance = 0.5 - normalCdf(-1.05);
    let passed = 0;
    for (let r = 0; r < 400; r++) {
      if (judgeScoreShift(shifted(1.05, 2_000, 10_000 + r), 0.01, tolerance, 0.2).verdict === 'pass') passed++;
    }
    expect(passed / 400).toBeLessThan(0.2 + 3 * Math.sqrt((0.2 * 0.8) / 400));
  });

  it('passes an equal model sooner with the pass side at 1 − power than at the alpha share', () => {
    const stats = shifted(0, 4_000, 7);
    const atShare = judgeScoreShift(stats, 0.01, 0.5);
    const atPower = judgeScoreShift(stats, 0.01, 0.5, 0.2);
    expect(atPower.interval![1]).toBeLessThan(atShare.interval![1]);
    expect(atPower.interval![0]).toBe(atShare.interval![0]); // the fail side is the same
  });
});
