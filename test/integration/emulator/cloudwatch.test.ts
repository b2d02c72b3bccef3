// CloudWatch through the real @aws-sdk/client-cloudwatch (awsJson1_0): the AWS/SageMaker per-variant metrics equal the
// requests made, statistics and percentiles are exact, periods/paging/order behave as CloudWatch's, custom metrics,
// alarms, and errors as typed exceptions.
import {
  DeleteAlarmsCommand,
  DescribeAlarmsCommand,
  GetMetricDataCommand,
  type GetMetricDataCommandInput,
  GetMetricStatisticsCommand,
  ListMetricsCommand,
  type MetricDataQuery,
  PutMetricAlarmCommand,
  PutMetricDataCommand,
  SetAlarmStateCommand,
} from '@aws-sdk/client-cloudwatch';
import { InvokeEndpointCommand } from '@aws-sdk/client-sagemaker-runtime';
import { deployEndpoint, errorOf, type Harness, startHarness } from './helpers';

let h: Harness;
const ROW = '13,30.94,0,1,1,3,199.8,7';

beforeAll(async () => {
  // Alarm evaluation off here: these tests drive alarm state by hand; evaluation has its own test below.
  h = await startHarness({ alarmEvaluation: false });
  await deployEndpoint(h.sm, 'metrics', [
    { variant: 'Champion', model: 'm-champion', artifact: 'champion', weight: 1 },
    { variant: 'Challenger', model: 'm-challenger', artifact: 'challenger', weight: 1 },
  ]);
});
afterAll(() => h.close());

function sagemakerQuery(
  id: string,
  metric: string,
  variant: string,
  stat: string,
  period = 1,
  endpoint = 'metrics',
): MetricDataQuery {
  return {
    Id: id,
    MetricStat: {
      Metric: {
        Namespace: 'AWS/SageMaker',
        MetricName: metric,
        Dimensions: [
          { Name: 'EndpointName', Value: endpoint },
          { Name: 'VariantName', Value: variant },
        ],
      },
      Period: period,
      Stat: stat,
    },
  };
}

const sum = (values: number[] | undefined) => (values ?? []).reduce((a, b) => a + b, 0);

async function metricData(
  input: Omit<GetMetricDataCommandInput, 'StartTime' | 'EndTime'>,
  startMs: number,
  endMs = Date.now() + 2000,
) {
  return h.cw.send(new GetMetricDataCommand({ ...input, StartTime: new Date(startMs), EndTime: new Date(endMs) }));
}

