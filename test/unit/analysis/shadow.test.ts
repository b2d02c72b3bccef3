// A shadow step's guardrails: agreement of paired predictions, the copy ratio that replaces the sample-ratio check, the
// paired score-shift guard, and how evaluateGuardrails judges a shadow (quality on labelled pairs only, latency from
// CloudWatch, copies instead of routing).
import {
  countPair,
  countScorePair,
  emptyAgreement,
  emptyPairedScoreCounts,
  emptyScoreShift,
  evaluateGuardrails,
  foldPairedScoreShift,
  judgeAgreement,
  judgeCopyRatio,
  judgeScoreShift,
  PairedSummaryBuilder,
  SCORE_SHIFT_THRESHOLDS,
  type AgreementStatistics,
  type GuardrailConfig,
} from '../../../src/analysis';
import { gaussian, seeded } from '../../../bench/random';

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

/** Mirrored requests: an input x, the baseline's score sigmoid(2x), the candidate's from `model`. */
function pairs(n: number, model: (x: number, z: number) => number, seed = 7): [number, number][] {
  const z = gaussian(seeded(seed));
  return Array.from({ length: n }, () => {
    const x = z();
    return [sigmoid(2 * x), model(x, z())];
  });
}

function agreementOf(scored: [number, number][]): AgreementStatistics {
  const a = emptyAgreement();
  for (const [b, c] of scored) countPair(a, b, c, 0.5);
  return a;
}

