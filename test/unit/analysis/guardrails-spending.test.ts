// The rate and quality guardrails within the planned soak: the error-spending test (error-spending.ts) joins the
// normal mixture when the evaluation says where it falls in the soak and which looks came before. The caller keeps
// the looks evaluateGuardrails returns (spendingLook), a bounded list: at most MAX_SPENDING_LOOKS, thinned by soak time.
// The soak clock's mechanics are tested on design 2 (soak time alone); design 3 runs each guardrail's clock on the
// larger of the soak and its information fraction (the last describe).
import {
  evaluateGuardrails,
  MAX_SPENDING_LOOKS,
  type GuardrailConfig,
  type GuardrailDesign,
  type GuardrailResult,
  type SpendingLook,
} from '../../../src/analysis';
import { alphaShares, compareGuardrails } from '../../../src/analysis/guardrails';
import { ERROR_SPENDING_SHARE, PASS_TARGET_FACTOR, SPENDING } from '../../../src/analysis/guardrail-design';
import { informationClock } from '../../../src/analysis/spending-looks';
import { normalQuantile } from '../../../src/analysis/normal';
import { alphaSpent, CACHE_ENTRIES } from '../../../src/analysis/error-spending';
import { mixingScaleFor, oneSidedRadius } from '../../../src/analysis/sequential';
import { GuardrailsSpec } from '../../../src/schema/guardrails';
import { toGuardrailConfig } from '../../../src/schema/guardrail-config';
import { totalMaxSoakMs } from '../../../src/schema/duration';
import { DEFAULT_STEPS } from '../../../src/schema/spec';
import { guardrailInput, labelledRows, latencyPeriods, variant, type RawVariant } from './evidence';
import { binomial, gaussian, seeded } from '../../../bench/random';

const defaults = toGuardrailConfig(GuardrailsSpec.parse({}), 0.5, 24, undefined, 2);

/**
 * Only the 5XX guardrail at rollout alpha `alpha`, tolerance 0 unless given (0: any lower bound above 0 fails), judged
 * by `design` (2: the soak clock alone).
 */
function errorsOnly(alpha: number, design: GuardrailDesign = 2, tolerance = 0): GuardrailConfig {
  return toGuardrailConfig(
    GuardrailsSpec.parse({
      alpha,
      errorRate5xx: { tolerance },
      errorRate4xx: { enabled: false },
      latency: { enabled: false },
      quality: {},
      sampleRatio: { enabled: false },
    }),
    0.5,
    undefined,
    undefined,
    design,
  );
}

function healthy(name: string, n: number, errors5xx: number, seed: number): RawVariant {
  return variant(name, {
    invocations: n,
    errors5xx,
    errors4xx: Math.round(n * 0.002),
    latency: latencyPeriods(Math.max(1, Math.round(n / 300)), 20_000, { seed }),
    labelled: labelledRows(Math.min(n, 2_000), { seed: seed + 100 }),
  });
}

const split = (b: RawVariant, c: RawVariant) => ({
  candidateWeight: 50,
  baselineInvocations: b.invocations,
  candidateInvocations: c.invocations,
});
const resultOf = (results: readonly GuardrailResult[], name: string) => results.find((r) => r.guardrail === name)!;

/** Evaluates with a soak schedule and appends the look it returns, as the workflow does. */
function evaluateAt(
  b: RawVariant,
  c: RawVariant,
  config: GuardrailConfig,
  soakFraction: number,
  looks: SpendingLook[],
) {
  const e = evaluateGuardrails(
    guardrailInput({ baseline: b, candidate: c, split: split(b, c), config, schedule: { soakFraction, looks } }),
  );
  if (e.spendingLook) looks.push(e.spendingLook);
  return e;
}

