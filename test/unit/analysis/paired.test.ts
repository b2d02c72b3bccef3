// Paired probes: DeLong's covariance of correlated AUCs, the batched AUC, the joint confusion table's delta-method
// variances (McNemar's for accuracy), held to test/fixtures/analysis/paired.json (scripts/analysis-reference.py), and
// their wiring into the guardrails: valid at the alpha share, and deciding on fewer rows than unpaired evidence.
import fixture from '../../fixtures/analysis/paired.json';
import { evaluateGuardrails, summarizeLabelled, type GuardrailConfig } from '../../../src/analysis';
import { pairedDelong, pairedDifferenceVariance } from '../../../src/analysis/paired-delong';
import {
  emptyPairedSummary,
  mergePaired,
  pairedLatencyBatches,
  PairedSummaryBuilder,
  type PairedSummary,
} from '../../../src/analysis/paired';
import {
  comparePairedAuc,
  comparePairedLatency,
  comparePairedQuality,
  pairedRatio,
  poolComparisons,
} from '../../../src/analysis/paired-comparison';
import { compareQualityProportion } from '../../../src/analysis/proportions';
import { gaussian, seeded } from '../../../bench/random';

type Metric = 'accuracy' | 'precision' | 'recall' | 'f1';
const METRICS: Metric[] = ['accuracy', 'precision', 'recall', 'f1'];

interface Case {
  name: string;
  labels: number[];
  baseline: number[];
  candidate: number[];
  delong: { aucA: number; aucB: number; varianceA: number; varianceB: number; covariance: number };
  differenceVariance: number;
  bootstrapVariance: number;
  batchRows: number;
  batches: { batches: number; pairs: number; baseline: number; candidate: number; varianceSum: number };
  joint: number[];
  metrics: Record<
    Metric,
    {
      baseline: number;
      candidate: number;
      variance: number;
      paddedVariance: number;
      bootstrapVariance: number;
      mcnemarVariance?: number;
    }
  >;
}
const cases = fixture.cases as Case[];

function build(c: Case, from = 0, to = c.labels.length, batchRows = c.batchRows): PairedSummary {
  const b = new PairedSummaryBuilder(0.5, undefined, batchRows);
  for (let i = from; i < to; i++) b.add(c.labels[i], c.baseline[i], c.candidate[i]);
  return b.close().summary();
}

const relative = (a: number, b: number) => Math.abs(a / b - 1);

describe('pairedDelong', () => {
  it.each(cases.map((c) => [c.name, c] as const))('%s: the O(m·n) definition, and a paired bootstrap', (_n, c) => {
    const e = pairedDelong(c.labels, c.baseline, c.candidate)!;
    expect(e.aucA).toBeCloseTo(c.delong.aucA, 12);
    expect(e.aucB).toBeCloseTo(c.delong.aucB, 12);
    expect(relative(e.varianceA, c.delong.varianceA)).toBeLessThan(1e-9);
    expect(relative(e.varianceB, c.delong.varianceB)).toBeLessThan(1e-9);
    expect(relative(e.covariance, c.delong.covariance)).toBeLessThan(1e-9);
    expect(relative(pairedDifferenceVariance(e), c.differenceVariance)).toBeLessThan(1e-9);
    expect(relative(c.differenceVariance, c.bootstrapVariance)).toBeLessThan(0.15);
  });

  it('pairing removes what the rows share: the difference varies far less than the two AUCs added', () => {
    const correlated = cases.find((c) => c.name === 'correlated')!;
    expect(correlated.differenceVariance).toBeLessThan(
      0.5 * (correlated.delong.varianceA + correlated.delong.varianceB),
    );
  });

  it('is null without both classes; identical scores have a zero difference variance', () => {
    expect(pairedDelong([1, 1], [0.2, 0.3], [0.1, 0.4])).toBeNull();
    const c = cases[0];
    const same = pairedDelong(c.labels, c.baseline, c.baseline)!;
    expect(same.aucA).toBe(same.aucB);
    expect(pairedDifferenceVariance(same)).toBeLessThan(1e-18);
  });
});

