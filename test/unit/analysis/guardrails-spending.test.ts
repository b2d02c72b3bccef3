// The rate and quality guardrails within the planned soak: the error-spending test (error-spending.ts) joins the
// normal mixture when the evaluation says where it falls in the soak and what the earlier evaluations saw.
import {
  evaluateGuardrails,
  toGuardrailConfig,
  type EarlierEvaluation,
  type GuardrailConfig,
  type GuardrailResult,
  type VariantEvidence,
} from '../../../src/analysis';
import { compareGuardrails, ERROR_SPENDING_SHARE } from '../../../src/analysis/guardrails';
import { GuardrailsSpec } from '../../../src/schema/guardrails';
import { labelledRows, latencyPeriods, variant } from './evidence';
import { gaussian, seeded } from '../../../bench/random';

const defaults = toGuardrailConfig(GuardrailsSpec.parse({}), 0.5, 24);

/** Only the 5XX guardrail, tolerance 0 (any lower bound above 0 fails), at rollout alpha `alpha`. */
function errorsOnly(alpha: number): GuardrailConfig {
  return toGuardrailConfig(
    GuardrailsSpec.parse({
      alpha,
      errorRate5xx: { tolerance: 0 },
      errorRate4xx: { enabled: false },
      latency: { enabled: false },
      quality: {},
      sampleRatio: { enabled: false },
    }),
  );
}

function healthy(name: string, n: number, errors5xx: number, seed: number): VariantEvidence {
  return variant(name, {
    invocations: n,
    errors5xx,
    errors4xx: Math.round(n * 0.002),
    latency: latencyPeriods(Math.max(1, Math.round(n / 300)), 20_000, { seed }),
    labelled: labelledRows(Math.min(n, 2_000), { seed: seed + 100 }),
  });
}

const split = (b: VariantEvidence, c: VariantEvidence) => ({
  candidateWeight: 50,
  baselineInvocations: b.invocations,
  candidateInvocations: c.invocations,
});
const resultOf = (results: readonly GuardrailResult[], name: string) => results.find((r) => r.guardrail === name)!;

describe('error spending within the planned soak (rates and quality)', () => {
  it('makes each judged earlier evaluation a look, and this one the last; latency and unjudged ones are not', () => {
    const b = healthy('B', 3_000, 30, 1);
    const c = healthy('C', 3_000, 31, 2);
    const first = evaluateGuardrails({ baseline: b, candidate: c, split: split(b, c), config: defaults });
    // An earlier evaluation where 5XX had too few invocations to judge: its result has no difference.
    const thin = evaluateGuardrails({
      baseline: healthy('B', 50, 0, 3),
      candidate: healthy('C', 50, 0, 4),
      split: split(b, c),
      config: defaults,
    });
    expect(resultOf(thin.results, 'errorRate5xx').difference).toBeNull();
    const earlier: EarlierEvaluation[] = [
      { soakFraction: 0.1, results: thin.results },
      { soakFraction: 0.2, results: first.results },
    ];
    const { comparisons } = compareGuardrails({
      baseline: healthy('B', 6_000, 60, 5),
      candidate: healthy('C', 6_000, 61, 6),
      split: split(b, c),
      config: defaults,
      schedule: { soakFraction: 0.3, earlier },
    });
    const byName = new Map(comparisons.map((x) => [x.comparison.guardrail, x.comparison]));
    expect(byName.get('errorRate5xx')!.looks).toEqual([
      { fraction: 0.2, information: 1_500 },
      { fraction: 0.3, information: 3_000 },
    ]);
    // 50 labelled rows were too few for accuracy too.
    expect(byName.get('accuracy')!.looks!.map((l) => l.fraction)).toEqual([0.2, 0.3]);
    expect(byName.get('latency')!.looks).toBeUndefined();
  });

  it('is tighter than the mixture alone mid-soak, and after the planned soak leaves the mixture its 5%', () => {
    const config = errorsOnly(0.05);
    const b = healthy('B', 4_000, 40, 1);
    const c = healthy('C', 4_000, 60, 2);
    const input = { baseline: b, candidate: c, split: split(b, c), config };
    const alone = resultOf(evaluateGuardrails(input).results, 'errorRate5xx');
    const earlierAt = (fractions: number[]) =>
      fractions.map((soakFraction, k) => {
        const n = 800 * (k + 1);
        const bk = healthy('B', n, n / 100, 10 + k);
        const ck = healthy('C', n, (1.5 * n) / 100, 20 + k);
        return {
          soakFraction,
          results: evaluateGuardrails({ baseline: bk, candidate: ck, split: split(bk, ck), config }).results,
        };
      });
    const mid = resultOf(
      evaluateGuardrails({ ...input, schedule: { soakFraction: 0.4, earlier: earlierAt([0.1, 0.2, 0.3]) } }).results,
      'errorRate5xx',
    );
    // The planned soak ended at a look (fraction 1) that spent the rest of the alpha.
    const after = resultOf(
      evaluateGuardrails({ ...input, schedule: { soakFraction: 1.2, earlier: earlierAt([0.25, 0.5, 0.75, 1]) } })
        .results,
      'errorRate5xx',
    );
    const width = (r: GuardrailResult) => r.interval![1] - r.interval![0];
    expect(mid.difference).toBeCloseTo(alone.difference!, 15);
    expect(width(mid)).toBeLessThan(width(alone));
    // Past the planned soak the spending test has nothing left: only the mixture at (1 − share) of alpha remains.
    expect(width(after)).toBeGreaterThan(width(alone));
    expect(ERROR_SPENDING_SHARE).toBeGreaterThan(0.5);
  });

  it('keeps equal variants under alpha over 40 looks (seeded Monte Carlo), using most of it', () => {
    // 1,000 rollouts, 40 evaluations of 1,000 requests per variant at a 5% error rate, tolerance 0, alpha 0.2 so that
    // the rate is measured precisely: a false rollback is any evaluation whose lower bound exceeds 0.
    const alpha = 0.2;
    const config = errorsOnly(alpha);
    const z = gaussian(seeded(2026));
    const paths = 1_000;
    const looks = 40;
    let falseRollbacks = 0;
    for (let path = 0; path < paths; path++) {
      let n = 0;
      let xB = 0;
      let xC = 0;
      const earlier: EarlierEvaluation[] = [];
      for (let k = 1; k <= looks; k++) {
        n += 1_000;
        const sd = Math.sqrt(1_000 * 0.05 * 0.95);
        xB += Math.max(0, Math.round(50 + sd * z()));
        xC += Math.max(0, Math.round(50 + sd * z()));
        const b = variant('B', { invocations: n, errors5xx: xB });
        const c = variant('C', { invocations: n, errors5xx: xC });
        const e = evaluateGuardrails({
          baseline: b,
          candidate: c,
          split: split(b, c),
          config,
          schedule: { soakFraction: k / looks, earlier },
        });
        if (e.verdict === 'fail') {
          falseRollbacks++;
          break;
        }
        earlier.push({ soakFraction: k / looks, results: e.results });
      }
    }
    const rate = falseRollbacks / paths;
    const se = Math.sqrt((alpha * (1 - alpha)) / paths);
    expect(rate).toBeLessThanOrEqual(alpha + 3 * se);
    // The mixture alone at this alpha stays far below it (it holds for every look, forever); the spending test uses
    // its share over the planned soak.
    expect(rate).toBeGreaterThan(0.6 * ERROR_SPENDING_SHARE * alpha);
  });
});