describe('error spending within the planned soak (rates and quality)', () => {
  it("records each look's information per judged guardrail; latency and unjudged guardrails have none", () => {
    const looks: SpendingLook[] = [];
    // A first look where 5XX had too few invocations to judge: its result has no difference, and no information.
    const thin = evaluateAt(healthy('B', 50, 0, 3), healthy('C', 50, 0, 4), defaults, 0.1, looks);
    expect(resultOf(thin.results, 'errorRate5xx').difference).toBeNull();
    expect(thin.spendingLook).toEqual({ soakFraction: 0.1, information: {} });
    const first = evaluateAt(healthy('B', 3_000, 30, 1), healthy('C', 3_000, 31, 2), defaults, 0.2, looks);
    expect(first.spendingLook!.information.errorRate5xx).toBe(1_500);
    expect(first.spendingLook!.information.latency).toBeUndefined();
    expect(looks).toHaveLength(2);
    const b = healthy('B', 6_000, 60, 5);
    const c = healthy('C', 6_000, 61, 6);
    const { comparisons, spendingLook } = compareGuardrails(
      guardrailInput({
        baseline: b,
        candidate: c,
        split: split(b, c),
        config: defaults,
        schedule: { soakFraction: 0.3, looks },
      }),
    );
    const byName = new Map(comparisons.map((x) => [x.comparison.guardrail, x.comparison]));
    expect(byName.get('errorRate5xx')!.spending).toEqual({
      looks: [
        { fraction: 0.2, information: 1_500 },
        { fraction: 0.3, information: 3_000 },
      ],
      atLook: true,
    });
    // 50 labelled rows were too few for accuracy too.
    expect(byName.get('accuracy')!.spending!.looks.map((l) => l.fraction)).toEqual([0.2, 0.3]);
    expect(byName.get('latency')!.spending).toBeUndefined();
    expect(spendingLook!.information).toEqual({
      errorRate5xx: 3_000,
      errorRate4xx: 3_000,
      accuracy: 1_000,
      rocAuc: 1_000,
    });
  });

  it('is tighter than the mixture alone mid-soak, and after the planned soak leaves the mixture its 5%', () => {
    const config = errorsOnly(0.05);
    const b = healthy('B', 4_000, 40, 1);
    const c = healthy('C', 4_000, 60, 2);
    const input = guardrailInput({ baseline: b, candidate: c, split: split(b, c), config });
    const alone = resultOf(evaluateGuardrails(input).results, 'errorRate5xx');
    const looksAt = (fractions: number[]) => {
      const looks: SpendingLook[] = [];
      fractions.forEach((soakFraction, k) => {
        const n = 800 * (k + 1);
        evaluateAt(
          healthy('B', n, n / 100, 10 + k),
          healthy('C', n, (1.5 * n) / 100, 20 + k),
          config,
          soakFraction,
          looks,
        );
      });
      return looks;
    };
    const mid = resultOf(
      evaluateGuardrails({ ...input, schedule: { soakFraction: 0.4, looks: looksAt([0.1, 0.2, 0.3]) } }).results,
      'errorRate5xx',
    );
    // The planned soak ended at a look (fraction 1) that spent the rest of the alpha.
    const afterLooks = looksAt([0.25, 0.5, 0.75, 1]);
    const after = evaluateGuardrails({ ...input, schedule: { soakFraction: 1.2, looks: afterLooks } });
    const width = (r: GuardrailResult) => r.interval![1] - r.interval![0];
    expect(mid.difference).toBeCloseTo(alone.difference!, 15);
    expect(width(mid)).toBeLessThan(width(alone));
    // Past the planned soak the spending test has nothing left: only the mixture at (1 − share) of alpha remains, and
    // no more looks are taken.
    expect(width(resultOf(after.results, 'errorRate5xx'))).toBeGreaterThan(width(alone));
    expect(after.spendingLook).toBeNull();
    expect(ERROR_SPENDING_SHARE).toBeGreaterThan(0.5);
  });

  it('keeps equal variants under alpha over 40 looks (seeded Monte Carlo), using most of it', () => {
    // 1,000 rollouts, 40 evaluations of 1,000 requests per variant at a 5% error rate, tolerance 0, alpha 0.2 so that
    // the rate is measured precisely: a false rollback is any evaluation whose lower bound exceeds 0.
    const alpha = 0.2;
    const rate = falseRollbackRate(alpha, 1_000, 40, 2026);
    const se = Math.sqrt((alpha * (1 - alpha)) / 1_000);
    expect(rate).toBeLessThanOrEqual(alpha + 3 * se);
    // The mixture alone at this alpha stays far below it (it holds for every look, forever); the spending test uses
    // its share over the planned soak.
    expect(rate).toBeGreaterThan(0.6 * ERROR_SPENDING_SHARE * alpha);
  });
});

