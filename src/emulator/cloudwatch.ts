/**
 * CloudWatch over awsJson1_0 (`X-Amz-Target: GraniteServiceVersion20100801.<Op>`), the protocol current SDK v3
 * clients send. The service is awsQueryCompatible: errors carry `__type` and the old query error code in the
 * `x-amzn-query-error: <Code>;Sender` header, from which the SDK names the exception.
 */
import { nextEvaluation } from './alarms';
import { evaluateCompositeAlarms, MAX_CHILDREN, parseAlarmRule, RuleError, ruleChildren } from './composite-alarms';
import { isValidAlarmPeriod, isValidQueryPeriod, periodServesStart, roundedStart } from './cloudwatch-periods';
import { AwsError } from './errors';
import { type Datapoint, type Dimension, parseStat, type ParsedStat, sortDimensions } from './metrics';
import { publishDueMetrics } from './sagemaker-metrics';
import type { OpResult } from './sagemaker';
import type { AlarmRecord, EmulatorContext, Json, RegionState } from './state';

/** Error shapes of the CloudWatch model and their query-compatible codes. */
const QUERY_CODES: Record<string, [code: string, status: number, fault: 'Sender' | 'Receiver']> = {
  InvalidParameterValueException: ['InvalidParameterValue', 400, 'Sender'],
  InvalidParameterCombinationException: ['InvalidParameterCombination', 400, 'Sender'],
  MissingRequiredParameterException: ['MissingParameter', 400, 'Sender'],
  ResourceNotFound: ['ResourceNotFound', 404, 'Sender'],
  InvalidNextToken: ['InvalidNextToken', 400, 'Sender'],
  LimitExceededFault: ['LimitExceeded', 400, 'Sender'],
  InternalServiceFault: ['InternalServiceError', 500, 'Receiver'],
  Throttling: ['Throttling', 400, 'Sender'],
  ResourceConflict: ['ResourceConflict', 409, 'Sender'],
  // Modeled in the CloudWatch clients of 2026 (@aws-sdk/client-cloudwatch: awsQueryError "ValidationError", 400).
  ValidationException: ['ValidationError', 400, 'Sender'],
};

export class CloudWatchError extends AwsError {
  readonly queryError: string;
  constructor(shape: keyof typeof QUERY_CODES, message: string) {
    const [code, status, fault] = QUERY_CODES[shape];
    super(shape, message, status);
    this.queryError = `${code};${fault}`;
  }
}

const invalid = (message: string) => new CloudWatchError('InvalidParameterValueException', message);
const missing = (parameter: string) =>
  new CloudWatchError('MissingRequiredParameterException', `The parameter ${parameter} is required.`);

type Handler = (ctx: EmulatorContext, region: RegionState, input: Json) => OpResult;

function seconds(value: unknown, parameter: string): number {
  // awsJson sends timestamps as epoch seconds (fractions allowed); accept ISO strings from hand-written clients too.
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string') {
    const t = Date.parse(value);
    if (Number.isFinite(t)) return t / 1000;
  }
  if (value === undefined || value === null) throw missing(parameter);
  throw invalid(`The parameter ${parameter} must be a timestamp.`);
}

function dimensionsOf(value: unknown, where: string): Dimension[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw invalid(`The parameter ${where} must be a list.`);
  if (value.length > 30) throw invalid(`The collection ${where} must not have a size greater than 30.`);
  return sortDimensions(
    value.map((d, i) => {
      const dim = (d ?? {}) as Json;
      if (typeof dim.Name !== 'string' || dim.Name === '') throw missing(`${where}.member.${i + 1}.Name`);
      if (typeof dim.Value !== 'string') throw missing(`${where}.member.${i + 1}.Value`);
      return { Name: dim.Name, Value: dim.Value };
    }),
  );
}

function periodOf(value: unknown, where: string): number {
  if (value === undefined || value === null) throw missing(where);
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw invalid(`The parameter ${where} must be a whole number of seconds of at least 1.`);
  }
  return value;
}

/**
 * The aws profile's check of a query Period: a period valid for no metric (not 1, 5, 10, 20, 30 or a multiple of 60,
 * [BC-CW] MetricStat.Period) is refused, or with `invalidPeriod: "no-data"` answered with no datapoints. The wording
 * of the refusal is not documented.
 */
function queryPeriodOf(ctx: EmulatorContext, value: unknown, where: string): number {
  const period = periodOf(value, where);
  if (
    ctx.aws &&
    ctx.config.cloudwatch.invalidPeriod === 'reject' &&
    !isValidQueryPeriod(period, ctx.config.cloudwatch)
  ) {
    throw invalid(`The parameter ${where} must be 1, 5, 10, 20, 30 or a multiple of 60.`);
  }
  return period;
}