describe('PairedSummary', () => {
  it.each(cases.map((c) => [c.name, c] as const))('%s: batches of 100 rows give the reference sums', (_n, c) => {
    const s = build(c);
    expect(s.joint).toEqual(c.joint);
    expect(s.rows).toBe(c.labels.length);
    expect(s.auc.batches).toBe(c.batches.batches);
    expect(s.auc.pairs).toBe(c.batches.pairs);
    expect(s.auc.baseline).toBeCloseTo(c.batches.baseline, 8);
    expect(s.auc.candidate).toBeCloseTo(c.batches.candidate, 8);
    expect(relative(s.auc.varianceSum, c.batches.varianceSum)).toBeLessThan(1e-9);
  });

  it('merges in any order to the summary of all rows (batch boundaries kept)', () => {
    const c = cases[0];
    const whole = build(c);
    const parts = [build(c, 0, 200), build(c, 200, 500), build(c, 500)];
    for (const merged of [
      parts.reduce(mergePaired),
      mergePaired(parts[2], mergePaired(parts[0], parts[1])),
      mergePaired(emptyPairedSummary(0.5), mergePaired(parts[1], mergePaired(parts[2], parts[0]))),
    ]) {
      expect(merged.joint).toEqual(whole.joint);
      expect(merged.auc.pairs).toBe(whole.auc.pairs);
      expect(merged.auc.varianceSum).toBeCloseTo(whole.auc.varianceSum, 6);
    }
    expect(() => mergePaired(whole, emptyPairedSummary(0.4))).toThrow(RangeError);
  });

  it('folds round trips with Welford: the mean and spread of the log ratios, resumable from a heartbeat', () => {
    const random = seeded(5);
    const z = gaussian(random);
    const pairs = Array.from({ length: 1000 }, () => ({ baseline: 20 * Math.exp(0.3 * z()), candidate: 0 }));
    pairs.forEach((p) => (p.candidate = p.baseline * 1.1 * Math.exp(0.1 * z())));
    const first = new PairedSummaryBuilder(0.5);
    pairs.slice(0, 400).forEach((p, i) => first.add(i % 2, 0.4, 0.6, p));
    const resumed = new PairedSummaryBuilder(0.5, first.summary());
    pairs.slice(400).forEach((p, i) => resumed.add(i % 2, 0.4, 0.6, p));
    const l = resumed.summary().latency;
    const d = pairs.map((p) => Math.log(p.candidate / p.baseline));
    const mean = d.reduce((a, b) => a + b, 0) / d.length;
    expect(l.pairs).toBe(1000);
    expect(l.mean).toBeCloseTo(mean, 12);
    expect(l.sumSquaredDeviations).toBeCloseTo(
      d.reduce((a, x) => a + (x - mean) ** 2, 0),
      9,
    );
    // Untimed pairs make no batch until their interval closes: latency waits for five of them.
    expect(comparePairedLatency(resumed.summary(), 0.2).missing).toMatch(/only 0 complete minutes/);
    resumed.close();
    expect(resumed.summary().latencyBatches!.periods).toBe(1);
    expect(resumed.summary().latencyBatches!.meanLogRatio).toBeCloseTo(mean, 12);
  });

  it('leaves out rows with a score that is not a number, and batches without two of each class', () => {
    const b = new PairedSummaryBuilder(0.5, undefined, 4);
    expect(b.add(1, NaN, 0.3)).toBe(false);
    [1, 0, 0, 0].forEach((label) => b.add(label, 0.7, 0.6));
    const s = b.close().summary();
    expect(s.rows).toBe(4);
    expect(s.auc.batches).toBe(0);
  });
});