describe('AWS/SageMaker metrics from InvokeEndpoint', () => {
  test('per-variant Invocations, 5XX and latency sample counts equal the requests made', async () => {
    await h.admin.setFaults({ endpoints: { metrics: { variants: { Challenger: { errorRate5xx: 0.3 } } } } });
    const start = Date.now() - 1000;
    const seen: Record<string, { requests: number; errors: number }> = {
      Champion: { requests: 0, errors: 0 },
      Challenger: { requests: 0, errors: 0 },
    };
    for (let i = 0; i < 300; i++) {
      try {
        const out = await h.runtime.send(
          new InvokeEndpointCommand({ EndpointName: 'metrics', ContentType: 'text/csv', Body: ROW }),
        );
        seen[out.InvokedProductionVariant!].requests++;
      } catch (err) {
        const variant = (err as { $response?: { headers: Record<string, string> } }).$response?.headers[
          'x-amzn-invoked-production-variant'
        ];
        seen[variant!].requests++;
        seen[variant!].errors++;
      }
    }
    await h.admin.setFaults({});
    expect(seen.Challenger.errors).toBeGreaterThan(0);
    const out = await metricData(
      {
        MetricDataQueries: ['Champion', 'Challenger'].flatMap((v, i) => [
          sagemakerQuery(`inv${i}`, 'Invocations', v, 'Sum'),
          sagemakerQuery(`e5${i}`, 'Invocation5XXErrors', v, 'Sum'),
          sagemakerQuery(`e4${i}`, 'Invocation4XXErrors', v, 'Sum'),
          sagemakerQuery(`lc${i}`, 'ModelLatency', v, 'SampleCount'),
          sagemakerQuery(`ipi${i}`, 'InvocationsPerInstance', v, 'Sum'),
        ]),
      },
      start,
    );
    const byId = new Map(out.MetricDataResults!.map((r) => [r.Id!, r]));
    ['Champion', 'Challenger'].forEach((v, i) => {
      expect(sum(byId.get(`inv${i}`)!.Values)).toBe(seen[v].requests);
      expect(sum(byId.get(`e5${i}`)!.Values)).toBe(seen[v].errors);
      expect(sum(byId.get(`e4${i}`)!.Values)).toBe(0);
      expect(sum(byId.get(`lc${i}`)!.Values)).toBe(seen[v].requests);
      expect(sum(byId.get(`ipi${i}`)!.Values)).toBeCloseTo(seen[v].requests, 6);
    });
    expect(seen.Champion.requests + seen.Challenger.requests).toBe(300);
    // Default ScanBy is TimestampDescending; one-second periods.
    const ts = byId.get('inv0')!.Timestamps!.map((t) => t.getTime());
    expect(ts).toEqual([...ts].sort((a, b) => b - a));
    ts.forEach((t) => expect(t % 1000).toBe(0));
  });

  test('ModelLatency is in microseconds; an injected latencyMedianMs moves p50 there', async () => {
    // Its own endpoint: hour-long periods are epoch-aligned and would take in the other tests' traffic.
    await deployEndpoint(h.sm, 'latency', [
      { variant: 'Champion', model: 'l-champion', artifact: 'champion' },
      { variant: 'Challenger', model: 'l-challenger', artifact: 'challenger' },
    ]);
    await h.admin.setFaults({
      endpoints: { latency: { variants: { Challenger: { latencyMedianMs: 40, latencySigma: 0 } } } },
    });
    const start = Date.now();
    for (let i = 0; i < 20; i++) {
      await h.runtime.send(
        new InvokeEndpointCommand({
          EndpointName: 'latency',
          ContentType: 'text/csv',
          Body: ROW,
          TargetVariant: 'Challenger',
        }),
      );
      await h.runtime.send(
        new InvokeEndpointCommand({
          EndpointName: 'latency',
          ContentType: 'text/csv',
          Body: ROW,
          TargetVariant: 'Champion',
        }),
      );
    }
    await h.admin.setFaults({});
    const out = await metricData(
      {
        MetricDataQueries: [
          sagemakerQuery('slow', 'ModelLatency', 'Challenger', 'p50', 3600, 'latency'),
          sagemakerQuery('fast', 'ModelLatency', 'Champion', 'p50', 3600, 'latency'),
          sagemakerQuery('slowmin', 'ModelLatency', 'Challenger', 'Minimum', 3600, 'latency'),
        ],
      },
      start,
    );
    const [slow, fast, slowMin] = out.MetricDataResults!.map((r) => r.Values![0]);
    expect(slowMin).toBeGreaterThanOrEqual(40_000);
    expect(slow).toBeLessThan(45_000);
    expect(fast).toBeGreaterThan(1_000); // the default few-ms lognormal
    expect(fast).toBeLessThan(15_000);
  });

  test('ScanBy TimestampAscending, period aggregation and NextToken paging', async () => {
    const base = Math.floor(Date.now() / 1000) - 600;
    const MetricData = Array.from({ length: 10 }, (_, i) => ({
      MetricName: 'Paged',
      Timestamp: new Date((base + i) * 1000),
      Value: i + 1,
    }));
    await h.cw.send(new PutMetricDataCommand({ Namespace: 'Test/Paging', MetricData }));
    const query: MetricDataQuery = {
      Id: 'p',
      MetricStat: { Metric: { Namespace: 'Test/Paging', MetricName: 'Paged' }, Period: 2, Stat: 'Sum' },
    };
    const asc = await metricData(
      { MetricDataQueries: [query], ScanBy: 'TimestampAscending' },
      (base - (base % 2)) * 1000,
      (base + 12) * 1000,
    );
    const expected: [number, number][] = [];
    for (let i = 0; i < 10; i++) {
      const t = Math.floor((base + i) / 2) * 2;
      const last = expected[expected.length - 1];
      if (last && last[0] === t) last[1] += i + 1;
      else expected.push([t, i + 1]);
    }
    expect(
      asc.MetricDataResults![0].Timestamps!.map((t, k) => [t.getTime() / 1000, asc.MetricDataResults![0].Values![k]]),
    ).toEqual(expected);

    const pages: number[] = [];
    let token: string | undefined;
    let calls = 0;
    do {
      const page = await metricData(
        { MetricDataQueries: [query], ScanBy: 'TimestampAscending', MaxDatapoints: 2, NextToken: token },
        (base - (base % 2)) * 1000,
        (base + 12) * 1000,
      );
      pages.push(...page.MetricDataResults![0].Values!);
      token = page.NextToken;
      calls++;
    } while (token && calls < 20);
    expect(pages).toEqual(expected.map(([, v]) => v));
    expect(calls).toBe(Math.ceil(expected.length / 2));
  });
});