/**
 * Seeded A/A rollouts evaluated `evaluations` times, equally spaced, over the planned soak (the first `upTo` of them),
 * 1,000 requests per variant each at a 5% error rate, judged by 5XX alone at tolerance 0: the share of rollouts that
 * ever fail.
 */
function falseRollbackRate(
  alpha: number,
  paths: number,
  evaluations: number,
  seed: number,
  upTo = evaluations,
  config = errorsOnly(alpha),
): number {
  const z = gaussian(seeded(seed));
  let falseRollbacks = 0;
  for (let path = 0; path < paths; path++) {
    let n = 0;
    let xB = 0;
    let xC = 0;
    const looks: SpendingLook[] = [];
    for (let k = 1; k <= upTo; k++) {
      n += 1_000;
      const sd = Math.sqrt(1_000 * 0.05 * 0.95);
      xB += Math.max(0, Math.round(50 + sd * z()));
      xC += Math.max(0, Math.round(50 + sd * z()));
      const e = evaluateAt(
        variant('B', { invocations: n, errors5xx: xB }),
        variant('C', { invocations: n, errors5xx: xC }),
        config,
        k / evaluations,
        looks,
      );
      // The lower bound above 0 (with tolerance 0 that is the verdict; a tolerance also asks for half of it).
      if ((resultOf(e.results, 'errorRate5xx').interval?.[0] ?? -Infinity) > 0) {
        falseRollbacks++;
        break;
      }
    }
  }
  return falseRollbacks / paths;
}

