// The aws profile's CloudWatch, driven on a virtual clock: SageMaker's samples per instance and minute, the publish
// lag and late samples, statistic sets and percentiles, and CloudWatch's Period/StartTime rules.
import {
  isValidAlarmPeriod,
  isValidQueryPeriod,
  periodServesStart,
  roundedStart,
} from '../../../src/emulator/cloudwatch-periods';
import { resolveCloudWatch } from '../../../src/emulator/data-plane-settings';
import { Rng } from '../../../src/emulator/faults';
import { Digest, MetricStore, parseStat, sortDimensions } from '../../../src/emulator/metrics';
import { SageMakerMetricsPublisher } from '../../../src/emulator/sagemaker-metrics';

const DIMS = sortDimensions([
  { Name: 'VariantName', Value: 'A' },
  { Name: 'EndpointName', Value: 'ep' },
]);
const T0 = 1_800_000_000_000; // a minute boundary (epoch ms, divisible by 60 000)

function setup(settings: Parameters<typeof resolveCloudWatch>[0]['cloudwatch'], seed = 5) {
  const cw = resolveCloudWatch({ profile: 'aws', cloudwatch: settings });
  const store = new MetricStore(3600, 6 * 3600);
  const publisher = new SageMakerMetricsPublisher(cw, new Rng(seed), () => store);
  const invoke = (atMs: number, instances: number, latencyUs: number) =>
    publisher.record('r', store, DIMS, 'ep/A', instances, atMs, [1, 0, 0, latencyUs, 100, 1 / instances]);
  const read = (metric: string, statName: string, period = 60) =>
    store.query(
      store.find('AWS/SageMaker', metric, DIMS),
      T0 / 1000 - 600,
      T0 / 1000 + 600,
      period,
      parseStat(statName)!,
    );
  return { cw, store, publisher, invoke, read };
}

describe('SageMaker metrics publisher', () => {
  test('a minute appears only after it ends plus the lag; late samples make it grow; idle minutes have no datapoint', () => {
    const { publisher, invoke, read } = setup({
      publishLagSeconds: { min: 90, max: 90 },
      lateSamples: { share: 0.3, withinSeconds: 120 },
    });
    for (let i = 0; i < 200; i++) invoke(T0 + i * 250, 1, 4000 + (i % 7)); // minute T0: 200 requests in 50 s
    expect(read('Invocations', 'Sum')).toEqual([]);
    publisher.deliverDue(T0 + 60_000 + 89_000); // ended, lag not over
    expect(read('Invocations', 'Sum')).toEqual([]);
    publisher.deliverDue(T0 + 60_000 + 90_000);
    const first = read('Invocations', 'Sum');
    expect(first).toHaveLength(1);
    expect(first[0].timestamp).toBe(T0 / 1000);
    expect(first[0].value).toBeGreaterThan(100); // ~70% arrive first
    expect(first[0].value).toBeLessThan(180);
    publisher.deliverDue(T0 + 60_000 + 90_000 + 120_000);
    expect(read('Invocations', 'Sum')).toEqual([{ timestamp: T0 / 1000, value: 200 }]);
    expect(publisher.pending).toBe(0);
    // The minute before and after had no traffic: no datapoint at all, not a zero.
    expect(read('Invocations', 'SampleCount').map((p) => p.timestamp)).toEqual([T0 / 1000]);
  });

  test('each instance publishes on its own schedule; InvocationsPerInstance is 1/instances per request', () => {
    const { publisher, invoke, read } = setup({
      publishLagSeconds: { min: 0, max: 120 },
      lateSamples: { share: 0, withinSeconds: 0 },
    });
    for (let i = 0; i < 300; i++) invoke(T0 + i * 100, 3, 4000);
    const seen: number[] = [];
    for (let t = T0 + 60_000; t <= T0 + 60_000 + 120_000; t += 1000) {
      publisher.deliverDue(t);
      const sum = read('Invocations', 'Sum')[0]?.value ?? 0;
      if (seen.at(-1) !== sum) seen.push(sum);
    }
    // Three instances, three separate arrivals (0 → a → a+b → 300).
    expect(seen).toHaveLength(4);
    expect(seen.at(-1)).toBe(300);
    expect(read('InvocationsPerInstance', 'Sum')[0].value).toBeCloseTo(100, 9);
  });

  test('statistic sets: ModelLatency has Average/Sum/Min/Max/SampleCount but no percentile; "values" has them', () => {
    const noLate = { publishLagSeconds: { min: 1, max: 1 }, lateSamples: { share: 0, withinSeconds: 0 } };
    const sets = setup(noLate);
    const values = setup({ ...noLate, sageMakerSamples: 'values' });
    for (const s of [sets, values]) {
      for (let i = 0; i < 10; i++) s.invoke(T0 + i * 1000, 1, 1000 * (i + 1));
      s.publisher.deliverDue(T0 + 61_001);
      expect(s.read('ModelLatency', 'SampleCount')[0].value).toBe(10);
      expect(s.read('ModelLatency', 'Average')[0].value).toBe(5500);
      expect(s.read('ModelLatency', 'Minimum')[0].value).toBe(1000);
      expect(s.read('ModelLatency', 'Maximum')[0].value).toBe(10000);
    }
    expect(sets.read('ModelLatency', 'p50')).toEqual([]);
    expect(values.read('ModelLatency', 'p50')).toEqual([{ timestamp: T0 / 1000, value: 5000 }]);
    // A set CloudWatch can read as values (Min = Max) keeps its percentiles: every Invocation5XXErrors sample is 0.
    expect(sets.read('Invocation5XXErrors', 'p99')).toEqual([{ timestamp: T0 / 1000, value: 0 }]);
  });

  test('a sub-minute period sees a minute only in the period that holds its start', () => {
    const { publisher, invoke, read } = setup({
      publishLagSeconds: { min: 0, max: 0 },
      lateSamples: { share: 0, withinSeconds: 0 },
    });
    for (let i = 0; i < 60; i++) invoke(T0 + i * 1000, 1, 4000);
    publisher.deliverDue(T0 + 60_000);
    expect(read('Invocations', 'Sum', 30)).toEqual([{ timestamp: T0 / 1000, value: 60 }]);
  });
});