describe('custom metrics and statistics', () => {
  test('PutMetricData (Value, Values/Counts, StatisticValues), exact percentiles and GetMetricStatistics', async () => {
    const ts = new Date(Math.floor(Date.now() / 1000 - 120) * 1000);
    const dims = [{ Name: 'Model', Value: 'v2' }];
    await h.cw.send(
      new PutMetricDataCommand({
        Namespace: 'Test/Stats',
        MetricData: [
          ...Array.from({ length: 50 }, (_, i) => ({
            MetricName: 'Score',
            Dimensions: dims,
            Timestamp: ts,
            Value: i + 1,
            Unit: 'Count' as const,
          })),
          {
            MetricName: 'Score',
            Dimensions: dims,
            Timestamp: ts,
            Values: [51, 52, 100],
            Counts: [1, 1, 48],
            Unit: 'Count',
          },
        ],
      }),
    );
    const q = (id: string, stat: string): MetricDataQuery => ({
      Id: id,
      MetricStat: {
        Metric: { Namespace: 'Test/Stats', MetricName: 'Score', Dimensions: dims },
        Period: 60,
        Stat: stat,
      },
    });
    const out = await metricData(
      {
        MetricDataQueries: ['Sum', 'SampleCount', 'Average', 'Minimum', 'Maximum', 'p50', 'p90', 'p99', 'p10'].map(
          (s) => q(s.toLowerCase(), s),
        ),
      },
      ts.getTime() - 60_000,
    );
    const v = Object.fromEntries(out.MetricDataResults!.map((r) => [r.Id, r.Values![0]]));
    // Samples: 1..52 once each, 100 forty-eight times (100 samples).
    expect(v).toEqual({
      sum: 1378 + 4800,
      samplecount: 100,
      average: 61.78,
      minimum: 1,
      maximum: 100,
      p50: 50,
      p90: 100,
      p99: 100,
      p10: 10,
    });

    const stats = await h.cw.send(
      new GetMetricStatisticsCommand({
        Namespace: 'Test/Stats',
        MetricName: 'Score',
        Dimensions: dims,
        StartTime: new Date(ts.getTime() - 60_000),
        EndTime: new Date(),
        Period: 60,
        Statistics: ['Sum', 'SampleCount', 'Maximum'],
        ExtendedStatistics: ['p50'],
      }),
    );
    expect(stats.Label).toBe('Score');
    expect(stats.Datapoints).toHaveLength(1);
    expect(stats.Datapoints![0]).toMatchObject({
      Sum: 6178,
      SampleCount: 100,
      Maximum: 100,
      ExtendedStatistics: { p50: 50 },
      Unit: 'Count',
    });

    await h.cw.send(
      new PutMetricDataCommand({
        Namespace: 'Test/Stats',
        MetricData: [
          { MetricName: 'Agg', Timestamp: ts, StatisticValues: { SampleCount: 4, Sum: 10, Minimum: 1, Maximum: 4 } },
        ],
      }),
    );
    const agg = await metricData(
      {
        MetricDataQueries: [
          {
            Id: 'avg',
            MetricStat: { Metric: { Namespace: 'Test/Stats', MetricName: 'Agg' }, Period: 60, Stat: 'Average' },
          },
          {
            Id: 'pct',
            MetricStat: { Metric: { Namespace: 'Test/Stats', MetricName: 'Agg' }, Period: 60, Stat: 'p50' },
          },
        ],
      },
      ts.getTime() - 60_000,
    );
    expect(agg.MetricDataResults![0].Values).toEqual([2.5]);
    expect(agg.MetricDataResults![1].Values).toEqual([]); // a statistic set carries no values for a percentile
  });

  test('a large PutMetricData (gzip-compressed by the SDK) is stored whole', async () => {
    const ts = new Date(Math.floor(Date.now() / 1000 - 30) * 1000);
    const MetricData = Array.from({ length: 1000 }, (_, i) => ({
      MetricName: 'Bulk',
      Dimensions: [{ Name: 'Shard', Value: `shard-with-a-long-name-${i % 7}` }],
      Timestamp: ts,
      Value: i,
    }));
    await h.cw.send(new PutMetricDataCommand({ Namespace: 'Test/Bulk', MetricData }));
    const listed = await h.cw.send(new ListMetricsCommand({ Namespace: 'Test/Bulk' }));
    expect(listed.Metrics).toHaveLength(7);
    const out = await metricData(
      {
        MetricDataQueries: [
          {
            Id: 'n',
            MetricStat: {
              Metric: {
                Namespace: 'Test/Bulk',
                MetricName: 'Bulk',
                Dimensions: [{ Name: 'Shard', Value: 'shard-with-a-long-name-0' }],
              },
              Period: 60,
              Stat: 'SampleCount',
            },
          },
        ],
      },
      ts.getTime() - 60_000,
    );
    expect(out.MetricDataResults![0].Values).toEqual([143]);
  });

  test('ListMetrics filters by namespace, name and dimension', async () => {
    const out = await h.cw.send(
      new ListMetricsCommand({
        Namespace: 'AWS/SageMaker',
        MetricName: 'Invocations',
        Dimensions: [
          { Name: 'VariantName', Value: 'Champion' },
          { Name: 'EndpointName', Value: 'metrics' },
        ],
      }),
    );
    expect(out.Metrics).toEqual([
      {
        Namespace: 'AWS/SageMaker',
        MetricName: 'Invocations',
        Dimensions: [
          { Name: 'EndpointName', Value: 'metrics' },
          { Name: 'VariantName', Value: 'Champion' },
        ],
      },
    ]);
  });

  test('cloudwatchNoData answers empty series', async () => {
    await h.admin.setFaults({ cloudwatchNoData: true });
    const out = await metricData(
      { MetricDataQueries: [sagemakerQuery('inv', 'Invocations', 'Champion', 'Sum', 60)] },
      Date.now() - 600_000,
    );
    await h.admin.setFaults({});
    expect(out.MetricDataResults![0].Values).toEqual([]);
    const again = await metricData(
      { MetricDataQueries: [sagemakerQuery('inv', 'Invocations', 'Champion', 'Sum', 60)] },
      Date.now() - 600_000,
    );
    expect(sum(again.MetricDataResults![0].Values)).toBeGreaterThan(0);
  });
});

