// Labelled summaries (src/analysis/labelled-summary.ts): the binned AUC and its DeLong variance against scikit-learn
// and the O(m·n) definition on the binned scores (test/fixtures/analysis/binned.json, scripts/analysis-reference.py),
// the exact confusion metrics, the bound on the binned AUC's distance from the raw one, merging, and size.
import fixture from '../../fixtures/analysis/binned.json';
import { rocAuc } from '../../../src/analysis';
import {
  aucBinningBound,
  binnedAuc,
  binnedRocCurve,
  classificationMetricsOf,
  emptyLabelledSummary,
  LabelledSummaryBuilder,
  mergeLabelled,
  scoreBin,
  summarizeLabelled,
} from '../../../src/analysis/labelled-summary';
import type { LabelledSummary, ScoredRequest } from '../../../src/analysis';
import { labelledRows } from './evidence';
import { seeded } from '../../../bench/random';

interface Case {
  name: string;
  labels: number[];
  scores: number[];
  bins: number[];
  threshold: number;
  accuracy: number;
  precision: number;
  recall: number;
  f1: number;
  binnedAuc: number;
  binnedDelongVariance: number;
  binnedRocCurve: { fpr: number[]; tpr: number[]; thresholds: number[] };
  rawAuc: number;
  bound: number;
}

const cases = fixture.cases as Case[];
const rowsOf = (c: Case): ScoredRequest[] => c.labels.map((label, i) => ({ label, score: c.scores[i] }));

function expectClose(actual: number[], expected: number[], digits = 12) {
  expect(actual).toHaveLength(expected.length);
  actual.forEach((a, i) => expect(a).toBeCloseTo(expected[i], digits));
}

describe('a labelled summary matches scikit-learn on the binned scores (binned.json)', () => {
  it('covers continuous, imbalanced, coarse, out-of-range, bin-edge and separated scores', () => {
    expect(cases.map((c) => c.name)).toEqual(['continuous', 'imbalanced', 'coarse', 'margins', 'edges', 'separated']);
  });

  it.each(cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    // The bins are Python's, double for double (the edge case puts scores on k + ½ thousandths).
    expect(c.scores.map((s) => scoreBin(s))).toEqual(c.bins);
    const s = summarizeLabelled(rowsOf(c), c.threshold);
    expect(s.rows).toBe(c.labels.length);
    expect(s.positives).toBe(c.labels.filter((l) => l === 1).length);
    expect(s.clamped).toBe(c.scores.filter((x) => x < 0 || x > 1).length);
    const m = classificationMetricsOf(s)!;
    // Confusion metrics are exact (raw scores), not binned.
    expect(m.accuracy).toBeCloseTo(c.accuracy, 12);
    expect(m.precision).toBeCloseTo(c.precision, 12);
    expect(m.recall).toBeCloseTo(c.recall, 12);
    expect(m.f1).toBeCloseTo(c.f1, 12);
    // AUC and DeLong variance exact for the binned scores.
    const auc = binnedAuc(s)!;
    expect(auc.auc).toBeCloseTo(c.binnedAuc, 12);
    expect(m.rocAuc).toBe(auc.auc);
    expect(auc.variance).toBeCloseTo(c.binnedDelongVariance, 14);
    if (c.binnedDelongVariance > 0) expect(Math.abs(auc.variance / c.binnedDelongVariance - 1)).toBeLessThan(1e-9);
    else expect(auc.variance).toBe(0);
    const curve = binnedRocCurve(s);
    expectClose(curve.fpr, c.binnedRocCurve.fpr);
    expectClose(curve.tpr, c.binnedRocCurve.tpr);
    expectClose(curve.thresholds, c.binnedRocCurve.thresholds);
    // The stated bound holds against the raw scores' AUC, and is the script's.
    const bound = aucBinningBound(s)!;
    expect(bound).toBeCloseTo(c.bound, 15);
    expect(rocAuc(rowsOf(c))!).toBeCloseTo(c.rawAuc, 12);
    expect(Math.abs(c.rawAuc - auc.auc)).toBeLessThanOrEqual(bound + 1e-15);
  });

  it('on scores already on the grid the binned AUC is the raw one', () => {
    const coarse = cases.find((c) => c.name === 'coarse')!;
    expect(binnedAuc(summarizeLabelled(rowsOf(coarse), 0.5))!.auc).toBeCloseTo(coarse.rawAuc, 14);
  });
});

