// CloudWatch's metric operations: GetMetricData, GetMetricStatistics, PutMetricData, ListMetrics.
import { isValidQueryPeriod, periodServesStart, roundedStart } from '../cloudwatch-periods';
import { type Datapoint, type Dimension, parseStat, type ParsedStat } from '../metrics';
import type { EmulatorContext, Json, RegionState } from '../state';
import {
  CloudWatchError,
  decodeToken,
  dimensionsOf,
  encodeToken,
  invalid,
  missing,
  queryPeriodOf,
  seconds,
  statOf,
  type Handler,
} from './common';

interface MetricQuery {
  id: string;
  label: string;
  returnData: boolean;
  namespace: string;
  metricName: string;
  dimensions: Dimension[];
  period: number;
  stat: ParsedStat;
  unit?: string;
}

function parseQueries(ctx: EmulatorContext, input: Json): MetricQuery[] {
  const raw = input.MetricDataQueries;
  if (!Array.isArray(raw) || raw.length === 0) throw missing('MetricDataQueries');
  if (raw.length > 500) throw invalid('The collection MetricDataQueries must not have a size greater than 500.');
  const ids = new Set<string>();
  return raw.map((q, i) => {
    const query = (q ?? {}) as Json;
    const where = `MetricDataQueries.member.${i + 1}`;
    const id = query.Id;
    if (typeof id !== 'string') throw missing(`${where}.Id`);
    if (!/^[a-z][a-zA-Z0-9_]*$/.test(id)) {
      throw invalid(
        `The value ${id} for parameter ${where}.Id is invalid: it must start with a lowercase letter and hold only ` +
          'letters, numbers and underscores.',
      );
    }
    if (ids.has(id))
      throw invalid(`The value ${id} for parameter MetricDataQueries is duplicated: Ids must be unique.`);
    ids.add(id);
    if (query.Expression !== undefined) {
      throw invalid(
        `Metric math is not supported by this emulator (${where}.Expression "${String(query.Expression)}"): ` +
          'query each metric with MetricStat and combine the values in your code.',
      );
    }
    const ms = query.MetricStat as Json | undefined;
    if (!ms) throw missing(`${where}.MetricStat`);
    const metric = (ms.Metric ?? {}) as Json;
    if (typeof metric.Namespace !== 'string') throw missing(`${where}.MetricStat.Metric.Namespace`);
    if (typeof metric.MetricName !== 'string') throw missing(`${where}.MetricStat.Metric.MetricName`);
    return {
      id,
      label: typeof query.Label === 'string' ? query.Label : metric.MetricName,
      returnData: query.ReturnData !== false,
      namespace: metric.Namespace,
      metricName: metric.MetricName,
      dimensions: dimensionsOf(metric.Dimensions, `${where}.MetricStat.Metric.Dimensions`),
      period: queryPeriodOf(ctx, ms.Period, `${where}.MetricStat.Period`),
      stat: statOf(ms.Stat, `${where}.MetricStat.Stat`),
      unit: typeof ms.Unit === 'string' ? ms.Unit : undefined,
    };
  });
}

function runQuery(
  ctx: EmulatorContext,
  region: RegionState,
  q: { namespace: string; metricName: string; dimensions: Dimension[]; period: number; unit?: string },
  stat: ParsedStat,
  start: number,
  end: number,
): Datapoint[] {
  if (ctx.faults.cloudwatchNoData()) return [];
  const series = region.metrics.find(q.namespace, q.metricName, q.dimensions);
  // CloudWatch matches a requested Unit exactly: another unit means no data.
  if (series && q.unit && series.unit && q.unit !== series.unit) return [];
  if (ctx.aws) {
    // AWS's period rules (cloudwatch-periods.ts): an invalid period or one too fine for old data gets no datapoints;
    // periods are counted from the rounded StartTime.
    const cw = ctx.config.cloudwatch;
    const now = Date.now() / 1000;
    const from = Math.floor(start);
    if (!isValidQueryPeriod(q.period, cw) || !periodServesStart(q.period, from, now, cw)) return [];
    const origin = roundedStart(from, q.period, now, cw);
    return region.metrics.query(series, origin, Math.ceil(end), q.period, stat, origin);
  }
  return region.metrics.query(series, Math.floor(start), Math.ceil(end), q.period, stat);
}

const DEFAULT_MAX_DATAPOINTS = 100_800;

