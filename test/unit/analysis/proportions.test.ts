import { confusionOf, toArrays } from '../../../src/analysis/classification';
import {
  adjustedVariance,
  compareErrorRates,
  compareQualityProportion,
  f1Variance,
  MIN_INVOCATIONS,
} from '../../../src/analysis/proportions';
import { labelledRows } from './evidence';

describe('error-rate comparison', () => {
  it('is candidate − baseline with Agresti–Caffo variances', () => {
    const cmp = compareErrorRates(
      'errorRate5xx',
      { errors: 10, invocations: 1000 },
      { errors: 25, invocations: 500 },
      0.005,
    );
    expect(cmp.estimate).toBeCloseTo(0.05 - 0.01, 15);
    expect(cmp.variance).toBeCloseTo(((11 / 1002) * (991 / 1002)) / 1002 + ((26 / 502) * (476 / 502)) / 502, 15);
    expect(cmp.baseline).toBe(0.01);
    expect(cmp.candidate).toBe(0.05);
  });

  it('gives zero errors a non-zero variance and clamps impossible counts', () => {
    expect(adjustedVariance(0, 1000)).toBeGreaterThan(0);
    const cmp = compareErrorRates(
      'errorRate4xx',
      { errors: 5, invocations: 200 },
      { errors: 900, invocations: 300 },
      0.01,
    );
    expect(cmp.candidate).toBe(1);
    expect(cmp.estimate).toBeCloseTo(1 - 0.025, 15);
  });

  it(`waits for ${MIN_INVOCATIONS} invocations on each variant`, () => {
    const cmp = compareErrorRates(
      'errorRate5xx',
      { errors: 0, invocations: 5000 },
      { errors: 0, invocations: 99 },
      0.005,
    );
    expect(cmp.missing).toBe('only 99 candidate invocations so far (need 100 on each variant)');
  });
});

describe('quality proportions', () => {
  const rows = labelledRows(2000, { seed: 4 });
  const c = confusionOf(toArrays(rows), 0.5);

  it('uses predicted positives for precision and actual positives for recall', () => {
    const worse = confusionOf(toArrays(labelledRows(2000, { seed: 5, separation: 1 })), 0.5);
    const precision = compareQualityProportion('precision', c, worse, 0.03);
    expect(precision.estimate).toBeCloseTo(c.tp / (c.tp + c.fp) - worse.tp / (worse.tp + worse.fp), 15);
    expect(precision.variance).toBeCloseTo(
      adjustedVariance(c.tp, c.tp + c.fp) + adjustedVariance(worse.tp, worse.tp + worse.fp),
      15,
    );
    const recall = compareQualityProportion('recall', c, worse, 0.03);
    expect(recall.estimate).toBeCloseTo(c.tp / (c.tp + c.fn) - worse.tp / (worse.tp + worse.fn), 15);
  });

  it('F1 delta-method variance matches the spread of F1 over seeded resamples', () => {
    const f1s: number[] = [];
    const variances: number[] = [];
    for (let seed = 100; seed < 500; seed++) {
      const conf = confusionOf(toArrays(labelledRows(1000, { seed, separation: 1.5 })), 0.5);
      f1s.push((2 * conf.tp) / (2 * conf.tp + conf.fp + conf.fn));
      variances.push(f1Variance(conf));
    }
    const mean = f1s.reduce((a, b) => a + b, 0) / f1s.length;
    const empirical = f1s.reduce((a, b) => a + (b - mean) ** 2, 0) / (f1s.length - 1);
    const delta = variances.reduce((a, b) => a + b, 0) / variances.length;
    expect(delta / empirical).toBeGreaterThan(0.8);
    expect(delta / empirical).toBeLessThan(1.25);
  });

  it('waits for enough predicted positives before judging precision', () => {
    const none = confusionOf(toArrays(rows), 0.999);
    const cmp = compareQualityProportion('precision', c, none, 0.03);
    expect(cmp.missing).toMatch(/predicted positives so far \(need 30 on each variant\)/);
    expect(compareQualityProportion('accuracy', null, c, 0.02).missing).toMatch(/no labelled requests on the baseline/);
  });
});
