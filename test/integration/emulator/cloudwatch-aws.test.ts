// CloudWatch in the aws profile through the real @aws-sdk/client-cloudwatch: AWS's Period and StartTime rules,
// SageMaker's metrics after a publish lag and with late samples (time-scaled), statistic sets without percentiles,
// and GetMetricData's StatusCode answers.
import {
  GetMetricDataCommand,
  type GetMetricDataCommandOutput,
  type MetricDataQuery,
  PutMetricDataCommand,
} from '@aws-sdk/client-cloudwatch';
import { InvokeEndpointCommand } from '@aws-sdk/client-sagemaker-runtime';
import { ADMIN_CREDENTIALS, deployEndpoint, errorOf, type Harness, startHarness } from './helpers';

const ROW = '13,30.94,0,1,1,3,199.8,7';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function query(
  id: string,
  namespace: string,
  metric: string,
  period: number,
  stat: string,
  dims: [string, string][] = [],
): MetricDataQuery {
  return {
    Id: id,
    MetricStat: {
      Metric: { Namespace: namespace, MetricName: metric, Dimensions: dims.map(([Name, Value]) => ({ Name, Value })) },
      Period: period,
      Stat: stat,
    },
  };
}

const points = (out: GetMetricDataCommandOutput, id: string) => {
  const r = out.MetricDataResults!.find((x) => x.Id === id)!;
  return r.Timestamps!.map((t, i) => [t.getTime() / 1000, r.Values![i]]);
};

describe('Period and StartTime rules (time scale 1: a minute is 60 s)', () => {
  let h: Harness;
  // The current minute's start, and data put 10 and 9 minutes before it.
  const t0 = Math.floor(Date.now() / 60_000) * 60;
  beforeAll(async () => {
    h = await startHarness(
      {
        profile: 'aws',
        awsBehaviour: { consistencySeconds: 0 }, // new resources visible at once: not what this test is about
        alarmEvaluation: false,
      },
      'us-east-1',
      ADMIN_CREDENTIALS,
    );
    const at = (s: number) => new Date(s * 1000);
    for (const [metric, resolution] of [
      ['Regular', undefined],
      ['HighRes', 1],
    ] as const) {
      await h.cw.send(
        new PutMetricDataCommand({
          Namespace: 'Emu/Test',
          MetricData: [
            { MetricName: metric, Timestamp: at(t0 - 600 + 5), Value: 1, StorageResolution: resolution },
            { MetricName: metric, Timestamp: at(t0 - 600 + 40), Value: 2, StorageResolution: resolution },
            { MetricName: metric, Timestamp: at(t0 - 540 + 10), Value: 4, StorageResolution: resolution },
          ],
        }),
      );
    }
  });
  afterAll(() => h.close());

  const get = (queries: MetricDataQuery[], startSec: number, endSec = t0) =>
    h.cw.send(
      new GetMetricDataCommand({
        MetricDataQueries: queries,
        StartTime: new Date(startSec * 1000),
        EndTime: new Date(endSec * 1000),
        ScanBy: 'TimestampAscending',
      }),
    );

  test('a 30 s period sees regular-resolution data only in the periods that hold a minute; high-resolution data in both', async () => {
    const out = await get(
      [query('r', 'Emu/Test', 'Regular', 30, 'Sum'), query('h', 'Emu/Test', 'HighRes', 30, 'Sum')],
      t0 - 900,
    );
    expect(points(out, 'r')).toEqual([
      [t0 - 600, 3],
      [t0 - 540, 4],
    ]);
    expect(points(out, 'h')).toEqual([
      [t0 - 600, 1],
      [t0 - 570, 2],
      [t0 - 540, 4],
    ]);
  });

  test('a period valid for no metric (45 s) is InvalidParameterValue; so is a StorageResolution other than 1 or 60', async () => {
    const bad = await errorOf(() => get([query('r', 'Emu/Test', 'Regular', 45, 'Sum')], t0 - 900));
    expect(bad.name).toBe('InvalidParameterValueException');
    expect(bad.message).toContain(
      'MetricDataQueries.member.1.MetricStat.Period must be 1, 5, 10, 20, 30 or a multiple of 60',
    );
    const res = await errorOf(() =>
      h.cw.send(
        new PutMetricDataCommand({
          Namespace: 'Emu/Test',
          MetricData: [{ MetricName: 'X', Value: 1, StorageResolution: 5 }],
        }),
      ),
    );
    expect(res.message).toBe(
      'The parameter MetricData.member.1.StorageResolution must be a value in the set [ 1, 60 ].',
    );
  });

  test('StartTime over 3 h ago: a 30 s period returns nothing, a 60 s one returns the data', async () => {
    const old = t0 - 4 * 3600;
    expect(points(await get([query('h', 'Emu/Test', 'HighRes', 30, 'Sum')], old), 'h')).toEqual([]);
    expect(points(await get([query('h', 'Emu/Test', 'HighRes', 60, 'Sum')], old), 'h')).toEqual([
      [t0 - 600, 3],
      [t0 - 540, 4],
    ]);
  });

  test('periods count from StartTime rounded down to the minute', async () => {
    expect(points(await get([query('r', 'Emu/Test', 'Regular', 60, 'Sum')], t0 - 600 + 17), 'r')).toEqual([
      [t0 - 600, 3],
      [t0 - 540, 4],
    ]);
    // A 5-minute period from t0-660: one period [t0-660, t0-360) holding all three values, whatever the clock.
    expect(points(await get([query('r', 'Emu/Test', 'Regular', 300, 'Sum')], t0 - 660), 'r')).toEqual([[t0 - 660, 7]]);
  });

  test('a StatusCode fault: PartialData pages with NextToken; InternalError returns no data and a token to retry', async () => {
    const input = {
      MetricDataQueries: [query('h', 'Emu/Test', 'HighRes', 30, 'Sum')],
      StartTime: new Date((t0 - 900) * 1000),
      EndTime: new Date(t0 * 1000),
      ScanBy: 'TimestampAscending' as const,
    };
    await h.admin.patchFaults({ getMetricData: { statusCode: 'PartialData' } });
    const first = await h.cw.send(new GetMetricDataCommand(input));
    expect(first.MetricDataResults![0].StatusCode).toBe('PartialData');
    expect(points(first, 'h')).toEqual([
      [t0 - 600, 1],
      [t0 - 570, 2],
    ]);
    expect(first.NextToken).toBeDefined();
    const rest = await h.cw.send(new GetMetricDataCommand({ ...input, NextToken: first.NextToken }));
    expect(rest.MetricDataResults![0].StatusCode).toBe('Complete');
    expect(points(rest, 'h')).toEqual([[t0 - 540, 4]]);
    expect(rest.NextToken).toBeUndefined();

    await h.admin.patchFaults({ getMetricData: { statusCode: 'InternalError' } });
    const failed = await h.cw.send(new GetMetricDataCommand(input));
    expect(failed.MetricDataResults![0]).toMatchObject({
      StatusCode: 'InternalError',
      Values: [],
      Messages: [{ Code: 'InternalError', Value: 'An internal error occurred (injected fault).' }],
    });
    expect(failed.NextToken).toBeDefined();
    const retried = await h.cw.send(new GetMetricDataCommand({ ...input, NextToken: failed.NextToken }));
    expect(retried.MetricDataResults![0].StatusCode).toBe('Complete');
    expect(points(retried, 'h')).toHaveLength(3);
    expect(await h.admin.faults()).not.toHaveProperty('getMetricData');
  });
});