export const getMetricData: Handler = (ctx, region, input) => {
  const start = seconds(input.StartTime, 'StartTime');
  const end = seconds(input.EndTime, 'EndTime');
  if (!(end > start)) throw invalid('The parameter StartTime must be less than the parameter EndTime.');
  const queries = parseQueries(ctx, input);
  const descending = (input.ScanBy ?? 'TimestampDescending') !== 'TimestampAscending';
  const max =
    typeof input.MaxDatapoints === 'number' && input.MaxDatapoints > 0 ? input.MaxDatapoints : DEFAULT_MAX_DATAPOINTS;
  const token = decodeToken(input.NextToken);
  const offset = token ? Number(token.o) : 0;
  if (!Number.isInteger(offset) || offset < 0) throw new CloudWatchError('InvalidNextToken', 'Invalid NextToken.');

  // Datapoints of every returned query, in response order, paged as one sequence.
  const returned = queries.filter((q) => q.returnData);
  const all = returned.map((q) => {
    const points = runQuery(ctx, region, q, q.stat, start, end);
    return descending ? points.reverse() : points;
  });
  const fault = ctx.faults.takeGetMetricDataStatus();
  if (fault === 'InternalError') {
    // "InternalError indicates that an error occurred. Retry your request using NextToken, if present." The token
    // resumes where this answer would have started; the message text is ours (not documented).
    return {
      body: {
        MetricDataResults: returned.map((q) => ({
          Id: q.id,
          Label: q.label,
          Timestamps: [],
          Values: [],
          StatusCode: 'InternalError',
          Messages: [{ Code: 'InternalError', Value: 'An internal error occurred (injected fault).' }],
        })),
        Messages: [],
        NextToken: encodeToken({ o: offset }),
      },
      changed: false,
    };
  }
  const total = all.reduce((n, points) => n + points.length, 0);
  // "PartialData means that an incomplete set of data points were returned. You can use the NextToken value that was
  // returned and repeat your request to get more data points": the fault makes this answer hold half of what is left.
  const pageMax = fault === 'PartialData' ? Math.min(max, Math.max(1, Math.ceil((total - offset) / 2))) : max;
  let position = 0;
  let remaining = pageMax;
  const results = returned.map((q, k) => {
    const points = all[k];
    const from = Math.max(0, offset - position);
    const take = Math.max(0, Math.min(points.length - from, remaining));
    position += points.length;
    const slice = points.slice(from, from + take);
    remaining -= slice.length;
    return {
      Id: q.id,
      Label: q.label,
      Timestamps: slice.map((p) => p.timestamp),
      Values: slice.map((p) => p.value),
      StatusCode: from + take < points.length ? 'PartialData' : 'Complete',
      Messages: [],
    };
  });
  const body: Json = { MetricDataResults: results, Messages: [] };
  const consumed = offset + (pageMax - remaining);
  if (consumed < position) body.NextToken = encodeToken({ o: consumed });
  return { body, changed: false };
};

export const SIMPLE_STATS = ['SampleCount', 'Average', 'Sum', 'Minimum', 'Maximum'];

export const getMetricStatistics: Handler = (ctx, region, input) => {
  if (typeof input.Namespace !== 'string') throw missing('Namespace');
  if (typeof input.MetricName !== 'string') throw missing('MetricName');
  const start = seconds(input.StartTime, 'StartTime');
  const end = seconds(input.EndTime, 'EndTime');
  if (!(end > start)) throw invalid('The parameter StartTime must be less than the parameter EndTime.');
  const period = queryPeriodOf(ctx, input.Period, 'Period');
  const statistics = Array.isArray(input.Statistics) ? (input.Statistics as string[]) : [];
  const extended = Array.isArray(input.ExtendedStatistics) ? (input.ExtendedStatistics as string[]) : [];
  if (statistics.length === 0 && extended.length === 0) {
    throw new CloudWatchError(
      'MissingRequiredParameterException',
      'Must specify either Statistics or ExtendedStatistics, but not both.',
    );
  }
  for (const s of statistics) {
    if (!SIMPLE_STATS.includes(s)) throw invalid(`The parameter Statistics.member has an invalid value ${s}.`);
  }
  const periods = Math.ceil((end - start) / period);
  if (periods > 1440) {
    throw new CloudWatchError(
      'InvalidParameterCombinationException',
      `You have requested up to ${periods} datapoints, which exceeds the limit of 1,440. You may reduce the ` +
        'datapoints requested by increasing Period, or decreasing the time range.',
    );
  }
  const q = {
    namespace: input.Namespace,
    metricName: input.MetricName,
    dimensions: dimensionsOf(input.Dimensions, 'Dimensions'),
    period,
    unit: typeof input.Unit === 'string' ? input.Unit : undefined,
  };
  const series = region.metrics.find(q.namespace, q.metricName, q.dimensions);
  const unit = q.unit ?? series?.unit ?? 'None';
  const byTime = new Map<number, Json>();
  const put = (stat: string, points: Datapoint[], extendedStat: boolean) => {
    for (const p of points) {
      let dp = byTime.get(p.timestamp);
      if (!dp) byTime.set(p.timestamp, (dp = { Timestamp: p.timestamp, Unit: unit }));
      if (extendedStat) dp.ExtendedStatistics = { ...((dp.ExtendedStatistics as Json) ?? {}), [stat]: p.value };
      else dp[stat] = p.value;
    }
  };
  for (const s of statistics) put(s, runQuery(ctx, region, q, parseStat(s)!, start, end), false);
  for (const s of extended) put(s, runQuery(ctx, region, q, statOf(s, 'ExtendedStatistics.member'), start, end), true);
  return { body: { Label: q.metricName, Datapoints: [...byTime.values()] }, changed: false };
};

