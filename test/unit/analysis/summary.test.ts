import { summarizeLabelled, summarizeVariant } from '../../../src/analysis';
import { SUMMARY_CURVE_POINTS } from '../../../src/analysis/summary';
import { evidenceOf, labelledRows, variant } from './evidence';

describe('summarizeVariant', () => {
  it('gives rates, sample-count-weighted percentiles in ms, and quality of the labelled rows', () => {
    const raw = variant('Challenger', {
      invocations: 2000,
      errors5xx: 20,
      errors4xx: 4,
      latency: [
        { timestamp: 0, sampleCount: 100, average: 12_000, p50: 10_000, p99: 40_000 },
        { timestamp: 60_000, sampleCount: 300, average: 16_000, p50: 14_000, p99: 60_000 },
      ],
      labelled: labelledRows(5000, { seed: 1 }),
    });
    const s = summarizeVariant({
      ...evidenceOf(raw, 0.5),
      latency: raw.latency,
      invocationsByPeriod: [{ timestamp: 0, count: 2000 }],
    });
    expect(s.variantName).toBe('Challenger');
    expect(s.errorRate5xx).toBe(0.01);
    expect(s.errorRate4xx).toBe(0.002);
    expect(s.latencyP50Ms).toBeCloseTo((100 * 10 + 300 * 14) / 400, 12);
    expect(s.latencyP99Ms).toBeCloseTo((100 * 40 + 300 * 60) / 400, 12);
    expect(s.quality!.n).toBe(5000);
    expect(s.quality!.threshold).toBe(0.5);
    expect(s.quality!.accuracy).toBeGreaterThan(0.7);
    expect(s.quality!.rocCurve!.fpr.length).toBeLessThanOrEqual(SUMMARY_CURVE_POINTS);
    expect(JSON.stringify(s).length).toBeLessThan(12_000);
  });

  it('is null where nothing is known yet', () => {
    const raw = variant('Champion', { latency: [{ timestamp: 0, sampleCount: 5, average: 1 }] });
    const s = summarizeVariant({ ...evidenceOf(raw, 0.5), latency: raw.latency });
    expect(
      summarizeVariant({ ...evidenceOf(raw, 0.5), latency: [], labelled: summarizeLabelled([], 0.5) }).quality,
    ).toBeNull();
    expect(s).toEqual({
      variantName: 'Champion',
      invocations: 0,
      errorRate5xx: null,
      errorRate4xx: null,
      latencyP50Ms: null,
      latencyP99Ms: null,
      latencyMeanMs: 0.001, // the period's Average (1 µs): all CloudWatch has without percentiles
      quality: null,
    });
  });
});