describe('agreement', () => {
  it('counts differing predicted classes at the threshold', () => {
    const a = agreementOf([
      [0.9, 0.8],
      [0.9, 0.1],
      [0.2, 0.7],
      [0.2, 0.49],
    ]);
    expect(a).toEqual({ pairs: 4, disagreements: 2, baselinePositive: 2, candidatePositive: 2 });
  });

  it('fails an inverted model within a few hundred mirrored requests, and passes a close one', () => {
    const inverted = judgeAgreement(agreementOf(pairs(300, (x) => sigmoid(-2 * x))), 0.01, 0.3);
    expect(inverted.verdict).toBe('fail');
    expect(inverted.reason).toMatch(/differs from the baseline's on 100\.0% of 300 mirrored requests/);
    const close = judgeAgreement(agreementOf(pairs(2000, (x, e) => sigmoid(2 * x + 0.3 * e))), 0.01, 0.3);
    expect(close.verdict).toBe('pass');
    expect(close.difference!).toBeLessThan(0.15);
    expect(close.interval![1]).toBeLessThan(0.3);
  });

  it('waits for enough pairs', () => {
    const r = judgeAgreement(agreementOf(pairs(50, (x) => sigmoid(-2 * x))), 0.01, 0.3);
    expect([r.verdict, r.difference]).toEqual(['continue', null]);
    expect(r.reason).toMatch(/only 50 paired answers/);
  });

  it('stays under its alpha when the candidate flips exactly the tolerance, looked at every 50 pairs', () => {
    // The null's edge: each pair disagrees with probability 0.3; 400 paths, 40 looks each.
    let failed = 0;
    for (let path = 0; path < 400; path++) {
      const random = seeded(1000 + path);
      const a = emptyAgreement();
      for (let look = 0; look < 40; look++) {
        for (let i = 0; i < 50; i++) countPair(a, 0.9, random() < 0.3 ? 0.1 : 0.9, 0.5);
        if (judgeAgreement(a, 0.05, 0.3).verdict === 'fail') {
          failed++;
          break;
        }
      }
    }
    expect(failed / 400).toBeLessThanOrEqual(0.05);
  });
});

describe('copy ratio', () => {
  it('passes copies at the share and fails lost copies', () => {
    const ok = judgeCopyRatio({ candidateWeight: 50, baselineInvocations: 2000, candidateInvocations: 1012 }, 1e-4);
    expect(ok.verdict).toBe('pass');
    expect(ok.reason).toMatch(/^copyRatio: the shadow got 50\.6% copies of 2,000 production requests, expected 50%/);
    const lost = judgeCopyRatio({ candidateWeight: 100, baselineInvocations: 2000, candidateInvocations: 1500 }, 1e-4);
    expect(lost.verdict).toBe('fail');
    expect(lost.reason).toMatch(/^copy ratio mismatch: .*did not see a random sample of production traffic/);
  });

  it('at a share of 100% allows the copies a period boundary moves, not more', () => {
    const edge = judgeCopyRatio({ candidateWeight: 100, baselineInvocations: 3000, candidateInvocations: 2995 }, 1e-4);
    expect(edge.verdict).toBe('pass');
    const short = judgeCopyRatio({ candidateWeight: 100, baselineInvocations: 3000, candidateInvocations: 2850 }, 1e-4);
    expect(short.verdict).toBe('fail');
  });

  it('waits for production requests', () => {
    const r = judgeCopyRatio({ candidateWeight: 100, baselineInvocations: 40, candidateInvocations: 40 }, 1e-4);
    expect(r.verdict).toBe('continue');
  });
});

describe('paired score shift', () => {
  it('sums 1{c ≤ x} − 1{b ≤ x} and its square over the pairs, threshold by threshold', () => {
    const scored = pairs(500, (x, e) => sigmoid(2 * x + e));
    const counts = emptyPairedScoreCounts();
    for (const [b, c] of scored) countScorePair(counts, b, c);
    const stats = foldPairedScoreShift(emptyScoreShift(), counts);
    expect(stats).toMatchObject({ requests: 500, paired: true });
    SCORE_SHIFT_THRESHOLDS.forEach((x, j) => {
      const d = scored.map(([b, c]) => (c <= x ? 1 : 0) - (b <= x ? 1 : 0));
      expect(stats.sums[j]).toBe(d.reduce((s, v) => s + v, 0));
      expect(stats.squares[j]).toBe(d.reduce((s, v) => s + v * v, 0));
    });
    expect(stats.baseline.predictions).toBe(500);
  });

  it('fails a constant model and passes the same model, with paired wording', () => {
    const judged = (model: (x: number, z: number) => number) => {
      const counts = emptyPairedScoreCounts();
      for (const [b, c] of pairs(600, model)) countScorePair(counts, b, c);
      return judgeScoreShift(foldPairedScoreShift(emptyScoreShift(), counts), 0.01, 0.5);
    };
    const constant = judged(() => 0.02);
    expect(constant.verdict).toBe('fail');
    expect(constant.method).toMatch(/paired by InferenceId/);
    expect(judged((x) => sigmoid(2 * x)).verdict).toBe('pass');
  });
});

describe('evaluateGuardrails in a shadow step', () => {
  const config: GuardrailConfig = {
    alpha: 0.05,
    errorRate5xx: { enabled: true, tolerance: 0.005 },
    errorRate4xx: { enabled: false, tolerance: 0.01 },
    latency: { enabled: true, tolerance: 0.2 },
    quality: { accuracy: { tolerance: 0.02 }, rocAuc: { tolerance: 0.02 } },
    sampleRatio: { enabled: true },
    threshold: 0.5,
    shadow: true,
    scoreShift: { enabled: true, tolerance: 0.5 },
    agreement: { enabled: true, tolerance: 0.3 },
  };
  const variant = (variantName: string, errors5xx: number) => ({
    variantName,
    invocations: 2000,
    errors4xx: 0,
    errors5xx,
    labelled: null,
  });

  it('judges a candidate that errors on its copies, and checks copies instead of the split', () => {
    const out = evaluateGuardrails({
      baseline: variant('Champion', 2),
      candidate: variant('Challenger', 400),
      split: { candidateWeight: 100, baselineInvocations: 2000, candidateInvocations: 2000 },
      config,
    });
    expect(out.verdict).toBe('fail');
    expect(out.results.map((r) => [r.guardrail, r.verdict])).toEqual([
      ['copyRatio', 'pass'],
      ['errorRate5xx', 'fail'],
      ['latency', 'continue'],
      ['accuracy', 'continue'],
      ['rocAuc', 'continue'],
      ['scoreShift', 'continue'],
      ['agreement', 'continue'],
    ]);
    // Six guardrails share what the copy ratio's reserve leaves.
    expect(out.results[1].alpha).toBeCloseTo((0.05 - 0.05 * 0.001 * 20) / 6, 12);
    const accuracy = out.results.find((r) => r.guardrail === 'accuracy')!;
    expect(accuracy.reason).toMatch(/no labelled pairs yet/);
  });

  it('judges quality on labelled pairs and says where they come from', () => {
    const builder = new PairedSummaryBuilder(0.5);
    const z = gaussian(seeded(3));
    const random = seeded(4);
    for (let i = 0; i < 3000; i++) {
      const label = random() < 0.3 ? 1 : 0;
      const x = 2 * label - 1 + z();
      builder.add(label, sigmoid(x), sigmoid(-x)); // an inverted candidate
    }
    const out = evaluateGuardrails({
      baseline: variant('Champion', 0),
      candidate: variant('Challenger', 0),
      split: { candidateWeight: 100, baselineInvocations: 2000, candidateInvocations: 2000 },
      config,
      paired: builder.close().summary(),
    });
    const auc = out.results.find((r) => r.guardrail === 'rocAuc')!;
    expect(auc.verdict).toBe('fail');
    expect(auc.method).toMatch(/^shadow: labelled requests and their mirrored copies paired by InferenceId/);
    // Latency stays CloudWatch's, not paired round trips.
    expect(out.results.find((r) => r.guardrail === 'latency')!.method).toMatch(/CloudWatch period/);
  });
});
