import reference from '../../fixtures/analysis/reference.json';
import { classificationMetrics, rocAuc, rocCurve } from '../../../src/analysis';
import type { ScoredRequest } from '../../../src/analysis';
import { seeded } from '../../../bench/random';

interface Case {
  name: string;
  labels: number[];
  scores: number[];
  threshold: number;
  accuracy: number;
  precision: number;
  recall: number;
  f1: number;
  rocAuc: number | null;
  rocCurve: { fpr: number[]; tpr: number[]; thresholds: number[] } | null;
}

const cases = reference.classification as Case[];
const rowsOf = (c: Case): ScoredRequest[] => c.labels.map((label, i) => ({ label, score: c.scores[i] }));

function expectClose(actual: number[], expected: number[], digits = 12) {
  expect(actual).toHaveLength(expected.length);
  actual.forEach((a, i) => expect(a).toBeCloseTo(expected[i], digits));
}

describe('classificationMetrics matches scikit-learn 1.2.1 (reference.json)', () => {
  it('covers ties, imbalance, separation, zero division and single-class data', () => {
    expect(new Set(cases.map((c) => c.name))).toEqual(
      new Set([
        'sklearn_doc',
        'ties',
        'imbalanced',
        'separated',
        'no_predicted_positive',
        'all_positive',
        'all_negative',
      ]),
    );
  });

  it.each(cases.map((c) => [`${c.name} @ ${c.threshold}`, c] as const))('%s', (_name, c) => {
    const m = classificationMetrics(rowsOf(c), c.threshold)!;
    expect(m.n).toBe(c.labels.length);
    expect(m.positives).toBe(c.labels.filter((l) => l === 1).length);
    expect(m.accuracy).toBeCloseTo(c.accuracy, 12);
    expect(m.precision).toBeCloseTo(c.precision, 12);
    expect(m.recall).toBeCloseTo(c.recall, 12);
    expect(m.f1).toBeCloseTo(c.f1, 12);
    if (c.rocAuc === null) {
      expect(m.rocAuc).toBeNull();
      expect(m.rocCurve).toBeNull();
    } else {
      expect(m.rocAuc).toBeCloseTo(c.rocAuc, 12);
      expectClose(m.rocCurve!.fpr, c.rocCurve!.fpr);
      expectClose(m.rocCurve!.tpr, c.rocCurve!.tpr);
      expectClose(m.rocCurve!.thresholds, c.rocCurve!.thresholds);
    }
  });

  it('rocCurve and rocAuc alone agree with the reference, and are empty/null with one class', () => {
    for (const c of cases) {
      const curve = rocCurve(rowsOf(c));
      if (c.rocCurve === null) {
        expect(curve).toEqual({ fpr: [], tpr: [], thresholds: [] });
        expect(rocAuc(rowsOf(c))).toBeNull();
      } else {
        expectClose(curve.fpr, c.rocCurve.fpr);
        expect(rocAuc(rowsOf(c))).toBeCloseTo(c.rocAuc!, 12);
      }
    }
  });
});

describe('classificationMetrics edge cases', () => {
  it('is null for no rows and for rows that are all unusable', () => {
    expect(classificationMetrics([], 0.5)).toBeNull();
    expect(classificationMetrics([{ label: 1, score: NaN }], 0.5)).toBeNull();
  });

  it('leaves out rows with a non-finite score or label, and returns no NaN', () => {
    const rows = [
      { label: 1, score: 0.9 },
      { label: 0, score: 0.1 },
      { label: 1, score: NaN },
      { label: NaN, score: 0.4 },
      { label: 0, score: Infinity },
    ];
    const m = classificationMetrics(rows, 0.5)!;
    expect(m.n).toBe(2);
    expect(m.accuracy).toBe(1);
    expect(m.rocAuc).toBe(1);
    for (const v of [m.accuracy, m.precision, m.recall, m.f1, m.rocAuc!, ...m.rocCurve!.fpr, ...m.rocCurve!.tpr]) {
      expect(Number.isFinite(v)).toBe(true);
    }
  });

  it('gives AUC 0.5 when every score is tied', () => {
    const rows = Array.from({ length: 40 }, (_, i) => ({ label: i % 3 === 0 ? 1 : 0, score: 0.7 }));
    expect(rocAuc(rows)).toBe(0.5);
    expect(rocCurve(rows)).toEqual({ fpr: [0, 1], tpr: [0, 1], thresholds: [1.7, 0.7] });
  });

  it('AUC does not change under a strictly increasing transform of the scores, and flips under a decreasing one', () => {
    const random = seeded(3);
    const rows = Array.from({ length: 300 }, () => {
      const label = random() < 0.3 ? 1 : 0;
      return { label, score: Math.round((label * 0.3 + random()) * 20) / 20 };
    });
    const auc = rocAuc(rows)!;
    expect(rocAuc(rows.map((r) => ({ ...r, score: Math.exp(3 * r.score) })))!).toBeCloseTo(auc, 12);
    expect(rocAuc(rows.map((r) => ({ ...r, score: -r.score })))!).toBeCloseTo(1 - auc, 12);
  });

  it('thins the curve when asked, keeping both ends', () => {
    const random = seeded(11);
    const rows = Array.from({ length: 5000 }, () => ({ label: random() < 0.4 ? 1 : 0, score: random() }));
    const full = classificationMetrics(rows, 0.5)!.rocCurve!;
    const thin = classificationMetrics(rows, 0.5, { maxCurvePoints: 101 })!.rocCurve!;
    expect(full.fpr.length).toBeGreaterThan(1000);
    expect(thin.fpr.length).toBeLessThanOrEqual(101);
    expect(thin.fpr[0]).toBe(0);
    expect(thin.fpr[thin.fpr.length - 1]).toBe(1);
    expect(thin.tpr[thin.tpr.length - 1]).toBe(1);
    for (let i = 1; i < thin.fpr.length; i++) expect(thin.fpr[i]).toBeGreaterThanOrEqual(thin.fpr[i - 1]);
  });

  it('handles 200,000 labelled requests quickly', () => {
    const random = seeded(5);
    const rows = Array.from({ length: 200_000 }, () => {
      const label = random() < 0.2 ? 1 : 0;
      return { label, score: label * 0.2 + random() };
    });
    const started = process.hrtime.bigint();
    const m = classificationMetrics(rows, 0.5)!;
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    expect(m.rocAuc!).toBeGreaterThan(0.6);
    expect(ms).toBeLessThan(2000);
  });
});
