// The guardrails take sufficient statistics (labelled summaries, folded latency periods); these tests build them from
// the same seeded rows and periods as before (guardrailInput in evidence.ts).
import {
  alphaShares,
  evaluateGuardrails,
  type GuardrailConfig,
  type GuardrailResult,
  type SplitEvidence,
} from '../../../src/analysis';
import { GuardrailsSpec } from '../../../src/schema/guardrails';
import { toGuardrailConfig } from '../../../src/schema/guardrail-config';
import { guardrailInput, labelledRows, latencyPeriods, numbersIn, variant, type RawVariant } from './evidence';

const defaults = toGuardrailConfig(GuardrailsSpec.parse({}));
const fiftyFifty = (b: number, c: number): SplitEvidence => ({
  candidateWeight: 50,
  baselineInvocations: b,
  candidateInvocations: c,
});

function evaluate(baseline: RawVariant, candidate: RawVariant, split?: SplitEvidence, config = defaults) {
  return evaluateGuardrails(
    guardrailInput({
      baseline,
      candidate,
      split: split ?? fiftyFifty(baseline.invocations, candidate.invocations),
      config,
    }),
  );
}

const resultOf = (results: GuardrailResult[], name: string) => results.find((r) => r.guardrail === name)!;

/** Evidence of a healthy variant after `n` requests at a 1% 5XX and 0.2% 4XX rate. */
function healthy(name: string, n: number, seed: number, overrides: Partial<RawVariant> = {}): RawVariant {
  return variant(name, {
    invocations: n,
    errors5xx: Math.round(n * 0.01),
    errors4xx: Math.round(n * 0.002),
    latency: latencyPeriods(Math.max(1, Math.round(n / 300)), 20_000, { seed }),
    labelled: labelledRows(n, { seed: seed + 100 }),
    ...overrides,
  });
}

function expectNoNaN(value: unknown) {
  for (const x of numbersIn(value)) expect(Number.isFinite(x)).toBe(true);
}

describe('toGuardrailConfig and alpha sharing', () => {
  it('maps the spec defaults', () => {
    expect(defaults).toEqual({
      alpha: 0.05,
      errorRate5xx: { enabled: true, tolerance: 0.005 },
      errorRate4xx: { enabled: true, tolerance: 0.01 },
      latency: { enabled: true, tolerance: 0.2 },
      quality: { accuracy: { tolerance: 0.02 }, rocAuc: { tolerance: 0.02 } },
      sampleRatio: { enabled: true },
      threshold: 0.5,
      power: 0.8,
    });
    expect(() => GuardrailsSpec.parse({ power: 0.4 })).toThrow(/below 0\.5/);
    expect(() => GuardrailsSpec.parse({ power: 1 })).toThrow(/below 1/);
    const custom = toGuardrailConfig(
      GuardrailsSpec.parse({ alpha: 0.01, latency: { enabled: false }, quality: { f1: {} } }),
      0.7,
    );
    expect(custom.threshold).toBe(0.7);
    expect(custom.latency.enabled).toBe(false);
    expect(custom.quality).toEqual({ f1: { tolerance: 0.03 } });
  });

  it('never hands out more than alpha in total, even with a sample-ratio test at each of 20 steps', () => {
    for (const config of [
      defaults,
      { ...defaults, sampleRatio: { enabled: false } },
      { ...defaults, quality: {}, latency: { enabled: false, tolerance: 0.2 } },
    ]) {
      const shares = alphaShares(config);
      const total = shares.perGuardrail * shares.guardrails.length + 20 * shares.sampleRatio;
      expect(total).toBeLessThanOrEqual(config.alpha + 1e-15);
      expect(total).toBeGreaterThan(0.97 * config.alpha);
    }
    const shares = alphaShares(defaults);
    expect(shares.guardrails).toEqual(['errorRate5xx', 'errorRate4xx', 'latency', 'accuracy', 'rocAuc']);
    expect(shares.perGuardrail).toBeCloseTo((0.05 * 0.98) / 5, 15);
    expect(shares.sampleRatio).toBeCloseTo(0.05 / 1000, 15);
  });

  it('gives each result its share of alpha', () => {
    const e = evaluate(healthy('B', 20_000, 1), healthy('C', 20_000, 2));
    for (const r of e.results) {
      expect(r.alpha).toBeCloseTo(r.guardrail === 'sampleRatio' ? 0.00005 : 0.0098, 12);
    }
  });
});