describe('paired comparisons', () => {
  it.each(cases.flatMap((c) => METRICS.map((m) => [c.name, m, c] as const)))(
    '%s %s: both metrics and the delta-method variance per row (McNemar for accuracy), and a bootstrap',
    (_n, metric, c) => {
      const ref = c.metrics[metric];
      const fit = pairedRatio(metric, c.joint);
      expect(fit.baseline).toBeCloseTo(ref.baseline, 12);
      expect(fit.candidate).toBeCloseTo(ref.candidate, 12);
      expect(relative(fit.variance, ref.variance)).toBeLessThan(1e-9);
      if (ref.mcnemarVariance !== undefined) expect(relative(fit.variance, ref.mcnemarVariance)).toBeLessThan(1e-9);
      expect(relative(ref.variance, ref.bootstrapVariance)).toBeLessThan(0.2);
      const compared = comparePairedQuality(metric, build(c), 0.02);
      expect(compared.missing).toBeUndefined();
      expect(compared.estimate).toBeCloseTo(ref.baseline - ref.candidate, 12);
      expect(relative(compared.variance, ref.paddedVariance)).toBeLessThan(1e-9);
    },
  );

  it('ROC AUC over within-batch pairs: estimate and variance from the sums', () => {
    const c = cases[0];
    const compared = comparePairedAuc(build(c), 0.02);
    expect(compared.estimate).toBeCloseTo((c.batches.baseline - c.batches.candidate) / c.batches.pairs, 12);
    expect(compared.variance).toBeCloseTo(c.batches.varianceSum / c.batches.pairs ** 2, 14);
    // Close to the AUCs of all rows at once, whose variance it approaches.
    expect(Math.abs(compared.estimate - (c.delong.aucA - c.delong.aucB))).toBeLessThan(0.02);
    expect(compared.variance / c.differenceVariance).toBeGreaterThan(0.5);
    expect(compared.variance / c.differenceVariance).toBeLessThan(2);
  });

  it('too little paired data waits, saying what is missing', () => {
    expect(comparePairedQuality('accuracy', null, 0.02).missing).toMatch(/no paired probe rows/);
    const c = cases[0];
    expect(comparePairedQuality('accuracy', build(c, 0, 60), 0.02).missing).toMatch(/only 60 paired rows/);
    expect(comparePairedAuc(build(c, 0, 60), 0.02).missing).toMatch(/only 60 paired rows/);
    expect(comparePairedLatency(build(c), 0.2).missing).toMatch(/only 0 complete minutes .* of paired round trips/);
  });

  it('pools a paired and an unpaired comparison by inverse variance, either alone when the other waits', () => {
    const c = cases[0];
    const paired = comparePairedQuality('accuracy', build(c), 0.02);
    const rows = (scores: number[]) => c.labels.map((label, i) => ({ label, score: scores[i] }));
    const unpaired = compareQualityProportion(
      'accuracy',
      summarizeLabelled(rows(c.baseline), 0.5).confusion,
      summarizeLabelled(rows(c.candidate), 0.5).confusion,
      0.02,
    );
    const pooled = poolComparisons(paired, unpaired);
    expect(pooled.variance).toBeCloseTo(1 / (1 / paired.variance + 1 / unpaired.variance), 15);
    expect(pooled.variance).toBeLessThan(Math.min(paired.variance, unpaired.variance));
    expect(pooled.samples.baseline).toBe(2 * c.labels.length);
    const waiting = comparePairedQuality('accuracy', null, 0.02);
    expect(poolComparisons(waiting, unpaired)).toBe(unpaired);
    expect(poolComparisons(paired, waiting)).toBe(paired);
  });
});

// ---------------------------------------------------------------- the guardrails on paired evidence

const config = (paired: boolean): GuardrailConfig => ({
  alpha: 0.05,
  errorRate5xx: { enabled: false, tolerance: 0.005 },
  errorRate4xx: { enabled: false, tolerance: 0.01 },
  latency: { enabled: false, tolerance: 0.2 },
  quality: { accuracy: { tolerance: 0.02 }, rocAuc: { tolerance: 0.02 } },
  sampleRatio: { enabled: false },
  threshold: 0.5,
  paired,
});