describe('the look cap (MAX_SPENDING_LOOKS)', () => {
  it("keeps every evaluation of the default spec a look (150 at 30 s over 75 minutes' maxSoak)", () => {
    const total = totalMaxSoakMs(GuardrailsSpec.parse({}) && DEFAULT_STEPS.map((s) => ({ ...s, maxSoak: undefined })));
    const evaluations = total / 30_000;
    expect(evaluations).toBe(150);
    const looks: SpendingLook[] = [];
    const config = errorsOnly(0.05);
    for (let k = 1; k <= evaluations; k++) {
      const b = variant('B', { invocations: 300 * k, errors5xx: 3 * k });
      evaluateAt(b, variant('C', { invocations: 300 * k, errors5xx: 3 * k }), config, (k * 30_000) / total, looks);
    }
    expect(looks).toHaveLength(150);
  });

  it('holds the look history under the cap over a 7-day soak evaluated every 30 s (20,160 evaluations)', () => {
    const evaluations = 20_160;
    const looks: SpendingLook[] = [];
    const config = errorsOnly(0.05);
    let lookEvaluations = 0;
    for (let k = 1; k <= evaluations; k++) {
      const b = variant('B', { invocations: 50 * k, errors5xx: Math.round(0.5 * k) });
      const c = variant('C', { invocations: 50 * k, errors5xx: Math.round(0.5 * k) });
      if (evaluateAt(b, c, config, k / evaluations, looks).spendingLook) lookEvaluations++;
    }
    expect(looks.length).toBe(lookEvaluations);
    expect(looks.length).toBeLessThanOrEqual(MAX_SPENDING_LOOKS);
    expect(looks.length).toBeGreaterThanOrEqual(MAX_SPENDING_LOOKS - 1);
    for (let i = 1; i < looks.length; i++) {
      expect(looks[i].soakFraction - looks[i - 1].soakFraction).toBeGreaterThanOrEqual(1 / MAX_SPENDING_LOOKS - 1e-9);
    }
    expect(JSON.stringify(looks).length).toBeLessThan(15_000);
  });

  it('between looks applies no spending boundary: the mixture judges alone at its part of the share', () => {
    const config = errorsOnly(0.05);
    const looks: SpendingLook[] = [];
    evaluateAt(healthy('B', 4_000, 40, 1), healthy('C', 4_000, 50, 2), config, 0.3, looks);
    const b = healthy('B', 4_100, 41, 3);
    const c = healthy('C', 4_100, 52, 4);
    // Less than 1/MAX_SPENDING_LOOKS of soak after the last look: no look.
    const between = evaluateAt(b, c, config, 0.3 + 0.5 / MAX_SPENDING_LOOKS, looks);
    expect(between.spendingLook).toBeNull();
    expect(looks).toHaveLength(1);
    const r = resultOf(between.results, 'errorRate5xx');
    const alpha = r.alpha;
    const mixtureAlpha = alpha - ERROR_SPENDING_SHARE * alpha;
    const cmp = compareGuardrails(guardrailInput({ baseline: b, candidate: c, split: split(b, c), config }))
      .comparisons[0].comparison;
    const radius = oneSidedRadius(cmp.variance, mixingScaleFor(1.5 * 0.001, mixtureAlpha), mixtureAlpha);
    expect(r.interval![0]).toBeCloseTo(cmp.estimate - radius, 14);
    // The pass bound is the mixture alone at 1 − power, at looks and between them.
    const pass = 1 - config.power!;
    const passRadius = oneSidedRadius(cmp.variance, mixingScaleFor(PASS_TARGET_FACTOR * 0.001, pass), pass);
    expect(r.interval![1]).toBeCloseTo(cmp.estimate + passRadius, 14);
    // The next evaluation past the spacing is a look again, and its lower bound gets the boundary.
    const at = evaluateAt(b, c, config, 0.3 + 1 / MAX_SPENDING_LOOKS, looks);
    expect(at.spendingLook).not.toBeNull();
    expect(resultOf(at.results, 'errorRate5xx').interval![0]).toBeGreaterThan(r.interval![0]);
    expect(resultOf(at.results, 'errorRate5xx').interval![1]).toBeCloseTo(r.interval![1], 14);
  });

  it('keeps equal variants under what the looks may spend when evaluations come faster than the cap allows looks', () => {
    // Evaluations 1/600 of the soak apart, so only every third one is a look (1/200 apart); the first fifth of the
    // soak: 120 evaluations, 40 looks. By then the spending test may have spent f(0.2) of its share, and the mixture
    // at most its own part: a false-rollback rate above that sum would mean the evaluations between looks spend alpha
    // the test never paid for (a boundary applied there).
    const alpha = 0.2;
    const paths = 400;
    const rate = falseRollbackRate(alpha, paths, 600, 2027, 120);
    const allowed = alphaSpent(SPENDING, ERROR_SPENDING_SHARE * alpha, 0.2) + (1 - ERROR_SPENDING_SHARE) * alpha;
    const se = Math.sqrt((allowed * (1 - allowed)) / paths);
    expect(rate).toBeLessThanOrEqual(allowed + 3 * se);
    expect(rate).toBeGreaterThan(0.4 * allowed);
  });
});