describe('verdicts on equal variants', () => {
  it('continue while data is thin, naming what is missing, then pass with enough data', () => {
    const early = evaluate(healthy('B', 45, 1), healthy('C', 45, 2));
    expect(early.verdict).toBe('continue');
    expect(early.reason).toMatch(/^waiting for evidence: /);
    expect(resultOf(early.results, 'errorRate5xx').reason).toMatch(/only 45 candidate invocations so far/);
    expect(resultOf(early.results, 'latency').reason).toMatch(/only 1 CloudWatch period/);
    expect(resultOf(early.results, 'accuracy').reason).toMatch(/only 45 candidate labelled requests/);
    expect(resultOf(early.results, 'sampleRatio').reason).toMatch(/only 90 requests/);
    for (const r of early.results) {
      expect(r.verdict).toBe('continue');
      expect(r.difference).toBeNull();
      expect(r.interval).toBeNull();
    }

    const later = evaluate(healthy('B', 40_000, 1), healthy('C', 40_000, 2));
    expect(later.results.map((r) => [r.guardrail, r.verdict])).toEqual([
      ['sampleRatio', 'pass'],
      ['errorRate5xx', 'pass'],
      ['errorRate4xx', 'pass'],
      ['latency', 'pass'],
      ['accuracy', 'pass'],
      ['rocAuc', 'pass'],
    ]);
    expect(later.verdict).toBe('pass');
    expect(later.reason).toBe(
      'all 6 guardrails pass: sampleRatio, errorRate5xx, errorRate4xx, latency, accuracy, rocAuc',
    );
    expectNoNaN(later);
  });

  it('every interval contains its difference and each pass has its upper bound under the tolerance', () => {
    const e = evaluate(healthy('B', 40_000, 1), healthy('C', 40_000, 2));
    for (const r of e.results.filter((x) => x.guardrail !== 'sampleRatio')) {
      const [lo, hi] = r.interval!;
      expect(lo).toBeLessThanOrEqual(r.difference!);
      expect(hi).toBeGreaterThanOrEqual(r.difference!);
      expect(hi).toBeLessThan(r.tolerance);
      expect(r.method).toMatch(/confidence sequence/);
    }
  });
});