describe('a statistic set is its values when SampleCount is 1 or Min = Max', () => {
  test.each([
    [1, 7, 7, 7, 7],
    [4, 20, 5, 5, 5],
    [3, 12, 2, 6, undefined],
  ])('count %d sum %d min %d max %d → p50 %s', (count, sum, min, max, p50) => {
    const d = new Digest();
    d.addStatisticSet(count, sum, min, max);
    expect(d.percentile(50)).toBe(p50);
    expect(d.count).toBe(count);
    expect(d.sum).toBe(sum);
  });
});

describe("CloudWatch's period rules (aws profile)", () => {
  const aws = resolveCloudWatch({ profile: 'aws' });
  const scaled = resolveCloudWatch({ profile: 'aws', timeScale: 0.05 });

  test('valid query periods: 1, 5, 10, 20, 30 and multiples of 60 (and of the scaled minute under a time scale)', () => {
    expect([1, 5, 10, 20, 30, 60, 120, 300, 3600].every((p) => isValidQueryPeriod(p, aws))).toBe(true);
    expect([2, 3, 15, 45, 90, 100].some((p) => isValidQueryPeriod(p, aws))).toBe(false);
    expect(scaled.resolutionSeconds).toBe(3);
    expect(isValidQueryPeriod(3, scaled)).toBe(true);
    expect(isValidQueryPeriod(7, scaled)).toBe(false);
    expect(isValidAlarmPeriod(10, aws)).toBe(true);
    expect(isValidAlarmPeriod(5, aws)).toBe(false);
  });

  test('StartTime older than 3 h needs a multiple of 60, 15 d of 300, 63 d of 3600', () => {
    const now = T0 / 1000;
    expect(periodServesStart(30, now - 2 * 3600, now, aws)).toBe(true);
    expect(periodServesStart(30, now - 4 * 3600, now, aws)).toBe(false);
    expect(periodServesStart(60, now - 4 * 3600, now, aws)).toBe(true);
    expect(periodServesStart(60, now - 20 * 86400, now, aws)).toBe(false);
    expect(periodServesStart(300, now - 20 * 86400, now, aws)).toBe(true);
    expect(periodServesStart(300, now - 70 * 86400, now, aws)).toBe(false);
    expect(periodServesStart(3600, now - 70 * 86400, now, aws)).toBe(true);
  });

  test('StartTime is rounded down to the minute (5-minute, hour when old), or to the 5–30 s division', () => {
    const now = T0 / 1000;
    const t = now - 600 + 34; // hh:mm:34
    expect(roundedStart(t, 300, now, aws)).toBe(now - 600);
    expect(roundedStart(t, 10, now, aws)).toBe(now - 600 + 30);
    expect(roundedStart(t, 1, now, aws)).toBe(t);
    const old = now - 20 * 86400 + 7 * 60 + 34;
    expect(roundedStart(old, 300, now, aws)).toBe(now - 20 * 86400 + 5 * 60);
  });
});