describe('errors', () => {
  test('metric math, unknown statistics, AWS/ namespaces and bad ranges are InvalidParameterValueException', async () => {
    const math = await errorOf(() =>
      metricData({ MetricDataQueries: [{ Id: 'm', Expression: 'SUM(METRICS())' }] }, Date.now() - 60_000),
    );
    expect(math.name).toBe('InvalidParameterValueException');
    expect(math.message).toMatch(/Metric math is not supported/);
    expect(math.$metadata?.httpStatusCode).toBe(400);
    const stat = await errorOf(() =>
      metricData({ MetricDataQueries: [sagemakerQuery('x', 'Invocations', 'Champion', 'tm99')] }, Date.now() - 60_000),
    );
    expect(stat.name).toBe('InvalidParameterValueException');
    const ns = await errorOf(() =>
      h.cw.send(new PutMetricDataCommand({ Namespace: 'AWS/SageMaker', MetricData: [{ MetricName: 'X', Value: 1 }] })),
    );
    expect(ns.name).toBe('InvalidParameterValueException');
    expect(ns.message).toBe('The value AWS/ for parameter Namespace is invalid.');
    const range = await errorOf(() =>
      metricData(
        { MetricDataQueries: [sagemakerQuery('x', 'Invocations', 'Champion', 'Sum')] },
        Date.now(),
        Date.now() - 1000,
      ),
    );
    expect(range.name).toBe('InvalidParameterValueException');
    const id = await errorOf(() =>
      metricData(
        { MetricDataQueries: [sagemakerQuery('Bad-Id', 'Invocations', 'Champion', 'Sum')] },
        Date.now() - 1000,
      ),
    );
    expect(id.name).toBe('InvalidParameterValueException');
  });

  test('an operation fault answers Throttling / InternalServiceFault', async () => {
    await h.admin.setFaults({ operations: { 'CloudWatch.GetMetricData': { failNext: 1, failWith: 'throttle' } } });
    const throttled = await errorOf(() =>
      metricData({ MetricDataQueries: [sagemakerQuery('x', 'Invocations', 'Champion', 'Sum')] }, Date.now() - 1000),
    );
    expect(throttled.name).toBe('Throttling');
    await h.admin.setFaults({ operations: { 'CloudWatch.GetMetricData': { failNext: 1 } } });
    const broken = await errorOf(() =>
      metricData({ MetricDataQueries: [sagemakerQuery('x', 'Invocations', 'Champion', 'Sum')] }, Date.now() - 1000),
    );
    expect(broken.name).toBe('InternalServiceFault');
    expect(broken.$metadata?.httpStatusCode).toBe(500);
    await h.admin.setFaults({});
  });
});