describe("SageMaker's metrics after a publish lag, with late samples", () => {
  let h: Harness;
  beforeAll(async () => {
    // A 2 s "minute", a 1 s publish lag and half the samples up to 2 s later. The time scale is tiny so the control
    // plane is quick; these settings are AWS seconds × 0.001.
    h = await startHarness(
      {
        profile: 'aws',
        awsBehaviour: { consistencySeconds: 0 }, // new resources visible at once: not what this test is about

        timeScale: 0.001,
        alarmEvaluation: false,
        cloudwatch: {
          resolutionSeconds: 2,
          publishLagSeconds: { min: 1000, max: 1000 },
          lateSamples: { share: 0.5, withinSeconds: 2000 },
        },
      },
      'us-east-1',
      ADMIN_CREDENTIALS,
    );
    await deployEndpoint(h.sm, 'lag', [{ variant: 'A', model: 'lag-a', artifact: 'champion' }]);
  });
  afterAll(() => h.close());

  test('no datapoint until the period ends plus the lag; then it grows to the request count; idle periods have none', async () => {
    // Start at the beginning of a 2 s period so 40 requests fit in it.
    await sleep(2000 - (Date.now() % 2000) + 20);
    const period = Math.floor(Date.now() / 2000) * 2;
    for (let i = 0; i < 40; i++) {
      await h.runtime.send(new InvokeEndpointCommand({ EndpointName: 'lag', ContentType: 'text/csv', Body: ROW }));
    }
    expect(Math.floor(Date.now() / 2000) * 2).toBe(period);
    const dims: [string, string][] = [
      ['EndpointName', 'lag'],
      ['VariantName', 'A'],
    ];
    const seen: { at: number; value: number }[] = [];
    const deadline = (period + 6) * 1000;
    let latency: GetMetricDataCommandOutput | undefined;
    while (Date.now() < deadline) {
      const out = await h.cw.send(
        new GetMetricDataCommand({
          MetricDataQueries: [
            query('inv', 'AWS/SageMaker', 'Invocations', 2, 'Sum', dims),
            query('n', 'AWS/SageMaker', 'ModelLatency', 2, 'SampleCount', dims),
            query('avg', 'AWS/SageMaker', 'ModelLatency', 2, 'Average', dims),
            query('p50', 'AWS/SageMaker', 'ModelLatency', 2, 'p50', dims),
          ],
          StartTime: new Date((period - 10) * 1000),
          EndTime: new Date((period + 10) * 1000),
        }),
      );
      const inv = points(out, 'inv');
      // Only the period with traffic ever has a datapoint: the idle ones before and after have none.
      expect(inv.every(([t]) => t === period)).toBe(true);
      const value = inv[0]?.[1] ?? 0;
      if (seen.at(-1)?.value !== value) seen.push({ at: Date.now(), value });
      latency = out;
      await sleep(100);
    }
    const firstSeen = seen.find((s) => s.value > 0)!;
    expect(firstSeen.at).toBeGreaterThanOrEqual((period + 2 + 1) * 1000); // period end + 1 s lag
    expect(firstSeen.value).toBeLessThan(40); // the late half is not there yet
    expect(seen.at(-1)!.value).toBe(40);
    expect(seen.map((s) => s.value)).toEqual([...seen.map((s) => s.value)].sort((a, b) => a - b));
    // ModelLatency: the documented statistics are there, percentiles are not (statistic sets).
    expect(points(latency!, 'n')).toEqual([[period, 40]]);
    expect(points(latency!, 'avg')[0][1]).toBeGreaterThan(1000);
    expect(points(latency!, 'p50')).toEqual([]);
  });
});