describe("design 3: each guardrail's spending clock on its information as well as the soak", () => {
  const share = (config: GuardrailConfig) => alphaShares(config).perGuardrail;
  /** The information at which a fixed-horizon test at the spending part of the share detects `tolerance` at power 0.8. */
  const maxInformation = (config: GuardrailConfig, tolerance: number) =>
    ((normalQuantile(1 - ERROR_SPENDING_SHARE * share(config)) + normalQuantile(0.8)) / tolerance) ** 2;
  const comparisonOf = (b: RawVariant, c: RawVariant, config: GuardrailConfig) =>
    compareGuardrails(guardrailInput({ baseline: b, candidate: c, split: split(b, c), config })).comparisons[0]
      .comparison;

  it('reaches the end of the clock at the information the fixed horizon plans, and records the clock only when it runs ahead of the soak', () => {
    const config = errorsOnly(0.05, 3, 0.005);
    const clock = informationClock(share(config), 0.8);
    const b = variant('B', { invocations: 2_000, errors5xx: 20 });
    const c = variant('C', { invocations: 2_000, errors5xx: 22 });
    const cmp = comparisonOf(b, c, config);
    expect(clock({ ...cmp, variance: 1 / maxInformation(config, 0.005) })).toBeCloseTo(1, 12);
    expect(clock(cmp)).toBeCloseTo(1 / (cmp.variance * maxInformation(config, 0.005)), 12);
    const looks: SpendingLook[] = [];
    // Early in a long soak the information is already ahead: the look records its clock.
    const early = evaluateAt(b, c, config, 0.01, looks).spendingLook!;
    expect(clock(cmp)).toBeGreaterThan(0.01);
    expect(early.fraction).toEqual({ errorRate5xx: clock(cmp) });
    // Late in the soak with the same information the soak is ahead: nothing recorded, the look is on the soak clock.
    const late = evaluateAt(b, c, config, 0.99, [])!.spendingLook!;
    expect(clock(cmp)).toBeLessThan(0.99);
    expect(late.fraction).toBeUndefined();
    // Design 2, the same evidence: the soak clock alone.
    expect(evaluateAt(b, c, errorsOnly(0.05, 2, 0.005), 0.01, []).spendingLook!.fraction).toBeUndefined();
  });

  it('does not end the clock early on variants with no errors: their variance is floored at a regression of the tolerance', () => {
    const config = errorsOnly(0.05, 3, 0.005);
    const clock = informationClock(share(config), 0.8);
    const at = (n: number) =>
      clock(comparisonOf(variant('B', { invocations: n }), variant('C', { invocations: n }), config));
    // The plug-in variance of 0 errors in 1,000 (Agresti–Caffo) alone would have ended it: 1/v is over I_max.
    const plugIn = comparisonOf(variant('B', { invocations: 1_000 }), variant('C', { invocations: 1_000 }), config);
    expect(1 / plugIn.variance).toBeGreaterThan(maxInformation(config, 0.005));
    expect(at(1_000)).toBeCloseTo((1_000 * 0.005) / (0.995 * maxInformation(config, 0.005) * 0.005 ** 2), 12);
    // It ends where a fixed-horizon plan for a regression from 0% to the tolerance decides: n = (q(1 − a) + q(0.8))²·
    // 0.005·0.995/0.005² requests per variant (1,255 at this config's share, 0.05; about 2,000 at the default 0.0098).
    const z = normalQuantile(1 - ERROR_SPENDING_SHARE * 0.05) + normalQuantile(0.8);
    const plan = (z * z * 0.005 * 0.995) / 0.005 ** 2;
    expect(plan).toBeCloseTo(1_255, 0);
    expect(at(Math.floor(plan) - 1)).toBeLessThan(1);
    expect(at(Math.ceil(plan) + 1)).toBeGreaterThan(1);
  });

  it('catches a 5XX regression at an earlier look than design 2 on the same evidence', () => {
    // 1% → 2% at the default tolerance (0.5 pts), 1,000 requests per variant per look, 150 looks over the soak.
    const firstFailure = (design: GuardrailDesign) => {
      const config = errorsOnly(0.05, design, 0.005);
      const looks: SpendingLook[] = [];
      for (let k = 1; k <= 150; k++) {
        const n = 1_000 * k;
        const e = evaluateAt(
          variant('B', { invocations: n, errors5xx: 0.01 * n }),
          variant('C', { invocations: n, errors5xx: 0.02 * n }),
          config,
          k / 150,
          looks,
        );
        if (e.verdict === 'fail') return k;
      }
      return Infinity;
    };
    const design2 = firstFailure(2);
    const design3 = firstFailure(3);
    expect(design2).toBeLessThan(Infinity);
    expect(design3).toBeLessThan(design2);
  });

  it('after its clock reached the end takes no more looks, and the mixture judges alone at its part of the share', () => {
    const config = errorsOnly(0.05, 3, 0.005);
    const looks: SpendingLook[] = [];
    const b = variant('B', { invocations: 200_000, errors5xx: 2_000 });
    const c = variant('C', { invocations: 200_000, errors5xx: 2_060 });
    const first = evaluateAt(b, c, config, 0.1, looks);
    expect(first.spendingLook!.fraction!.errorRate5xx).toBeGreaterThanOrEqual(1);
    const b2 = variant('B', { invocations: 210_000, errors5xx: 2_100 });
    const c2 = variant('C', { invocations: 210_000, errors5xx: 2_170 });
    const next = evaluateAt(b2, c2, config, 0.2, looks);
    // A look of the schedule (the soak is not over), but not of this guardrail: its test has spent its part.
    expect(next.spendingLook).toEqual({ soakFraction: 0.2, information: {} });
    const cmp = comparisonOf(b2, c2, config);
    const mixtureAlpha = (1 - ERROR_SPENDING_SHARE) * share(config);
    const radius = oneSidedRadius(cmp.variance, mixingScaleFor(1.5 * 0.005, mixtureAlpha), mixtureAlpha);
    expect(resultOf(next.results, 'errorRate5xx').interval![0]).toBeCloseTo(cmp.estimate - radius, 14);
  });

  it('keeps equal variants under alpha when the information clock ends mid-soak (seeded Monte Carlo), using most of it', () => {
    // As the design 2 Monte Carlo above, with a tolerance whose fixed horizon's information (at alpha 0.2, power 0.8)
    // is what the 20th of the 40 evaluations brings: the clock runs on information, ending halfway through the soak.
    const alpha = 0.2;
    const config = errorsOnly(alpha, 3, 0.00375);
    const looks: SpendingLook[] = [];
    for (let k = 1; k <= 40; k++) {
      const n = 1_000 * k;
      evaluateAt(
        variant('B', { invocations: n, errors5xx: 0.05 * n }),
        variant('C', { invocations: n, errors5xx: 0.05 * n }),
        config,
        k / 40,
        looks,
      );
    }
    const ended = looks.findIndex((l) => (l.fraction?.errorRate5xx ?? 0) >= 1);
    expect(ended).toBeGreaterThanOrEqual(15);
    expect(ended).toBeLessThanOrEqual(25);
    const rate = falseRollbackRate(alpha, 1_000, 40, 2028, 40, config);
    const se = Math.sqrt((alpha * (1 - alpha)) / 1_000);
    expect(rate).toBeLessThanOrEqual(alpha + 3 * se);
    expect(rate).toBeGreaterThan(0.6 * ERROR_SPENDING_SHARE * alpha);
  });

  it('holds the look history under 15 KB over a 7-day soak evaluated every 30 s', () => {
    const looks: SpendingLook[] = [];
    const config = errorsOnly(0.05, 3);
    for (let k = 1; k <= 20_160; k++) {
      const b = variant('B', { invocations: 50 * k, errors5xx: Math.round(0.5 * k) });
      const c = variant('C', { invocations: 50 * k, errors5xx: Math.round(0.5 * k) });
      evaluateAt(b, c, config, k / 20_160, looks);
    }
    expect(looks.length).toBeLessThanOrEqual(MAX_SPENDING_LOOKS);
    // The clock reached its end long before the soak did; the looks after it carry no information for 5XX.
    expect(looks.some((l) => l.fraction?.errorRate5xx !== undefined)).toBe(true);
    expect(looks[looks.length - 1].information.errorRate5xx).toBeUndefined();
    expect(JSON.stringify(looks).length).toBeLessThan(15_000);
  });
});