describe('alarms', () => {
  test('PutMetricAlarm, DescribeAlarms by name, SetAlarmState, DeleteAlarms', async () => {
    await h.cw.send(
      new PutMetricAlarmCommand({
        AlarmName: 'churn-challenger-5xx',
        Namespace: 'AWS/SageMaker',
        MetricName: 'Invocation5XXErrors',
        Dimensions: [
          { Name: 'EndpointName', Value: 'metrics' },
          { Name: 'VariantName', Value: 'Challenger' },
        ],
        Statistic: 'Sum',
        Period: 60,
        EvaluationPeriods: 1,
        Threshold: 5,
        ComparisonOperator: 'GreaterThanThreshold',
      }),
    );
    await h.cw.send(
      new PutMetricAlarmCommand({
        AlarmName: 'other',
        Namespace: 'Test/Stats',
        MetricName: 'Score',
        ExtendedStatistic: 'p99',
        Period: 60,
        EvaluationPeriods: 2,
        Threshold: 1,
        ComparisonOperator: 'LessThanThreshold',
      }),
    );
    const described = await h.cw.send(new DescribeAlarmsCommand({ AlarmNames: ['churn-challenger-5xx', 'missing'] }));
    expect(described.MetricAlarms).toHaveLength(1);
    expect(described.MetricAlarms![0]).toMatchObject({
      AlarmName: 'churn-challenger-5xx',
      AlarmArn: 'arn:aws:cloudwatch:us-east-1:123456789012:alarm:churn-challenger-5xx',
      StateValue: 'INSUFFICIENT_DATA',
      Threshold: 5,
      Period: 60,
      ComparisonOperator: 'GreaterThanThreshold',
    });
    expect(described.MetricAlarms![0].StateUpdatedTimestamp).toBeInstanceOf(Date);

    await h.cw.send(
      new SetAlarmStateCommand({
        AlarmName: 'churn-challenger-5xx',
        StateValue: 'ALARM',
        StateReason: 'test: regression',
      }),
    );
    const alarmed = await h.cw.send(new DescribeAlarmsCommand({ StateValue: 'ALARM' }));
    expect(alarmed.MetricAlarms!.map((a) => [a.AlarmName, a.StateValue, a.StateReason])).toEqual([
      ['churn-challenger-5xx', 'ALARM', 'test: regression'],
    ]);
    const byPrefix = await h.cw.send(new DescribeAlarmsCommand({ AlarmNamePrefix: 'churn-' }));
    expect(byPrefix.MetricAlarms!.map((a) => a.AlarmName)).toEqual(['churn-challenger-5xx']);

    const missing = await errorOf(() =>
      h.cw.send(new SetAlarmStateCommand({ AlarmName: 'nope', StateValue: 'OK', StateReason: 'x' })),
    );
    expect(missing.name).toBe('ResourceNotFound');
    expect(missing.$metadata?.httpStatusCode).toBe(404);
    const badState = await errorOf(() =>
      h.cw.send(new SetAlarmStateCommand({ AlarmName: 'other', StateValue: 'RED' as never, StateReason: 'x' })),
    );
    expect(badState.name).toBe('InvalidParameterValueException');
    const noThreshold = await errorOf(() =>
      h.cw.send(
        new PutMetricAlarmCommand({
          AlarmName: 'x',
          Namespace: 'N',
          MetricName: 'M',
          Statistic: 'Sum',
          Period: 60,
          EvaluationPeriods: 1,
          ComparisonOperator: 'GreaterThanThreshold',
        }),
      ),
    );
    expect(noThreshold.name).toBe('MissingRequiredParameterException');

    await h.cw.send(new DeleteAlarmsCommand({ AlarmNames: ['churn-challenger-5xx', 'other'] }));
    expect((await h.cw.send(new DescribeAlarmsCommand({}))).MetricAlarms).toEqual([]);
  });
});

