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

/** One CloudWatch period of one variant: its sums and its ModelLatency statistics (µs). */
export interface MetricPeriod {
  /** Period start, epoch ms. */
  timestamp: number;
  invocations: number;
  errors4xx: number;
  errors5xx: number;
  /** Absent when the period had no ModelLatency samples. */
  latency?: LatencyPeriod;
}

export interface VariantMetrics {
  variantName: string;
  /** Every period in the window that has data, oldest first (a period without traffic has no datapoint at all). */
  periods: MetricPeriod[];
}

export interface MetricsInput {
  endpointName: string;
  variantNames: string[];
  region?: string;
  /** Epoch ms: the window [startTime, endTime), both on period boundaries. */
  startTime: number;
  endTime: number;
  periodSeconds: number;
}

export interface MetricsOutput {
  variants: VariantMetrics[];
  /** The period CloudWatch was asked for: the spec's, or longer where the window is older than CloudWatch keeps it. */
  periodSeconds: number;
  /** GetMetricData requests made (1 unless CloudWatch paged the answer or asked to be retried). */
  calls: number;
}

const SERIES = [
  { key: 'inv', metric: 'Invocations', stat: 'Sum' },
  { key: 'e4', metric: 'Invocation4XXErrors', stat: 'Sum' },
  { key: 'e5', metric: 'Invocation5XXErrors', stat: 'Sum' },
  { key: 'lc', metric: 'ModelLatency', stat: 'SampleCount' },
  { key: 'la', metric: 'ModelLatency', stat: 'Average' },
  // Percentiles exist only where CloudWatch has raw values ([DG-CW] lists Average, Sum, Min, Max and SampleCount for
  // ModelLatency; a statistic set yields no percentile): asked for, and used when they come back.
  { key: 'l50', metric: 'ModelLatency', stat: 'p50' },
  { key: 'l90', metric: 'ModelLatency', stat: 'p90' },
  { key: 'l99', metric: 'ModelLatency', stat: 'p99' },
] as const;

type SeriesKey = (typeof SERIES)[number]['key'];

/**
 * The shortest period CloudWatch answers for data that old ([BC-CW] MetricStat.Period: "If the StartTime parameter
 * specifies a time stamp that is greater than 3 hours ago … between 3 hours and 15 days ago - Use a multiple of 60
 * seconds (1 minute). Between 15 and 63 days ago - Use a multiple of 300 seconds (5 minutes). Greater than 63 days
 * ago - Use a multiple of 3600 seconds (1 hour)."); a shorter one returns no datapoints at all.
 */
export function periodFor(periodSeconds: number, startTime: number, now: number): number {
  const ageDays = (now - startTime) / 86_400_000;
  const multiple = ageDays > 63 ? 3600 : ageDays > 15 ? 300 : ageDays > 0.125 ? 60 : 1;
  return periodSeconds % multiple === 0 ? periodSeconds : Math.ceil(periodSeconds / multiple) * multiple;
}

function metricQueries(input: MetricsInput, periodSeconds: number): MetricDataQuery[] {
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
        Period: periodSeconds,
        Stat: stat,
      },
    })),
  );
}

/** Folds GetMetricData results into each variant's periods. */
export function foldMetricResults(variantNames: string[], results: MetricDataResult[]): VariantMetrics[] {
  const series = new Map<string, Map<number, number>>();
  for (const r of results) {
    const points = series.get(r.Id ?? '') ?? new Map<number, number>();
    (r.Timestamps ?? []).forEach((t, j) => points.set(new Date(t).getTime(), r.Values?.[j] ?? 0));
    series.set(r.Id ?? '', points);
  }
  return variantNames.map((variantName, i) => {
    const get = (key: SeriesKey) => series.get(`v${i}_${key}`) ?? new Map<number, number>();
    const times = new Set<number>();
    for (const key of ['inv', 'e4', 'e5', 'lc'] as const) for (const t of get(key).keys()) times.add(t);
    const periods = [...times]
      .sort((a, b) => a - b)
      .map((t): MetricPeriod => {
        const count = get('lc').get(t) ?? 0;
        const optional = (key: 'l50' | 'l90' | 'l99', field: 'p50' | 'p90' | 'p99') =>
          get(key).has(t) ? { [field]: get(key).get(t)! } : {};
        return {
          timestamp: t,
          invocations: get('inv').get(t) ?? 0,
          errors4xx: get('e4').get(t) ?? 0,
          errors5xx: get('e5').get(t) ?? 0,
          ...(count > 0
            ? {
                latency: {
                  timestamp: t,
                  sampleCount: count,
                  average: get('la').get(t) ?? NaN,
                  ...optional('l50', 'p50'),
                  ...optional('l90', 'p90'),
                  ...optional('l99', 'p99'),
                },
              }
            : {}),
        };
      });
    return { variantName, periods };
  });
}

/** GetMetricData answers InternalError for a query to be retried with its NextToken ([BC-CW] MetricDataResult). */
const MAX_INTERNAL_ERRORS = 3;

export function cloudwatchActivities(clients: AwsClients) {
  return {
    /** The variants' periods in [startTime, endTime): one GetMetricData call unless CloudWatch pages or asks again. */
    async fetchVariantMetrics(input: MetricsInput): Promise<MetricsOutput> {
      const periodSeconds = periodFor(input.periodSeconds, input.startTime, Date.now());
      const periodMs = periodSeconds * 1000;
      const start = new Date(Math.floor(input.startTime / periodMs) * periodMs);
      const end = new Date(Math.ceil(input.endTime / periodMs) * periodMs);
      const queries = metricQueries(input, periodSeconds);
      const results: MetricDataResult[] = [];
      let nextToken: string | undefined;
      let calls = 0;
      let internalErrors = 0;
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
        const failed = (out.MetricDataResults ?? []).filter((r) => r.StatusCode === 'InternalError');
        if (failed.length > 0 && (++internalErrors > MAX_INTERNAL_ERRORS || !out.NextToken)) {
          // Retryable: the activity's retry policy asks again later, from the start.
          const said = failed.flatMap((r) => (r.Messages ?? []).map((m) => `${m.Code}: ${m.Value}`)).join('; ');
          throw new Error(
            `GetMetricData ${input.endpointName}: CloudWatch answered InternalError ${internalErrors} times (${said || 'no message'})`,
          );
        }
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
      return { variants: foldMetricResults(input.variantNames, results), periodSeconds, calls };
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