describe('design 4: the pass side spends 1 − power by the same clock, and a pass at a look holds between looks', () => {
  const tolerance = 0.005;
  const config = (design: GuardrailDesign = 4) => errorsOnly(0.05, design, tolerance);

  /**
   * 1% errors on the baseline, `candidateRate` on the candidate, 1,000 requests a variant per evaluation over 40 looks;
   * after a pass the step machine's settle wait (300 more requests a variant, the same soak fraction: no look) and
   * the re-judgement (step.ts). The step's outcome per rollout, and at which look.
   */
  function steps(candidateRate: number, rollouts: number, seed: number, design: GuardrailDesign = 4) {
    const random = seeded(seed);
    const count = (n: number, p: number) => binomial(random, n, p);
    const out: { passedAt: number | null; flickered: number }[] = [];
    for (let r = 0; r < rollouts; r++) {
      const looks: SpendingLook[] = [];
      let n = 0;
      let xB = 0;
      let xC = 0;
      let passedAt: number | null = null;
      let flickered = 0;
      for (let k = 1; k <= 40 && passedAt === null; k++) {
        n += 1_000;
        xB += count(1_000, 0.01);
        xC += count(1_000, candidateRate);
        const at = (m: number, b: number, c: number) =>
          evaluateAt(
            variant('B', { invocations: m, errors5xx: b }),
            variant('C', { invocations: m, errors5xx: c }),
            config(design),
            k / 40,
            looks,
          );
        const e = at(n, xB, xC);
        if (e.verdict === 'fail') break;
        if (e.verdict !== 'pass') continue;
        n += 300;
        xB += count(300, 0.01);
        xC += count(300, candidateRate);
        const again = at(n, xB, xC);
        if (again.spendingLook) throw new Error('the re-judgement must be no look');
        if (again.verdict === 'pass') passedAt = k;
        else flickered++;
      }
      out.push({ passedAt, flickered });
    }
    return out;
  }

  it('passes a candidate worse by exactly the tolerance at most 1 − power of the time, re-judgements included (seeded Monte Carlo), using most of it', () => {
    const runs = steps(0.01 + tolerance, 600, 4_004);
    const passed = runs.filter((r) => r.passedAt !== null).length / runs.length;
    const se = Math.sqrt((0.2 * 0.8) / runs.length);
    expect(passed).toBeLessThanOrEqual(0.2 + 3 * se);
    // The spending part (95% of 1 − power) is what a candidate at the tolerance can cross; a test that never passed
    // it would be as slow as design 3's mixture.
    expect(passed).toBeGreaterThan(0.5 * ERROR_SPENDING_SHARE * 0.2);
  });

  it('passes an equal candidate at an earlier look than design 3, and the re-judgement after the settle wait keeps the pass', () => {
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
    const design4 = steps(0.01, 200, 4_005);
    const design3 = steps(0.01, 200, 4_005, 3);
    const at = (runs: typeof design4) => median(runs.map((r) => r.passedAt ?? Infinity));
    expect(at(design4)).toBeLessThan(0.75 * at(design3));
    // A pass at a look is re-judged on more evidence at no look, where the spending test does not judge: with the
    // latch it flickers back to "continue" no more often than design 3's pass, which the mixture alone decides at
    // every evaluation. (Without the latch the mixture's 5% part would turn nearly every such pass into "continue":
    // the next test shows one.)
    const flickers = (runs: typeof design4) => runs.reduce((a, r) => a + r.flickered, 0);
    expect(flickers(design4)).toBeLessThanOrEqual(flickers(design3));
    expect(flickers(design4)).toBeLessThan(0.15 * design4.length);
  });

  it("records the crossing in the look, and between looks passes at that look's boundary (the latch); without the record it would not", () => {
    const looks: SpendingLook[] = [];
    let k = 0;
    let e;
    do {
      k++;
      const n = 1_000 * k;
      e = evaluateAt(
        variant('B', { invocations: n, errors5xx: 0.01 * n }),
        variant('C', { invocations: n, errors5xx: 0.01 * n }),
        config(),
        k / 40,
        looks,
      );
    } while (e.verdict !== 'pass' && k < 40);
    expect(e.verdict).toBe('pass');
    expect(e.spendingLook!.passed).toEqual(['errorRate5xx']);
    // The re-judgement: a little more evidence, the same soak fraction (no look).
    const n = 1_000 * k + 300;
    const input = (history: SpendingLook[]) =>
      guardrailInput({
        baseline: variant('B', { invocations: n, errors5xx: 0.01 * n }),
        candidate: variant('C', { invocations: n, errors5xx: 0.01 * n + 1 }),
        split: split(variant('B', { invocations: n }), variant('C', { invocations: n })),
        config: config(),
        schedule: { soakFraction: k / 40, looks: history },
      });
    const latched = evaluateGuardrails(input(looks));
    expect(latched.spendingLook).toBeNull();
    expect(latched.verdict).toBe('pass');
    const forgotten = looks.map(({ passed: _, ...look }) => look);
    expect(evaluateGuardrails(input(forgotten)).verdict).toBe('continue');
    // The bound shown is the one that decided: under the tolerance.
    expect(resultOf(latched.results, 'errorRate5xx').interval![1]).toBeLessThan(tolerance);
  });

  it('leaves the fail side as design 3 has it: the same lower bound at every look', () => {
    const looks3: SpendingLook[] = [];
    const looks4: SpendingLook[] = [];
    for (let k = 1; k <= 30; k++) {
      const n = 1_000 * k;
      const b = variant('B', { invocations: n, errors5xx: Math.round(0.01 * n) });
      const c = variant('C', { invocations: n, errors5xx: Math.round(0.0125 * n) });
      const lower = (design: GuardrailDesign, looks: SpendingLook[]) =>
        resultOf(evaluateAt(b, c, config(design), k / 40, looks).results, 'errorRate5xx').interval![0];
      expect(lower(4, looks4)).toBe(lower(3, looks3));
    }
  });

  it('holds the look history under 15 KB over a 7-day soak evaluated every 30 s, an equal candidate passing throughout', () => {
    const looks: SpendingLook[] = [];
    for (let k = 1; k <= 20_160; k++) {
      const b = variant('B', { invocations: 50 * k, errors5xx: Math.round(0.5 * k) });
      const c = variant('C', { invocations: 50 * k, errors5xx: Math.round(0.5 * k) });
      evaluateAt(b, c, config(), k / 20_160, looks);
    }
    expect(looks.some((l) => l.passed !== undefined)).toBe(true);
    expect(JSON.stringify(looks).length).toBeLessThan(15_000);
  });
});