describe('alarm evaluation', () => {
  let e: Harness;
  beforeAll(async () => {
    e = await startHarness();
    await deployEndpoint(e.sm, 'alarmed', [
      { variant: 'Champion', model: 'a-champion', artifact: 'champion', weight: 1 },
      { variant: 'Challenger', model: 'a-challenger', artifact: 'challenger', weight: 1 },
    ]);
  });
  afterAll(() => e.close());

  async function waitForState(name: string, state: string, timeoutMs = 10_000) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const a = (await e.cw.send(new DescribeAlarmsCommand({ AlarmNames: [name] }))).MetricAlarms![0];
      if (a.StateValue === state) return a;
      if (Date.now() > deadline) throw new Error(`${name} still ${a.StateValue} (${a.StateReason})`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  async function traffic(ms: number) {
    const until = Date.now() + ms;
    while (Date.now() < until) {
      await e.runtime
        .send(
          new InvokeEndpointCommand({
            EndpointName: 'alarmed',
            ContentType: 'text/csv',
            Body: ROW,
            TargetVariant: 'Challenger',
          }),
        )
        .catch(() => undefined);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  test('an alarm on the variant 5XX metric goes ALARM under an injected regression and OK after it', async () => {
    await e.cw.send(
      new PutMetricAlarmCommand({
        AlarmName: 'challenger-5xx',
        Namespace: 'AWS/SageMaker',
        MetricName: 'Invocation5XXErrors',
        Dimensions: [
          { Name: 'EndpointName', Value: 'alarmed' },
          { Name: 'VariantName', Value: 'Challenger' },
        ],
        Statistic: 'Sum',
        Period: 1,
        EvaluationPeriods: 2,
        DatapointsToAlarm: 1,
        Threshold: 0,
        ComparisonOperator: 'GreaterThanThreshold',
      }),
    );
    await waitForState('challenger-5xx', 'INSUFFICIENT_DATA');
    await e.admin.setFaults({ endpoints: { alarmed: { variants: { Challenger: { errorRate5xx: 1 } } } } });
    await traffic(2500);
    const alarmed = await waitForState('challenger-5xx', 'ALARM');
    expect(alarmed.StateReason).toMatch(
      /^Threshold Crossed: \d out of the last 2 datapoints .* greater than the threshold \(0\.0\)/,
    );
    await e.admin.setFaults({});
    await traffic(3500);
    await waitForState('challenger-5xx', 'OK');
  });

  test('a state set by hand holds until the next evaluation, which puts it back', async () => {
    await e.cw.send(
      new PutMetricAlarmCommand({
        AlarmName: 'no-data',
        Namespace: 'Test/Nothing',
        MetricName: 'Silence',
        Statistic: 'Sum',
        Period: 2,
        EvaluationPeriods: 1,
        Threshold: 1,
        ComparisonOperator: 'GreaterThanThreshold',
      }),
    );
    await waitForState('no-data', 'INSUFFICIENT_DATA');
    await e.cw.send(new SetAlarmStateCommand({ AlarmName: 'no-data', StateValue: 'ALARM', StateReason: 'drill' }));
    expect((await e.cw.send(new DescribeAlarmsCommand({ AlarmNames: ['no-data'] }))).MetricAlarms![0].StateValue).toBe(
      'ALARM',
    );
    const back = await waitForState('no-data', 'INSUFFICIENT_DATA', 5_000);
    expect(back.StateReason).toMatch(/^Insufficient Data/);
  });
});
