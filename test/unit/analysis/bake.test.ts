// The post-promotion bake: the candidate's error rates and latency during the bake against its own during the last
// live step. A regression at full traffic fails; no change, looked at every interval, stays under the share of alpha
// (the reference is fixed, so this is measured, not proved: src/analysis/bake.ts).
import {
  EMPTY_BAKE_STREAM,
  evaluateBake,
  foldBakePeriod,
  type BakeInput,
  type BakeStream,
} from '../../../src/analysis';
import { binomial, gaussian, seeded } from '../../../bench/random';

const config: BakeInput['config'] = {
  alpha: 0.05,
  errorRate5xx: { enabled: true, tolerance: 0.005 },
  errorRate4xx: { enabled: true, tolerance: 0.01 },
  latency: { enabled: true, tolerance: 0.2 },
};

/** `periods` CloudWatch periods of `perPeriod` requests, error rate `p5xx`, per-period mean latency around `ms`. */
function stream(
  periods: number,
  opts: { perPeriod?: number; p5xx?: number; ms?: number; seed?: number; from?: BakeStream },
): BakeStream {
  const random = seeded(opts.seed ?? 1);
  const z = gaussian(random);
  const n = opts.perPeriod ?? 200;
  let s = opts.from ?? EMPTY_BAKE_STREAM;
  for (let i = 0; i < periods; i++) {
    const average = (opts.ms ?? 20) * 1000 * Math.exp(0.05 * z());
    s = foldBakePeriod(s, {
      invocations: n,
      errors4xx: 0,
      errors5xx: binomial(random, n, opts.p5xx ?? 0.001),
      latency: { timestamp: i, sampleCount: n, average },
    });
  }
  return s;
}

describe('foldBakePeriod', () => {
  it('adds the sums and keeps the log latency of periods with enough requests (Welford)', () => {
    let s = EMPTY_BAKE_STREAM;
    const averages = [10_000, 20_000, 40_000];
    for (const average of averages) {
      s = foldBakePeriod(s, {
        invocations: 100,
        errors4xx: 1,
        errors5xx: 2,
        latency: { timestamp: 0, sampleCount: 100, average },
      });
    }
    s = foldBakePeriod(s, {
      invocations: 5,
      errors4xx: 0,
      errors5xx: 0,
      latency: { timestamp: 1, sampleCount: 5, average: 1 },
    });
    expect([s.invocations, s.errors4xx, s.errors5xx, s.latency.periods]).toEqual([305, 3, 6, 3]);
    const logs = averages.map(Math.log);
    const mean = logs.reduce((a, b) => a + b) / 3;
    expect(s.latency.mean).toBeCloseTo(mean, 12);
    expect(s.latency.sumSquaredDeviations).toBeCloseTo(
      logs.reduce((a, x) => a + (x - mean) ** 2, 0),
      12,
    );
  });
});

describe('evaluateBake', () => {
  const reference = stream(10, { seed: 1 });

  it('fails errors that appear only at full traffic, naming the step it compares with', () => {
    const out = evaluateBake({ reference, bake: stream(10, { seed: 2, p5xx: 0.05 }), config, referenceName: 'step 2' });
    expect(out.verdict).toBe('fail');
    const r = out.results.find((x) => x.guardrail === 'errorRate5xx')!;
    expect(r.verdict).toBe('fail');
    expect(r.reason).toMatch(/^errorRate5xx: baking 5\.\d\d% vs step 2 0\.\d\d% /);
    expect(r.alpha).toBeCloseTo(0.05 / 3, 12);
  });

  it('fails a slowdown and waits for enough periods', () => {
    const slow = evaluateBake({ reference, bake: stream(8, { seed: 3, ms: 30 }), config, referenceName: 'step 2' });
    const latency = slow.results.find((x) => x.guardrail === 'latency')!;
    expect(latency.verdict).toBe('fail');
    expect(latency.difference!).toBeGreaterThan(0.4);
    const early = evaluateBake({ reference, bake: stream(3, { seed: 3 }), config, referenceName: 'step 2' });
    expect(early.results.find((x) => x.guardrail === 'latency')!.reason).toMatch(
      /only 3 CloudWatch periods of the bake/,
    );
  });

  it('does not fail an unchanged candidate looked at every period, over 500 bakes', () => {
    let failed = 0;
    for (let path = 0; path < 500; path++) {
      const ref = stream(10, { seed: 10_000 + path, p5xx: 0.004 });
      let bake = EMPTY_BAKE_STREAM;
      for (let look = 0; look < 60; look++) {
        bake = stream(1, { seed: 20_000 + path * 100 + look, p5xx: 0.004, from: bake });
        if (evaluateBake({ reference: ref, bake, config, referenceName: 'step 1' }).verdict === 'fail') {
          failed++;
          break;
        }
      }
    }
    // Each of the three guardrails has 0.05/3; all together at most 0.05.
    expect(failed / 500).toBeLessThanOrEqual(0.05);
  });
});