/** A row both models score: a shared latent per row (how hard it is), the candidate `shift` worse in separation. */
function pairedRows(random: () => number, count: number, shift: number) {
  const z = gaussian(random);
  return Array.from({ length: count }, () => {
    const label = random() < 0.3 ? 1 : 0;
    const shared = z();
    const logit = (separation: number) => separation * (label - 0.5) + 1.2 * shared + 0.5 * z();
    return { label, baseline: 1 / (1 + Math.exp(-logit(2.5))), candidate: 1 / (1 + Math.exp(-logit(2.5 - shift))) };
  });
}

const variant = (name: string) => ({ variantName: name, invocations: 0, errors4xx: 0, errors5xx: 0, labelled: null });

/** Rows until the paired guardrails first fail (or -1), looking every `every` rows. */
function pairedRowsToFail(seed: number, shift: number, maxRows: number, every = 100): number {
  const random = seeded(seed);
  const builder = new PairedSummaryBuilder(0.5, undefined, 100);
  for (let n = every; n <= maxRows; n += every) {
    for (const r of pairedRows(random, every, shift)) builder.add(r.label, r.baseline, r.candidate);
    const out = evaluateGuardrails({
      baseline: variant('B'),
      candidate: variant('C'),
      split: { candidateWeight: 50, baselineInvocations: 0, candidateInvocations: 0 },
      config: config(true),
      paired: builder.summary(),
    });
    if (out.verdict === 'fail') return n;
  }
  return -1;
}

/** Rows (both variants together) until the unpaired guardrails first fail, on the same world split 50/50. */
function unpairedRowsToFail(seed: number, shift: number, maxRows: number): number {
  const random = seeded(seed);
  const b: { label: number; score: number }[] = [];
  const c: { label: number; score: number }[] = [];
  for (let n = 100; n <= maxRows; n += 100) {
    for (const r of pairedRows(random, 100, shift)) {
      if (random() < 0.5) b.push({ label: r.label, score: r.baseline });
      else c.push({ label: r.label, score: r.candidate });
    }
    const out = evaluateGuardrails({
      baseline: { ...variant('B'), labelled: summarizeLabelled(b, 0.5) },
      candidate: { ...variant('C'), labelled: summarizeLabelled(c, 0.5) },
      split: { candidateWeight: 50, baselineInvocations: 0, candidateInvocations: 0 },
      config: config(false),
    });
    if (out.verdict === 'fail') return n;
  }
  return -1;
}