describe('verdicts on a regression', () => {
  it('fails a clear 5XX regression, naming the guardrail, the difference and its interval', () => {
    const b = healthy('B', 10_000, 1);
    const c = healthy('C', 10_000, 2, { errors5xx: 300 });
    const e = evaluate(b, c);
    expect(e.verdict).toBe('fail');
    const r = resultOf(e.results, 'errorRate5xx');
    expect(r.verdict).toBe('fail');
    expect(r.difference).toBeCloseTo(0.02, 12);
    expect(r.interval![0]).toBeGreaterThan(0);
    expect(e.reason).toMatch(
      // The lower bound at the share (0.98%), the upper at 1 − power (20%): together a 79.02% interval.
      /^errorRate5xx: candidate 3\.00% vs baseline 1\.00% \(\+2\.00 pts, 79\.02% CS \[\+\d\.\d\d, \+\d\.\d\d\]\) exceeds 0$/,
    );
  });

  it('fails a 30% latency regression and reports it as a relative slowdown', () => {
    const b = healthy('B', 6_000, 1);
    const c = healthy('C', 6_000, 2, { latency: latencyPeriods(20, 26_000, { seed: 7 }) });
    const r = resultOf(evaluate(b, c).results, 'latency');
    expect(r.verdict).toBe('fail');
    expect(r.difference!).toBeGreaterThan(0.25);
    expect(r.difference!).toBeLessThan(0.35);
    expect(r.candidate! / r.baseline! - 1).toBeCloseTo(r.difference!, 12);
    expect(r.samples).toEqual({ baseline: 20, candidate: 20 });
    expect(r.reason).toMatch(
      /^latency \(per-period median\): candidate 2\d\.\d ms vs baseline 2\d\.\d ms \(\+\d\d\.\d%/,
    );
  });

  it('fails a model that lost 10 points of accuracy, saying it is worse', () => {
    const b = healthy('B', 3_000, 1);
    const c = healthy('C', 3_000, 2, { labelled: labelledRows(3_000, { seed: 9, separation: 0.8 }) });
    const e = evaluate(b, c);
    const acc = resultOf(e.results, 'accuracy');
    expect(acc.verdict).toBe('fail');
    expect(acc.reason).toMatch(/^accuracy: candidate \d+\.\d% vs baseline \d+\.\d% \(worse by \d+\.\d pts/);
    expect(resultOf(e.results, 'rocAuc').verdict).toBe('fail');
    expect(e.verdict).toBe('fail');
  });

  it('judges precision, recall and F1 when the spec asks for them', () => {
    const config = toGuardrailConfig(GuardrailsSpec.parse({ quality: { precision: {}, recall: {}, f1: {} } }));
    const b = healthy('B', 4_000, 1);
    const worse = healthy('C', 4_000, 2, { labelled: labelledRows(4_000, { seed: 9, separation: 0.8 }) });
    const e = evaluate(b, worse, undefined, config);
    for (const m of ['precision', 'recall', 'f1']) expect(resultOf(e.results, m).verdict).toBe('fail');
    const same = evaluate(b, healthy('C', 4_000, 2), undefined, config);
    for (const m of ['precision', 'recall', 'f1']) expect(resultOf(same.results, m).verdict).not.toBe('fail');
  });

  it('does not fail a real but negligible difference (below half the tolerance) and passes it instead', () => {
    // 1e9 requests each: 1.00% vs 1.05% is "significant" but a twentieth of the 0.5-point tolerance.
    const b = variant('B', { invocations: 1e9, errors5xx: 1e7 });
    const c = variant('C', { invocations: 1e9, errors5xx: 1.05e7 });
    const config: GuardrailConfig = { ...defaults, quality: {}, latency: { enabled: false, tolerance: 0.2 } };
    const r = resultOf(evaluate(b, c, fiftyFifty(1e9, 1e9), config).results, 'errorRate5xx');
    expect(r.interval![0]).toBeGreaterThan(0);
    expect(r.verdict).toBe('pass');
  });
});

describe('sample ratio', () => {
  it('fails a mismatched split: the comparison cannot be trusted', () => {
    const e = evaluate(healthy('B', 6_000, 1), healthy('C', 4_000, 2), fiftyFifty(6_000, 4_000));
    const r = resultOf(e.results, 'sampleRatio');
    expect(r.verdict).toBe('fail');
    expect(r.difference).toBeCloseTo(-0.1, 12);
    expect(e.verdict).toBe('fail');
    expect(e.reason).toMatch(
      /^sample ratio mismatch: candidate served 40\.0% of 10,000 requests, expected 50% .*the comparison cannot be trusted/,
    );
  });

  it('accepts a split within chance, and is not applicable at weights 0 and 100', () => {
    const ok = evaluate(healthy('B', 10_000, 1), healthy('C', 10_000, 2), fiftyFifty(5_040, 4_960));
    expect(resultOf(ok.results, 'sampleRatio').verdict).toBe('pass');
    for (const candidateWeight of [0, 100]) {
      const e = evaluate(healthy('B', 10_000, 1), healthy('C', 10_000, 2), {
        candidateWeight,
        baselineInvocations: 0,
        candidateInvocations: 0,
      });
      const r = resultOf(e.results, 'sampleRatio');
      expect(r.verdict).toBe('pass');
      expect(r.reason).toMatch(/not applicable/);
    }
  });

  it('uses the weight set, e.g. 10% to the candidate', () => {
    const split = { candidateWeight: 10, baselineInvocations: 9_000, candidateInvocations: 1_000 };
    expect(
      resultOf(evaluate(healthy('B', 9_000, 1), healthy('C', 1_000, 2), split).results, 'sampleRatio').verdict,
    ).toBe('pass');
    const skewed = { candidateWeight: 10, baselineInvocations: 8_500, candidateInvocations: 1_500 };
    expect(
      resultOf(evaluate(healthy('B', 9_000, 1), healthy('C', 1_000, 2), skewed).results, 'sampleRatio').verdict,
    ).toBe('fail');
  });
});

describe('too little data is never a silent pass', () => {
  it('no labels (live traffic): quality continues with the reason, so the step cannot pass', () => {
    const b = healthy('B', 100_000, 1, { labelled: [] });
    const c = healthy('C', 100_000, 2, { labelled: [] });
    const e = evaluate(b, c);
    expect(e.verdict).toBe('continue');
    for (const m of ['accuracy', 'rocAuc']) {
      const r = resultOf(e.results, m);
      expect(r.verdict).toBe('continue');
      expect(r.reason).toMatch(/no labelled requests on the candidate .*leave guardrails\.quality empty/);
    }
    expect(resultOf(e.results, 'errorRate5xx').verdict).toBe('pass');
  });

  it('labels from one class only: AUC continues, saying so', () => {
    const onlyNegatives = labelledRows(2_000, { seed: 3, positiveRate: 0 });
    const e = evaluate(healthy('B', 2_000, 1), healthy('C', 2_000, 2, { labelled: onlyNegatives }));
    const r = resultOf(e.results, 'rocAuc');
    expect(r.verdict).toBe('continue');
    expect(r.reason).toMatch(/0 positives and 2000 negatives/);
  });

  it('zero traffic on a variant: continue, with no NaN anywhere', () => {
    const e = evaluate(healthy('B', 5_000, 1), variant('C'), fiftyFifty(5_000, 0));
    expect(e.verdict).not.toBe('pass');
    expect(resultOf(e.results, 'errorRate5xx').reason).toMatch(/only 0 candidate invocations/);
    expectNoNaN(e);
    const nothing = evaluate(variant('B'), variant('C'), fiftyFifty(0, 0));
    expect(nothing.verdict).toBe('continue');
    expectNoNaN(nothing);
  });

  it('huge counts (1e9 invocations, no errors at all) stay finite and decide', () => {
    const config: GuardrailConfig = { ...defaults, quality: {} };
    const big = (name: string, seed: number) =>
      variant(name, { invocations: 1e9, latency: latencyPeriods(60, 15_000, { seed, sampleCount: 1e6 }) });
    const e = evaluate(big('B', 1), big('C', 2), fiftyFifty(5e8, 5e8), config);
    expectNoNaN(e);
    expect(e.verdict).toBe('pass');
  });

  it('with every guardrail disabled the soak alone decides', () => {
    const config: GuardrailConfig = {
      ...defaults,
      errorRate5xx: { enabled: false, tolerance: 0 },
      errorRate4xx: { enabled: false, tolerance: 0 },
      latency: { enabled: false, tolerance: 0 },
      quality: {},
      sampleRatio: { enabled: false },
    };
    const e = evaluate(variant('B'), variant('C'), fiftyFifty(0, 0), config);
    // Without a soak schedule there is no error-spending look to append.
    expect(e).toEqual({
      verdict: 'pass',
      reason: 'no guardrail is enabled: the soak time alone decides',
      results: [],
      spendingLook: null,
    });
  });
});

describe('purity', () => {
  it('is deterministic and leaves its input untouched', () => {
    const input = guardrailInput({
      baseline: healthy('B', 5_000, 1),
      candidate: healthy('C', 5_000, 2),
      split: fiftyFifty(5_000, 5_000),
      config: defaults,
    });
    const copy = JSON.parse(JSON.stringify(input));
    const first = evaluateGuardrails(input);
    const second = evaluateGuardrails(input);
    expect(second).toEqual(first);
    expect(JSON.parse(JSON.stringify(input))).toEqual(copy);
    // Results are plain data: they survive a JSON round trip (workflow state, queries).
    expect(JSON.parse(JSON.stringify(first))).toEqual(first);
  });
});

describe('latency periods with an unknown spread (scale-invariant t-mixture)', () => {
  const config: GuardrailConfig = { ...defaults, quality: {} };
  const evaluateLatency = (b: RawVariant, c: RawVariant, cfg = config) =>
    resultOf(evaluate(b, c, fiftyFifty(b.invocations, c.invocations), cfg).results, 'latency');
  const periods = (n: number, ratio: (i: number) => number, withPercentiles: boolean) =>
    Array.from({ length: n }, (_, i) => ({
      timestamp: i * 60_000,
      sampleCount: 100,
      average: 20_000 * ratio(i),
      ...(withPercentiles ? { p50: 20_000 * ratio(i), p90: 38_000 * ratio(i) } : {}),
    }));
  const withLatency = (name: string, latency: RawVariant['latency']) =>
    variant(name, { invocations: 100 * latency.length, latency });

  it('has no bound (continue, no interval, no Infinity) while the periods are too few for the alpha share', () => {
    const strict = { ...config, alpha: 0.01 }; // 0.0033 per guardrail (3 guardrails): 5 periods cannot reach 1/alpha
    const r = evaluateLatency(
      withLatency(
        'B',
        periods(5, () => 1, true),
      ),
      withLatency(
        'C',
        periods(5, (i) => 1.5 + 0.01 * i, true),
      ),
      strict,
    );
    expect(r.verdict).toBe('continue');
    expect(r.interval).toBeNull();
    expect(r.reason).toMatch(/^latency: 5 periods are too few for an always-valid bound at alpha 0\.0033 yet$/);
    expectNoNaN(r);
  });

  it('identical period ratios: the lognormal floor bounds the precision, and no floor means no bound', () => {
    const same = evaluateLatency(
      withLatency(
        'B',
        periods(12, () => 1, true),
      ),
      withLatency(
        'C',
        periods(12, () => 1, true),
      ),
    );
    expect(same.verdict).toBe('pass');
    const [lo, hi] = same.interval!;
    expect(lo).toBeLessThan(-0.02); // the floor: 100 requests per period cannot pin a median to 2%
    expect(hi).toBeGreaterThan(0.02);
    const averagesOnly = evaluateLatency(
      withLatency(
        'B',
        periods(12, () => 1, false),
      ),
      withLatency(
        'C',
        periods(12, () => 1.3, false),
      ),
    );
    expect(averagesOnly.verdict).toBe('continue');
    expect(averagesOnly.interval).toBeNull();
  });

  it('fails a consistent slowdown once the periods agree, with a finite interval', () => {
    const r = evaluateLatency(
      withLatency(
        'B',
        periods(10, () => 1, true),
      ),
      withLatency(
        'C',
        periods(10, (i) => 1.35 + (i % 2 === 0 ? 0.05 : -0.05), true),
      ),
    );
    expect(r.verdict).toBe('fail');
    expect(r.interval![0]).toBeGreaterThan(0);
    expect(r.method).toMatch(/scale-invariant/);
  });
});
