import reference from '../../fixtures/analysis/reference.json';
import { compareAuc, delongAuc } from '../../../src/analysis';
import { compareRocAuc as compareSummaries, MIN_AUC_CLASS } from '../../../src/analysis/delong';
import { summarizeLabelled, type ScoredRequest } from '../../../src/analysis';
import { seeded, gaussian } from '../../../bench/random';

/** The guardrail compares labelled summaries (binned scores): built here from the rows. */
const compareRocAuc = (b: ScoredRequest[], c: ScoredRequest[], tolerance: number) =>
  compareSummaries(summarizeLabelled(b, 0.5), summarizeLabelled(c, 0.5), tolerance);

interface Case {
  name: string;
  labels: number[];
  scores: number[];
  rocAuc: number | null;
  delongVariance?: number;
  bootstrapVariance?: number;
}

const withVariance = (reference.classification as Case[]).filter((c) => c.delongVariance !== undefined);
const rowsOf = (c: Case) => c.labels.map((label, i) => ({ label, score: c.scores[i] }));

describe('delongAuc', () => {
  it('has reference cases, some cross-checked by a bootstrap', () => {
    expect(withVariance.length).toBeGreaterThanOrEqual(4);
    expect(withVariance.filter((c) => c.bootstrapVariance !== undefined).length).toBeGreaterThanOrEqual(3);
  });

  it.each(withVariance.map((c) => [c.name, c] as const))(
    '%s: AUC and variance equal the O(m·n) definition computed in Python',
    (_n, c) => {
      const est = delongAuc(rowsOf(c))!;
      expect(est.auc).toBeCloseTo(c.rocAuc!, 12);
      expect(est.variance).toBeCloseTo(c.delongVariance!, 14);
      expect(est.positives + est.negatives).toBe(c.labels.length);
      if (c.bootstrapVariance !== undefined) {
        expect(Math.abs(est.variance / c.bootstrapVariance - 1)).toBeLessThan(0.15);
      }
    },
  );

  it('is null with a single class', () => {
    expect(delongAuc([{ label: 1, score: 0.2 }])).toBeNull();
    expect(delongAuc([])).toBeNull();
  });

  it('matches the spread of AUCs over many seeded samples (binormal model, AUC ≈ 0.76)', () => {
    const random = seeded(42);
    const z = gaussian(random);
    const aucs: number[] = [];
    const variances: number[] = [];
    for (let r = 0; r < 400; r++) {
      const rows = Array.from({ length: 300 }, () => {
        const label = random() < 0.3 ? 1 : 0;
        return { label, score: label + z() };
      });
      const est = delongAuc(rows)!;
      aucs.push(est.auc);
      variances.push(est.variance);
    }
    const mean = aucs.reduce((a, b) => a + b, 0) / aucs.length;
    const empirical = aucs.reduce((a, b) => a + (b - mean) ** 2, 0) / (aucs.length - 1);
    const delong = variances.reduce((a, b) => a + b, 0) / variances.length;
    expect(mean).toBeGreaterThan(0.74);
    expect(mean).toBeLessThan(0.78);
    expect(delong / empirical).toBeGreaterThan(0.8);
    expect(delong / empirical).toBeLessThan(1.25);
  });
});

describe('compareAuc and the rocAuc guardrail comparison', () => {
  const random = seeded(9);
  const z = gaussian(random);
  const sample = (n: number, separation: number) =>
    Array.from({ length: n }, () => {
      const label = random() < 0.4 ? 1 : 0;
      return { label, score: separation * label + z() };
    });

  it('adds the two independent variances and reports baseline − candidate', () => {
    const b = sample(500, 1.5);
    const c = sample(500, 1.0);
    const cmp = compareAuc(b, c)!;
    expect(cmp.difference).toBeCloseTo(cmp.baseline.auc - cmp.candidate.auc, 15);
    expect(cmp.variance).toBeCloseTo(cmp.baseline.variance + cmp.candidate.variance, 15);
    expect(cmp.difference).toBeGreaterThan(0);
  });

  it('waits for enough of each class on each variant', () => {
    const rare = Array.from({ length: 500 }, (_, i) => ({ label: i < MIN_AUC_CLASS - 1 ? 1 : 0, score: i }));
    const cmp = compareRocAuc(sample(500, 1), rare, 0.02);
    expect(cmp.missing).toMatch(/candidate's labelled requests have 29 positives/);
    expect(compareRocAuc([], sample(500, 1), 0.02).missing).toMatch(/no labelled requests on the baseline/);
  });

  it('floors the variance of perfectly separated samples at one pair', () => {
    const perfect = Array.from({ length: 200 }, (_, i) => ({ label: i % 2, score: (i % 2) + i / 1000 }));
    expect(delongAuc(perfect)!.variance).toBe(0);
    const cmp = compareRocAuc(perfect, perfect, 0.02);
    expect(cmp.variance).toBeCloseTo(2 / (100 * 100), 15);
  });
});
