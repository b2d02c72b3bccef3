// CloudWatch evidence folds each period once, and only once it has settled: a minute still being published (one
// variant's half there, the other's not yet) never reaches the guardrails, however the evaluations fall.
import type { LatencyPeriod } from '../../../src/analysis';
import { foldLatencyPeriod, NO_LATENCY_PERIODS } from '../../../src/analysis';
import type { MetricPeriod, VariantMetrics } from '../../../src/activities';
import {
  aggregatePeriod,
  firstPeriodOfStep,
  foldSettledPeriods,
  settledBefore,
  startOfEvidence,
  startStep,
  type CloudWatchEvidence,
} from '../../../src/workflows/cloudwatch-evidence';

const MINUTE = 60_000;
const names = { baseline: 'Champion', candidate: 'Challenger' };

function period(minute: number, invocations: number, errors5xx = 0, p50 = 4000): MetricPeriod {
  const latency: LatencyPeriod = {
    timestamp: minute * MINUTE,
    sampleCount: invocations,
    average: p50,
    p50,
    p99: 2 * p50,
  };
  return { timestamp: minute * MINUTE, invocations, errors4xx: 0, errors5xx, latency };
}

function empty(foldedUntil: number): CloudWatchEvidence {
  return { foldedUntil, totals: {}, step: {}, stepLatency: {}, latency: NO_LATENCY_PERIODS };
}

const variants = (b: MetricPeriod[], c: MetricPeriod[]): VariantMetrics[] => [
  { variantName: 'Champion', periods: b },
  { variantName: 'Challenger', periods: c },
];

test('a period is settled only when it ended at least the settle delay ago', () => {
  // At 10:04:30 with a 3-minute settle delay, the minute 10:01 ended at 10:02 (2.5 min ago): not settled yet.
  const now = 10 * 60 * MINUTE + 4.5 * MINUTE;
  expect(settledBefore(now, 3 * MINUTE, MINUTE)).toBe(10 * 60 * MINUTE + 1 * MINUTE);
  expect(settledBefore(now, 0, MINUTE)).toBe(10 * 60 * MINUTE + 4 * MINUTE);
  expect(startOfEvidence(10 * 60 * MINUTE + 30_000, MINUTE)).toBe(10 * 60 * MINUTE);
  expect(firstPeriodOfStep(10 * 60 * MINUTE + 30_000, MINUTE)).toBe(10 * 60 * MINUTE + MINUTE);
  expect(firstPeriodOfStep(10 * 60 * MINUTE, MINUTE)).toBe(10 * 60 * MINUTE);
});

test('only the settled window is folded, each period once, however often it is read', () => {
  const b = [period(0, 100), period(1, 100, 1), period(2, 100), period(3, 40)];
  const c = [period(0, 100), period(1, 100, 2), period(2, 100), period(3, 5)];
  // Until minute 3 (minute 3 still publishing: 40 vs 5 would look like a sample-ratio mismatch).
  let e = foldSettledPeriods(empty(0), variants(b, c), names, 3 * MINUTE, 0);
  expect(e.foldedUntil).toBe(3 * MINUTE);
  expect(e.totals.Champion).toEqual({ invocations: 300, errors4xx: 0, errors5xx: 1 });
  expect(e.totals.Challenger).toEqual({ invocations: 300, errors4xx: 0, errors5xx: 2 });
  expect(e.step.Challenger.invocations).toBe(300);
  expect(e.latency.periods).toBe(3);
  // Read again with the same (or older) cut: nothing changes.
  expect(foldSettledPeriods(e, variants(b, c), names, 3 * MINUTE, 0)).toBe(e);
  expect(foldSettledPeriods(e, variants(b, c), names, 2 * MINUTE, 0)).toBe(e);
  // Minute 3, once settled, grew to its final counts; periods already folded that CloudWatch returns again are ignored.
  const b3 = [...b.slice(0, 3), period(3, 100)];
  const c3 = [...c.slice(0, 3), period(3, 100)];
  e = foldSettledPeriods(e, variants(b3, c3), names, 4 * MINUTE, 0);
  expect(e.totals.Champion.invocations).toBe(400);
  expect(e.totals.Challenger.invocations).toBe(400);
  expect(e.latency.periods).toBe(4);
});

test("latency pairs the variants' same periods; a period only one variant reports adds to its counts alone", () => {
  const b = [period(0, 100, 0, 4000), period(1, 100, 0, 4000)];
  const c = [period(0, 100, 0, 4400), period(2, 100, 0, 4400)];
  const e = foldSettledPeriods(empty(0), variants(b, c), names, 3 * MINUTE, 0);
  expect(e.latency).toEqual(foldLatencyPeriod(NO_LATENCY_PERIODS, b[0].latency!, c[0].latency!));
  expect(e.totals.Challenger.invocations).toBe(200);
  // No baseline (a first deployment): counts only.
  const alone = foldSettledPeriods(
    empty(0),
    variants([], c),
    { baseline: null, candidate: 'Challenger' },
    3 * MINUTE,
    0,
  );
  expect(alone.latency.periods).toBe(0);
  expect(alone.totals.Challenger.invocations).toBe(200);
});

test('a step counts only the periods wholly inside it; the totals keep everything since the candidate went live', () => {
  const b = [period(0, 50), period(1, 50), period(2, 25), period(3, 25)];
  const c = [period(0, 50), period(1, 50), period(2, 75), period(3, 75)];
  let e = foldSettledPeriods(empty(0), variants(b.slice(0, 1), c.slice(0, 1)), names, 1 * MINUTE, 0);
  // The weights moved at 1:30: minute 1 is mixed, the step's first whole period is minute 2.
  e = startStep(e);
  e = foldSettledPeriods(e, variants(b, c), names, 4 * MINUTE, firstPeriodOfStep(1.5 * MINUTE, MINUTE));
  expect(e.step.Champion.invocations).toBe(50);
  expect(e.step.Challenger.invocations).toBe(150);
  expect(e.totals.Challenger.invocations).toBe(250);
  // The step's latency for people: sample-weighted means of its periods' statistics.
  expect(aggregatePeriod(e.stepLatency.Challenger)).toEqual([
    { timestamp: 0, sampleCount: 150, average: 4000, p50: 4000, p99: 8000 },
  ]);
  expect(aggregatePeriod(undefined)).toEqual([]);
});