describe('the binning bound', () => {
  it('holds on many seeded samples of continuous scores, and stays far under the AUC tolerance', () => {
    for (let seed = 1; seed <= 20; seed++) {
      const rows = labelledRows(5_000, { seed, separation: 1 + seed / 10 });
      const s = summarizeLabelled(rows, 0.5);
      const bound = aucBinningBound(s)!;
      expect(Math.abs(rocAuc(rows)! - binnedAuc(s)!.auc)).toBeLessThanOrEqual(bound + 1e-15);
      expect(bound).toBeLessThan(0.001);
    }
  });

  it('is null with one class, and 0 when no bin holds both classes', () => {
    expect(aucBinningBound(summarizeLabelled([{ label: 1, score: 0.3 }], 0.5))).toBeNull();
    const apart = summarizeLabelled(
      [
        { label: 0, score: 0.1 },
        { label: 1, score: 0.9 },
      ],
      0.5,
    );
    expect(aucBinningBound(apart)).toBe(0);
  });
});

describe('merging', () => {
  const rows = labelledRows(6_000, { seed: 7 });
  const whole = summarizeLabelled(rows, 0.5);

  it('is additive: the parts merged in any grouping and order give the whole', () => {
    const random = seeded(5);
    const parts: ScoredRequest[][] = [[], [], []];
    for (const row of rows) parts[Math.floor(random() * 3)].push(row);
    const [a, b, c] = parts.map((p) => summarizeLabelled(p, 0.5));
    expect(mergeLabelled(mergeLabelled(a, b), c)).toEqual(whole);
    expect(mergeLabelled(a, mergeLabelled(b, c))).toEqual(whole);
    expect(mergeLabelled(c, mergeLabelled(a, b))).toEqual(whole);
    expect(mergeLabelled(whole, emptyLabelledSummary(0.5))).toEqual(whole);
    expect(new LabelledSummaryBuilder(0.5).addSummary(a).addSummary(b).addSummary(c).summary()).toEqual(whole);
  });

  it('refuses summaries at another threshold', () => {
    expect(() => mergeLabelled(whole, emptyLabelledSummary(0.7))).toThrow(RangeError);
    expect(() => new LabelledSummaryBuilder(0.7).addSummary(whole)).toThrow(/threshold 0.7/);
  });

  it('survives a JSON round trip (workflow state, heartbeats)', () => {
    const copy = JSON.parse(JSON.stringify(whole)) as LabelledSummary;
    expect(copy).toEqual(whole);
    expect(mergeLabelled(copy, copy).rows).toBe(2 * rows.length);
  });
});

describe('size and edge cases', () => {
  it('stays small however many rows it holds: at most 1,001 bins per class', () => {
    const random = seeded(3);
    const builder = new LabelledSummaryBuilder(0.5);
    for (let i = 0; i < 1_000_000; i++) builder.add(random() < 0.3 ? 1 : 0, random());
    const s = builder.summary();
    expect(s.rows).toBe(1_000_000);
    expect(s.histogram.positive.bins.length).toBe(1001);
    expect(JSON.stringify(s).length).toBeLessThan(30_000);
    expect(JSON.stringify(summarizeLabelled(labelledRows(500, { seed: 1 }), 0.5)).length).toBeLessThan(8_000);
  });

  it('leaves out rows with a label or score that is not finite, and counts scores outside [0, 1] in the end bins', () => {
    const s = summarizeLabelled(
      [
        { label: 1, score: 1.7 },
        { label: 0, score: -0.2 },
        { label: 1, score: NaN },
        { label: NaN, score: 0.4 },
        { label: 0, score: Infinity },
      ],
      0.5,
    );
    expect(s.rows).toBe(2);
    expect(s.clamped).toBe(2);
    expect(s.histogram).toEqual({
      positive: { bins: [1000], counts: [1] },
      negative: { bins: [0], counts: [1] },
    });
    expect(s.confusion).toEqual({ tp: 1, fp: 0, fn: 0, tn: 1 });
  });

  it('gives no metrics for no rows and no AUC or curve with one class', () => {
    expect(classificationMetricsOf(emptyLabelledSummary(0.5))).toBeNull();
    expect(classificationMetricsOf(null)).toBeNull();
    const one = classificationMetricsOf(summarizeLabelled(labelledRows(200, { seed: 2, positiveRate: 0 }), 0.5))!;
    expect(one.n).toBe(200);
    expect(one.rocAuc).toBeNull();
    expect(one.rocCurve).toBeNull();
    expect(binnedRocCurve(emptyLabelledSummary(0.5))).toEqual({ fpr: [], tpr: [], thresholds: [] });
  });

  it('thins the curve when asked, keeping both ends', () => {
    const m = classificationMetricsOf(summarizeLabelled(labelledRows(20_000, { seed: 4 }), 0.5), {
      maxCurvePoints: 101,
    })!;
    expect(m.rocCurve!.fpr.length).toBeLessThanOrEqual(101);
    expect(m.rocCurve!.fpr[0]).toBe(0);
    expect(m.rocCurve!.tpr[m.rocCurve!.tpr.length - 1]).toBe(1);
  });
});