describe('guardrails on paired probes', () => {
  it('equal models: false failures stay under alpha over 20 looks (200 seeded rollouts)', () => {
    let failed = 0;
    for (let seed = 0; seed < 200; seed++) if (pairedRowsToFail(1000 + seed, 0, 4000, 200) >= 0) failed++;
    // Two guardrails judged at 0.0245 each: the rate of either failing is at most 0.049 (+3 Monte Carlo SE).
    expect(failed / 200).toBeLessThanOrEqual(0.049 + 3 * Math.sqrt((0.049 * 0.951) / 200));
  });

  it('a worse candidate fails on fewer rows than with unpaired traffic', () => {
    const paired: number[] = [];
    const unpaired: number[] = [];
    for (let seed = 0; seed < 20; seed++) {
      paired.push(pairedRowsToFail(seed, 1.2, 20_000));
      unpaired.push(unpairedRowsToFail(seed, 1.2, 20_000));
    }
    const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[xs.length >> 1];
    expect(paired.every((n) => n > 0)).toBe(true);
    expect(unpaired.every((n) => n > 0)).toBe(true);
    expect(median(paired)).toBeLessThan(0.6 * median(unpaired));
  });

  it('judges latency on the paired round trips instead of CloudWatch periods', () => {
    const builder = new PairedSummaryBuilder(0.5);
    const z = gaussian(seeded(3));
    // 400 pairs over 8 minutes: judged on the 7 complete minutes' means (the newest may still grow).
    for (let i = 0; i < 400; i++) {
      const base = 20 * Math.exp(0.4 * z());
      const at = 1_800_000_000_000 + i * 1_200;
      builder.add(i % 3 === 0 ? 1 : 0, 0.2, 0.3, { baseline: base, candidate: base * 1.6 * Math.exp(0.05 * z()), at });
    }
    const out = evaluateGuardrails({
      baseline: variant('B'),
      candidate: variant('C'),
      split: { candidateWeight: 50, baselineInvocations: 0, candidateInvocations: 0 },
      config: { ...config(true), quality: {}, latency: { enabled: true, tolerance: 0.2 } },
      paired: builder.summary(),
    });
    const latency = out.results.find((r) => r.guardrail === 'latency')!;
    expect(latency.verdict).toBe('fail');
    expect(latency.difference!).toBeCloseTo(0.6, 1);
    expect(latency.method).toMatch(/paired probes/);
    expect(latency.reason).toMatch(/^latency \(paired round trips, geometric mean\): candidate/);
    expect(latency.samples.candidate).toBe(400);
  });

  it('batches timed round trips by minute: a merge folds all but the two newest, the comparison all but the newest', () => {
    const t0 = 1_800_000_000_000;
    const part = (from: number, to: number) => {
      const b = new PairedSummaryBuilder(0.5);
      for (let s = from; s < to; s++) {
        const slow = 1 + 0.1 * Math.floor(s / 60); // each minute its own ratio
        b.add(0, 0.2, 0.3, { baseline: 10, candidate: 10 * slow * (s % 2 ? 1.01 : 0.99), at: t0 + s * 1000 });
      }
      return b.close().summary();
    };
    // Three intervals of 150 s (minutes 0–7, the last one partial), merged in time order as the workflow does.
    const merged = [part(0, 150), part(150, 300), part(300, 450)].reduce(mergePaired);
    expect(merged.latencyMinutes!.map((m) => (m.minute - t0) / 60_000)).toEqual([6, 7]);
    expect(merged.latencyBatches!.periods).toBe(6);
    const judged = pairedLatencyBatches(merged);
    expect(judged.periods).toBe(7);
    // The batches are the minutes' mean log ratios: minute k has ratio 1 + 0.1·k, times 1.01 and 0.99 alternately.
    const wobble = (Math.log(1.01) + Math.log(0.99)) / 2;
    const expected = [0, 1, 2, 3, 4, 5, 6].map((k) => Math.log(1 + 0.1 * k) + wobble);
    expect(judged.meanLogRatio).toBeCloseTo(expected.reduce((a, b) => a + b, 0) / 7, 12);
  });

  it("batches by the spec's metric period when the builder is given it (a time-scaled spec's 1 s)", () => {
    const t0 = 1_800_000_000_000;
    const part = (from: number, to: number) => {
      const b = new PairedSummaryBuilder(0.5, undefined, undefined, 1_000);
      for (let ms = from; ms < to; ms += 100) b.add(0, 0.2, 0.3, { baseline: 10, candidate: 11, at: t0 + ms });
      return b.close().summary();
    };
    // Three intervals of 2.5 s: periods 0–7 s, the last partial; merges keep the two newest open, as with minutes.
    const merged = [part(0, 2_500), part(2_500, 5_000), part(5_000, 7_500)].reduce(mergePaired);
    expect(merged.latencyBatchMs).toBe(1_000);
    expect(merged.latencyMinutes!.map((m) => (m.minute - t0) / 1_000)).toEqual([6, 7]);
    expect(merged.latencyBatches!.periods).toBe(6);
    expect(pairedLatencyBatches(merged).periods).toBe(7);
    // Without it, the same pairs fall in one minute: nothing is complete yet.
    const minute = new PairedSummaryBuilder(0.5);
    for (let ms = 0; ms < 7_500; ms += 100) minute.add(0, 0.2, 0.3, { baseline: 10, candidate: 11, at: t0 + ms });
    expect(pairedLatencyBatches(minute.close().summary()).periods).toBe(0);
  });
});