describe('the error-spending cache', () => {
  it('keeps every history a rollout extends: both sides of every guardrail that takes spending looks, all enabled', () => {
    const config = toGuardrailConfig(
      GuardrailsSpec.parse({
        quality: {
          accuracy: { tolerance: 0.02 },
          precision: { tolerance: 0.02 },
          recall: { tolerance: 0.02 },
          f1: { tolerance: 0.02 },
          rocAuc: { tolerance: 0.02 },
        },
      }),
      0.5,
      24,
      undefined,
      4,
    );
    const b = healthy('B', 20_000, 200, 1);
    const c = healthy('C', 20_000, 200, 2);
    const { comparisons } = compareGuardrails(
      guardrailInput({
        baseline: b,
        candidate: c,
        split: split(b, c),
        config,
        schedule: { soakFraction: 0.1, looks: [] },
      }),
    );
    const withLooks = comparisons.filter((x) => x.comparison.spending !== undefined).map((x) => x.comparison.guardrail);
    expect(withLooks).toEqual(['errorRate5xx', 'errorRate4xx', 'accuracy', 'precision', 'recall', 'f1', 'rocAuc']);
    // A history per side (fail and pass, design 4).
    expect(2 * withLooks.length).toBeLessThanOrEqual(CACHE_ENTRIES);
  });
});
