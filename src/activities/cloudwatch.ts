// CloudWatch: the per-variant AWS/SageMaker metrics of an endpoint, all variants and statistics in ONE
// GetMetricData call per evaluation, and the state of the alarms a spec names.
import {
  DescribeAlarmsCommand,
  GetMetricDataCommand,
  type MetricDataQuery,
  type MetricDataResult,
} from '@aws-sdk/client-cloudwatch';
import { aws } from './aws-errors';
import type { AwsClients } from './clients';
import type { LatencyPeriod } from '../analysis/types';

export type { LatencyPeriod };

export interface VariantMetrics {
  variantName: string;
  invocations: number;
  errors4xx: number;
  errors5xx: number;
  latency: LatencyPeriod[];
  /** Invocations per period start (ms), so the caller can count any sub-window (e.g. the current step). */
  invocationsByPeriod: { timestamp: number; count: number }[];
}

export interface MetricsInput {
  endpointName: string;
  variantNames: string[];
  region?: string;
  /** Epoch ms; aligned down to the period. */
  startTime: number;
  endTime: number;
  periodSeconds: number;
}

export interface MetricsOutput {
  variants: VariantMetrics[];
  /** GetMetricData requests made (1 unless CloudWatch paged the answer). */
  calls: number;
}

const SERIES = [
  { key: 'inv', metric: 'Invocations', stat: 'Sum' },
  { key: 'e4', metric: 'Invocation4XXErrors', stat: 'Sum' },
  { key: 'e5', metric: 'Invocation5XXErrors', stat: 'Sum' },
  { key: 'lc', metric: 'ModelLatency', stat: 'SampleCount' },
  { key: 'la', metric: 'ModelLatency', stat: 'Average' },
  { key: 'l50', metric: 'ModelLatency', stat: 'p50' },
  { key: 'l90', metric: 'ModelLatency', stat: 'p90' },
  { key: 'l99', metric: 'ModelLatency', stat: 'p99' },
] as const;

type SeriesKey = (typeof SERIES)[number]['key'];

export function metricQueries(input: MetricsInput): MetricDataQuery[] {
  return input.variantNames.flatMap((variant, i) =>
    SERIES.map(({ key, metric, stat }) => ({
      Id: `v${i}_${key}`,
      ReturnData: true,
      MetricStat: {
        Metric: {
          Namespace: 'AWS/SageMaker',
          MetricName: metric,
          Dimensions: [
            { Name: 'EndpointName', Value: input.endpointName },
            { Name: 'VariantName', Value: variant },
          ],
        },
        Period: input.periodSeconds,
        Stat: stat,
      },
    })),
  );
}

/** Folds GetMetricData results into per-variant totals and per-period latency statistics. */
export function foldMetricResults(variantNames: string[], results: MetricDataResult[]): VariantMetrics[] {
  const series = new Map<string, Map<number, number>>();
  for (const r of results) {
    const points = series.get(r.Id ?? '') ?? new Map<number, number>();
    (r.Timestamps ?? []).forEach((t, j) => points.set(new Date(t).getTime(), r.Values?.[j] ?? 0));
    series.set(r.Id ?? '', points);
  }
  return variantNames.map((variantName, i) => {
    const get = (key: SeriesKey) => series.get(`v${i}_${key}`) ?? new Map<number, number>();
    const sum = (key: SeriesKey) => [...get(key).values()].reduce((a, b) => a + b, 0);
    const counts = get('lc');
    const latency: LatencyPeriod[] = [...counts.keys()]
      .sort((a, b) => a - b)
      .filter((t) => (counts.get(t) ?? 0) > 0)
      .map((t) => ({
        timestamp: t,
        sampleCount: counts.get(t)!,
        average: get('la').get(t) ?? NaN,
        ...(get('l50').has(t) ? { p50: get('l50').get(t) } : {}),
        ...(get('l90').has(t) ? { p90: get('l90').get(t) } : {}),
        ...(get('l99').has(t) ? { p99: get('l99').get(t) } : {}),
      }));
    return {
      variantName,
      invocations: sum('inv'),
      errors4xx: sum('e4'),
      errors5xx: sum('e5'),
      latency,
      invocationsByPeriod: [...get('inv').entries()]
        .sort(([a], [b]) => a - b)
        .map(([timestamp, count]) => ({ timestamp, count })),
    };
  });
}

export function cloudwatchActivities(clients: AwsClients) {
  return {
    async fetchVariantMetrics(input: MetricsInput): Promise<MetricsOutput> {
      const periodMs = input.periodSeconds * 1000;
      const start = new Date(Math.floor(input.startTime / periodMs) * periodMs);
      const end = new Date(Math.ceil((input.endTime + 1) / periodMs) * periodMs);
      const queries = metricQueries(input);
      const results: MetricDataResult[] = [];
      let nextToken: string | undefined;
      let calls = 0;
      do {
        const out = await aws(`GetMetricData ${input.endpointName}`, () =>
          clients.cloudwatch(input.region).send(
            new GetMetricDataCommand({
              MetricDataQueries: queries,
              StartTime: start,
              EndTime: end,
              ScanBy: 'TimestampAscending',
              NextToken: nextToken,
            }),
          ),
        );
        calls++;
        for (const r of out.MetricDataResults ?? []) {
          const prior = results.find((x) => x.Id === r.Id);
          if (prior) {
            prior.Timestamps = [...(prior.Timestamps ?? []), ...(r.Timestamps ?? [])];
            prior.Values = [...(prior.Values ?? []), ...(r.Values ?? [])];
          } else {
            results.push({ ...r });
          }
        }
        nextToken = out.NextToken;
      } while (nextToken);
      return { variants: foldMetricResults(input.variantNames, results), calls };
    },

    /** State of named alarms; a name CloudWatch does not know comes back as state "MISSING". */
    async alarmStates(input: {
      alarmNames: string[];
      region?: string;
    }): Promise<{ name: string; state: string; reason?: string }[]> {
      if (input.alarmNames.length === 0) return [];
      const out = await aws('DescribeAlarms', () =>
        clients.cloudwatch(input.region).send(new DescribeAlarmsCommand({ AlarmNames: input.alarmNames })),
      );
      const alarms = out.MetricAlarms ?? [];
      return input.alarmNames.map((name) => {
        const a = alarms.find((x) => x.AlarmName === name);
        return a
          ? { name, state: a.StateValue ?? 'INSUFFICIENT_DATA', ...(a.StateReason ? { reason: a.StateReason } : {}) }
          : { name, state: 'MISSING' };
      });
    },
  };
}