function statOf(value: unknown, where: string): ParsedStat {
  if (typeof value !== 'string') throw missing(where);
  const stat = parseStat(value);
  if (!stat) {
    throw invalid(
      `The value ${value} for parameter ${where} is not supported by this emulator: use Sum, Average, SampleCount, ` +
        'Minimum, Maximum or a percentile such as p50, p90, p99, p99.9.',
    );
  }
  return stat;
}

function encodeToken(value: Json): string {
  return Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
}

function decodeToken(token: unknown): Json | undefined {
  if (token === undefined || token === null || token === '') return undefined;
  try {
    const parsed = JSON.parse(Buffer.from(String(token), 'base64url').toString('utf8')) as unknown;
    if (typeof parsed === 'object' && parsed !== null) return parsed as Json;
  } catch {
    // fall through
  }
  throw new CloudWatchError(
    'InvalidNextToken',
    'The service couldn’t process your request because the NextToken is invalid.',
  );
}

// ---------------------------------------------------------------------------------------------------------------
// Metrics

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

const getMetricData: Handler = (ctx, region, input) => {
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

const SIMPLE_STATS = ['SampleCount', 'Average', 'Sum', 'Minimum', 'Maximum'];

const getMetricStatistics: Handler = (ctx, region, input) => {
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

const putMetricData: Handler = (ctx, region, input) => {
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

const listMetrics: Handler = (_ctx, region, input) => {
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

// ---------------------------------------------------------------------------------------------------------------
// Alarms

const COMPARISONS = [
  'GreaterThanOrEqualToThreshold',
  'GreaterThanThreshold',
  'LessThanThreshold',
  'LessThanOrEqualToThreshold',
  'LessThanLowerOrGreaterThanUpperThreshold',
  'LessThanLowerThreshold',
  'GreaterThanUpperThreshold',
];
const STATES = ['OK', 'ALARM', 'INSUFFICIENT_DATA'] as const;

function alarmArn(ctx: EmulatorContext, region: RegionState, name: string): string {
  return `arn:aws:cloudwatch:${region.name}:${ctx.config.accountId}:alarm:${name}`;
}

const putMetricAlarm: Handler = (ctx, region, input) => {
  const name = input.AlarmName;
  if (typeof name !== 'string' || name === '') throw missing('AlarmName');
  if (name.length > 255) throw invalid('The parameter AlarmName must be at most 255 characters long.');
  if (typeof input.EvaluationPeriods !== 'number' || input.EvaluationPeriods < 1) throw missing('EvaluationPeriods');
  if (typeof input.ComparisonOperator !== 'string') throw missing('ComparisonOperator');
  if (!COMPARISONS.includes(input.ComparisonOperator)) {
    throw invalid(`The value ${input.ComparisonOperator} for parameter ComparisonOperator is invalid.`);
  }
  if (input.Metrics === undefined) {
    if (typeof input.MetricName !== 'string') throw missing('MetricName');
    if (typeof input.Namespace !== 'string') throw missing('Namespace');
    const period = periodOf(input.Period, 'Period');
    if (ctx.aws && !isValidAlarmPeriod(period, ctx.config.cloudwatch)) {
      // [BC-CW] PutMetricAlarmInput.Period: "Valid values are 10, 20, 30, and any multiple of 60" (wording ours).
      throw invalid('The parameter Period must be 10, 20, 30 or a multiple of 60.');
    }
    if (input.Statistic === undefined && input.ExtendedStatistic === undefined) {
      throw new CloudWatchError(
        'MissingRequiredParameterException',
        'Either Statistic or ExtendedStatistic must be specified.',
      );
    }
    if (input.Statistic !== undefined && !SIMPLE_STATS.includes(String(input.Statistic))) {
      throw invalid(`The value ${String(input.Statistic)} for parameter Statistic is invalid.`);
    }
    if (input.ExtendedStatistic !== undefined) statOf(input.ExtendedStatistic, 'ExtendedStatistic');
  }
  if (input.Threshold === undefined && input.ThresholdMetricId === undefined) throw missing('Threshold');
  const now = Date.now();
  const existing = region.alarms.get(name);
  // Names are unique within a region across alarm types ([BC-CW] AlarmName); the wording is ours.
  if (existing?.composite) throw invalid(`The alarm ${name} already exists as a composite alarm.`);
  const { Tags: _tags, ...request } = input;
  const alarm: AlarmRecord = existing ?? {
    name,
    arn: alarmArn(ctx, region, name),
    request,
    state: 'INSUFFICIENT_DATA',
    stateReason: 'Unchecked: Initial alarm creation',
    stateUpdatedAt: now,
    configUpdatedAt: now,
    nextEvaluationAt: now,
  };
  // Updating an alarm replaces its configuration and keeps its state, as CloudWatch does; it is evaluated soon.
  alarm.request = request;
  alarm.configUpdatedAt = now;
  alarm.nextEvaluationAt = now;
  region.alarms.set(name, alarm);
  return { body: {}, changed: true, resourceName: name };
};

function alarmView(a: AlarmRecord): Json {
  const r = a.request;
  return {
    ...r,
    AlarmName: a.name,
    AlarmArn: a.arn,
    ActionsEnabled: r.ActionsEnabled ?? true,
    OKActions: r.OKActions ?? [],
    AlarmActions: r.AlarmActions ?? [],
    InsufficientDataActions: r.InsufficientDataActions ?? [],
    Dimensions: r.Dimensions ?? [],
    AlarmConfigurationUpdatedTimestamp: a.configUpdatedAt / 1000,
    StateValue: a.state,
    StateReason: a.stateReason,
    ...(a.stateReasonData !== undefined ? { StateReasonData: a.stateReasonData } : {}),
    StateUpdatedTimestamp: a.stateUpdatedAt / 1000,
    StateTransitionedTimestamp: a.stateUpdatedAt / 1000,
  };
}

function compositeView(a: AlarmRecord): Json {
  const { Tags: _tags, ...r } = a.request;
  return {
    ...r,
    AlarmName: a.name,
    AlarmArn: a.arn,
    ActionsEnabled: r.ActionsEnabled ?? true,
    OKActions: r.OKActions ?? [],
    AlarmActions: r.AlarmActions ?? [],
    InsufficientDataActions: r.InsufficientDataActions ?? [],
    AlarmConfigurationUpdatedTimestamp: a.configUpdatedAt / 1000,
    StateValue: a.state,
    StateReason: a.stateReason,
    ...(a.stateReasonData !== undefined ? { StateReasonData: a.stateReasonData } : {}),
    StateUpdatedTimestamp: a.stateUpdatedAt / 1000,
    StateTransitionedTimestamp: a.stateUpdatedAt / 1000,
  };
}

const byName = (a: AlarmRecord, b: AlarmRecord) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

/**
 * [BC-CW] DescribeAlarms: "If you omit [AlarmTypes], only metric alarms are returned, even if composite alarms or
 * log alarms exist"; ChildrenOfAlarmName / ParentsOfAlarmName list the alarms a composite names, or the composites
 * naming an alarm, and allow no other parameter but MaxRecords and NextToken.
 */
const describeAlarms: Handler = (_ctx, region, input) => {
  const names = Array.isArray(input.AlarmNames) ? (input.AlarmNames as string[]) : undefined;
  if (names && names.length > 100) throw invalid('The collection AlarmNames must not have a size greater than 100.');
  const prefix = typeof input.AlarmNamePrefix === 'string' ? input.AlarmNamePrefix : undefined;
  if (names && prefix !== undefined) {
    throw new CloudWatchError(
      'InvalidParameterCombinationException',
      'AlarmNames and AlarmNamePrefix cannot be specified together.',
    );
  }
  const children = typeof input.ChildrenOfAlarmName === 'string' ? input.ChildrenOfAlarmName : undefined;
  const parents = typeof input.ParentsOfAlarmName === 'string' ? input.ParentsOfAlarmName : undefined;
  const family = children ?? parents;
  if (family !== undefined) {
    const others = Object.keys(input).filter(
      (k) => !['ChildrenOfAlarmName', 'ParentsOfAlarmName', 'MaxRecords', 'NextToken'].includes(k),
    );
    if (others.length > 0 || (children !== undefined && parents !== undefined)) {
      throw new CloudWatchError(
        'InvalidParameterCombinationException',
        'ChildrenOfAlarmName or ParentsOfAlarmName can be combined only with MaxRecords and NextToken.',
      );
    }
  }
  const types = Array.isArray(input.AlarmTypes) ? (input.AlarmTypes as string[]) : ['MetricAlarm'];
  const wanted = (a: AlarmRecord) =>
    family !== undefined || types.includes(a.composite ? 'CompositeAlarm' : 'MetricAlarm');
  const familyOf = (a: AlarmRecord) =>
    children !== undefined
      ? (region.alarms.get(children)?.composite?.children.includes(a.name) ?? false)
      : parents !== undefined
        ? (a.composite?.children.includes(parents) ?? false)
        : true;
  const list = [...region.alarms.values()]
    .filter(
      (a) =>
        wanted(a) &&
        familyOf(a) &&
        (!names || names.includes(a.name)) &&
        (prefix === undefined || a.name.startsWith(prefix)) &&
        (typeof input.StateValue !== 'string' || a.state === input.StateValue),
    )
    .sort(byName);
  const max = typeof input.MaxRecords === 'number' ? Math.max(1, Math.min(100, input.MaxRecords)) : 50;
  const token = decodeToken(input.NextToken);
  const offset = token ? Number(token.o) : 0;
  const slice = list.slice(offset, offset + max);
  // "Only the Alarm Name, ARN, StateValue (OK/ALARM/INSUFFICIENT_DATA), and StateUpdatedTimestamp information are
  // returned" for children; "Only the Alarm Name and ARN" for parents.
  const view = (a: AlarmRecord): Json =>
    children !== undefined
      ? { AlarmName: a.name, AlarmArn: a.arn, StateValue: a.state, StateUpdatedTimestamp: a.stateUpdatedAt / 1000 }
      : parents !== undefined
        ? { AlarmName: a.name, AlarmArn: a.arn }
        : a.composite
          ? compositeView(a)
          : alarmView(a);
  const body: Json = {
    MetricAlarms: slice.filter((a) => !a.composite).map(view),
    CompositeAlarms: slice.filter((a) => a.composite).map(view),
  };
  if (offset + max < list.length) body.NextToken = encodeToken({ o: offset + max });
  return { body, changed: false };
};

const putCompositeAlarm: Handler = (ctx, region, input) => {
  const name = input.AlarmName;
  if (typeof name !== 'string' || name === '') throw missing('AlarmName');
  if (name.length > 255) throw invalid('The parameter AlarmName must be at most 255 characters long.');
  const ruleText = input.AlarmRule;
  if (typeof ruleText !== 'string' || ruleText === '') throw missing('AlarmRule');
  if (ruleText.length > 10240) throw invalid('The parameter AlarmRule must be at most 10240 characters long.');
  if (input.ActionsSuppressor !== undefined) {
    if (input.ActionsSuppressorWaitPeriod === undefined) throw missing('ActionsSuppressorWaitPeriod');
    if (input.ActionsSuppressorExtensionPeriod === undefined) throw missing('ActionsSuppressorExtensionPeriod');
  }
  let rule;
  try {
    rule = parseAlarmRule(ruleText);
  } catch (e) {
    if (e instanceof RuleError) throw new CloudWatchError('ValidationException', `Error in AlarmRule: ${e.message}.`);
    throw e;
  }
  const childNames = ruleChildren(rule);
  if (childNames.length > MAX_CHILDREN) {
    throw invalid(`The AlarmRule can specify as many as ${MAX_CHILDREN} alarms; it names ${childNames.length}.`);
  }
  // CloudWatch refuses a rule naming alarms that do not exist (awsdocs/aws-cloudformation-user-guide#911 quotes
  // "Could not save the composite alarm as alarms ... in the alarm rule do not exist").
  const absent = childNames.filter((c) => c !== name && !region.alarms.has(c));
  if (absent.length > 0) {
    throw new CloudWatchError(
      'ValidationException',
      `Could not save the composite alarm as alarms [${absent.join(', ')}] in the alarm rule do not exist`,
    );
  }
  const existing = region.alarms.get(name);
  if (existing && !existing.composite) throw invalid(`The alarm ${name} already exists as a metric alarm.`);
  const now = Date.now();
  const { Tags: _tags, ...request } = input;
  // "When this operation creates an alarm, the alarm state is immediately set to INSUFFICIENT_DATA. The alarm is
  // then evaluated"; "When you update an existing alarm, its state is left unchanged".
  const alarm: AlarmRecord = existing ?? {
    name,
    arn: alarmArn(ctx, region, name),
    request,
    state: 'INSUFFICIENT_DATA',
    stateReason: 'Unchecked: Initial alarm creation',
    stateUpdatedAt: now,
    configUpdatedAt: now,
    nextEvaluationAt: Number.POSITIVE_INFINITY,
  };
  alarm.request = request;
  alarm.configUpdatedAt = now;
  alarm.composite = { rule, children: childNames };
  region.alarms.set(name, alarm);
  evaluateCompositeAlarms(region, now);
  return { body: {}, changed: true, resourceName: name };
};

const setAlarmState: Handler = (_ctx, region, input) => {
  const name = input.AlarmName;
  if (typeof name !== 'string' || name === '') throw missing('AlarmName');
  const state = input.StateValue;
  if (typeof state !== 'string') throw missing('StateValue');
  if (!(STATES as readonly string[]).includes(state)) {
    throw invalid(`The value ${state} for parameter StateValue is invalid (OK, ALARM, INSUFFICIENT_DATA).`);
  }
  if (typeof input.StateReason !== 'string') throw missing('StateReason');
  if (input.StateReasonData !== undefined) {
    try {
      JSON.parse(String(input.StateReasonData));
    } catch {
      throw new CloudWatchError('InvalidParameterValueException', 'The parameter StateReasonData must be valid JSON.');
    }
  }
  const alarm = region.alarms.get(name);
  if (!alarm) throw new CloudWatchError('ResourceNotFound', `Alarm ${name} not found`);
  const changed = alarm.state !== state || alarm.stateReason !== input.StateReason;
  alarm.state = state as AlarmRecord['state'];
  alarm.stateReason = input.StateReason;
  alarm.stateReasonData = typeof input.StateReasonData === 'string' ? input.StateReasonData : undefined;
  alarm.stateUpdatedAt = Date.now();
  // The set state holds until the alarm's next regular evaluation, which may put it back; a composite alarm's next
  // evaluation comes when one of its children changes state.
  if (!alarm.composite) alarm.nextEvaluationAt = nextEvaluation(alarm, alarm.stateUpdatedAt);
  const composites = [...region.alarms.values()].filter((a) => a !== alarm && a.composite);
  if (changed && composites.length > 0) evaluateCompositeAlarms(region, alarm.stateUpdatedAt, composites);
  return { body: {}, changed, resourceName: name };
};

/**
 * [BC-CW] DeleteAlarms: "You can delete up to 100 alarms in one operation. However, this total can include no more than
 * one composite alarm"; an alarm a composite alarm names cannot be deleted while it does (ResourceConflict: "you can't
 * delete any composite alarm that is part of the cycle because there is always still a composite alarm that depends
 * on that alarm"). In the aws profile "If you specify any incorrect alarm names, the alarms you specify with correct
 * names are still deleted"; the ideal profile refuses the call with ResourceNotFound, as it always did.
 */
const deleteAlarms: Handler = (ctx, region, input) => {
  const names = input.AlarmNames;
  if (!Array.isArray(names) || names.length === 0) throw missing('AlarmNames');
  if (names.length > 100) throw invalid('The collection AlarmNames must not have a size greater than 100.');
  const unknown = (names as string[]).filter((n) => !region.alarms.has(n));
  if (unknown.length > 0 && !ctx.aws) throw new CloudWatchError('ResourceNotFound', `${unknown.join(', ')} not found`);
  const doomed = new Set((names as string[]).filter((n) => region.alarms.has(n)));
  const composites = [...doomed].filter((n) => region.alarms.get(n)!.composite);
  if (composites.length > 1) {
    throw new CloudWatchError(
      'ValidationException',
      `A DeleteAlarms call can delete at most one composite alarm; it names ${composites.join(', ')}.`,
    );
  }
  for (const parent of region.alarms.values()) {
    if (!parent.composite || doomed.has(parent.name)) continue;
    const referenced = parent.composite.children.filter((c) => doomed.has(c));
    if (referenced.length > 0) {
      throw new CloudWatchError(
        'ResourceConflict',
        `Alarm(s) ${referenced.join(', ')} cannot be deleted: the composite alarm ${parent.name} names them in its AlarmRule.`,
      );
    }
  }
  for (const n of doomed) region.alarms.delete(n);
  return { body: {}, changed: doomed.size > 0, resourceName: (names as string[]).join(',') };
};

export const CLOUDWATCH_OPERATIONS: Record<string, Handler> = {
  GetMetricData: getMetricData,
  GetMetricStatistics: getMetricStatistics,
  PutMetricData: putMetricData,
  ListMetrics: listMetrics,
  PutMetricAlarm: putMetricAlarm,
  DescribeAlarms: describeAlarms,
  SetAlarmState: setAlarmState,
  DeleteAlarms: deleteAlarms,
  PutCompositeAlarm: putCompositeAlarm,
};

export function handleCloudWatch(ctx: EmulatorContext, region: RegionState, operation: string, input: Json): OpResult {
  const handler = CLOUDWATCH_OPERATIONS[operation];
  if (!handler) {
    throw new CloudWatchError(
      'InvalidParameterValueException',
      `The emulator does not implement CloudWatch.${operation}.`,
    );
  }
  publishDueMetrics(ctx);
  return handler(ctx, region, input);
}