/**
 * Where a datum is stored in the aws profile: "Set this parameter to 1 to publish high-resolution metrics; omit it (or
 * set it to 60) to publish at standard 1-minute resolution" — a regular-resolution datum lands in its minute, so a
 * sub-minute period sees it only in the period that holds the minute's start ([BC-CW] PutMetricAlarm Period). Any
 * other value is refused with CloudWatch's own message (boto/botocore#1671).
 */
function storedSecond(ctx: EmulatorContext, ts: number, storageResolution: unknown, where: string): number {
  if (storageResolution === undefined || storageResolution === 60) {
    const minute = ctx.config.cloudwatch.resolutionSeconds;
    return Math.floor(ts / minute) * minute;
  }
  if (storageResolution === 1) return Math.floor(ts);
  throw invalid(`The parameter ${where}.StorageResolution must be a value in the set [ 1, 60 ].`);
}

export const putMetricData: Handler = (ctx, region, input) => {
  const namespace = input.Namespace;
  if (typeof namespace !== 'string' || namespace === '') throw missing('Namespace');
  if (namespace.startsWith('AWS/')) throw invalid('The value AWS/ for parameter Namespace is invalid.');
  const data = input.MetricData;
  if (!Array.isArray(data) || data.length === 0) throw missing('MetricData');
  if (data.length > 1000) throw invalid('The collection MetricData must not have a size greater than 1000.');
  const now = Date.now() / 1000;
  // Validate everything first: CloudWatch stores all of a request or none of it.
  const parsed = data.map((d, i) => {
    const datum = (d ?? {}) as Json;
    const where = `MetricData.member.${i + 1}`;
    if (typeof datum.MetricName !== 'string' || datum.MetricName === '') throw missing(`${where}.MetricName`);
    const ts = datum.Timestamp === undefined ? now : seconds(datum.Timestamp, `${where}.Timestamp`);
    if (ts < now - 14 * 86400 || ts > now + 2 * 3600) {
      throw invalid(`The parameter ${where}.Timestamp must be within the last two weeks and at most two hours ahead.`);
    }
    const values = Array.isArray(datum.Values) ? (datum.Values as number[]) : undefined;
    const counts = Array.isArray(datum.Counts) ? (datum.Counts as number[]) : undefined;
    if (values && counts && counts.length !== values.length) {
      throw invalid(`The parameters ${where}.Values and ${where}.Counts must be arrays of the same length.`);
    }
    const stats = datum.StatisticValues as Json | undefined;
    if (datum.Value === undefined && !values && !stats) {
      throw new CloudWatchError(
        'InvalidParameterCombinationException',
        `At least one of the parameters ${where}.Value, ${where}.Values or ${where}.StatisticValues must be specified.`,
      );
    }
    if (datum.Value !== undefined && typeof datum.Value !== 'number') throw invalid(`${where}.Value must be a number.`);
    return {
      metricName: datum.MetricName,
      dimensions: dimensionsOf(datum.Dimensions, `${where}.Dimensions`),
      second: ctx.aws ? storedSecond(ctx, ts, datum.StorageResolution, where) : Math.floor(ts),
      value: datum.Value as number | undefined,
      values,
      counts,
      stats,
      unit: typeof datum.Unit === 'string' ? datum.Unit : undefined,
    };
  });
  for (const p of parsed) {
    const series = region.metrics.get(namespace, p.metricName, p.dimensions, p.unit);
    const row = series.row(p.second);
    if (p.value !== undefined) row.add(p.value);
    if (p.values) p.values.forEach((v, k) => row.add(v, p.counts ? p.counts[k] : 1));
    if (p.stats) {
      row[ctx.aws ? 'addStatisticSet' : 'addStatistics'](
        Number(p.stats.SampleCount),
        Number(p.stats.Sum),
        Number(p.stats.Minimum),
        Number(p.stats.Maximum),
      );
    }
  }
  return { body: {}, changed: true, resourceName: namespace };
};

export const listMetrics: Handler = (_ctx, region, input) => {
  const filters = Array.isArray(input.Dimensions) ? (input.Dimensions as Json[]) : [];
  const recentCutoff = input.RecentlyActive === 'PT3H' ? Date.now() / 1000 - 3 * 3600 : -Infinity;
  const matches = [...region.metrics.all()].filter(
    (s) =>
      (typeof input.Namespace !== 'string' || s.namespace === input.Namespace) &&
      (typeof input.MetricName !== 'string' || s.metricName === input.MetricName) &&
      filters.every((f) =>
        s.dimensions.some((d) => d.Name === f.Name && (typeof f.Value !== 'string' || d.Value === f.Value)),
      ) &&
      !s.isEmpty() &&
      s.latest() >= recentCutoff,
  );
  const token = decodeToken(input.NextToken);
  const offset = token ? Number(token.o) : 0;
  const pageSize = 500;
  const slice = matches.slice(offset, offset + pageSize);
  const body: Json = {
    Metrics: slice.map((s) => ({ Namespace: s.namespace, MetricName: s.metricName, Dimensions: s.dimensions })),
  };
  if (offset + pageSize < matches.length) body.NextToken = encodeToken({ o: offset + pageSize });
  return { body, changed: false };
};
