/**
 * Metric alarm evaluation, as CloudWatch does it: once per alarm Period, over the last EvaluationPeriods complete
 * periods, ALARM when at least DatapointsToAlarm of them breach the threshold, OK otherwise, INSUFFICIENT_DATA when
 * there is no data (TreatMissingData "missing"). A state set with SetAlarmState holds until the next evaluation, so an
 * alarm on a metric with no data drifts back to INSUFFICIENT_DATA as a real one does.
 * Alarms on metric math (Metrics) or anomaly bands are not evaluated: they keep the state SetAlarmState gives them.
 */
import { evaluateCompositeAlarms } from './composite-alarms';
import { type Dimension, parseStat, sortDimensions } from './metrics';
import { publishDueMetrics } from './sagemaker-metrics';
import type { AlarmRecord, EmulatorContext, RegionState } from './state';

const COMPARE: Record<string, (v: number, t: number) => boolean> = {
  GreaterThanOrEqualToThreshold: (v, t) => v >= t,
  GreaterThanThreshold: (v, t) => v > t,
  LessThanThreshold: (v, t) => v < t,
  LessThanOrEqualToThreshold: (v, t) => v <= t,
};

const WORDS: Record<string, string> = {
  GreaterThanOrEqualToThreshold: 'greater than or equal to',
  GreaterThanThreshold: 'greater than',
  LessThanThreshold: 'less than',
  LessThanOrEqualToThreshold: 'less than or equal to',
};

/** The first evaluation time after `ms` for an alarm with this period (period boundaries, epoch-aligned). */
export function nextEvaluation(alarm: AlarmRecord, ms: number): number {
  const period = Number(alarm.request.Period) || 60;
  return (Math.floor(ms / 1000 / period) + 1) * period * 1000;
}

function fmt(n: number): string {
  return Number.isInteger(n) ? n.toFixed(1) : String(n);
}

export function evaluateAlarm(ctx: EmulatorContext, region: RegionState, alarm: AlarmRecord, nowMs: number): void {
  const r = alarm.request;
  const compare = COMPARE[String(r.ComparisonOperator)];
  const statName = typeof r.ExtendedStatistic === 'string' ? r.ExtendedStatistic : String(r.Statistic);
  const stat = parseStat(statName);
  if (!compare || !stat || typeof r.MetricName !== 'string' || typeof r.Namespace !== 'string') return;
  const period = Number(r.Period);
  const periods = Number(r.EvaluationPeriods);
  const toAlarm = Number(r.DatapointsToAlarm ?? periods);
  const threshold = Number(r.Threshold);
  const missing = String(r.TreatMissingData ?? 'missing');
  const end = Math.floor(nowMs / 1000 / period) * period;
  const start = end - periods * period;
  const dims = sortDimensions(
    ((r.Dimensions as Dimension[] | undefined) ?? []).map((d) => ({ Name: d.Name, Value: d.Value })),
  );
  const series = ctx.faults.cloudwatchNoData() ? undefined : region.metrics.find(r.Namespace, r.MetricName, dims);
  const points = region.metrics.query(series, start, end, period, stat);

  let breaching = 0;
  let present = 0;
  for (const p of points) {
    present++;
    if (compare(p.value, threshold)) breaching++;
  }
  const absent = periods - present;
  if (missing === 'breaching') breaching += absent;
  const evaluated = missing === 'breaching' || missing === 'notBreaching' ? periods : present;

  let next: AlarmRecord['state'];
  if (evaluated === 0) {
    if (missing === 'ignore') return;
    next = 'INSUFFICIENT_DATA';
  } else {
    next = breaching >= toAlarm ? 'ALARM' : 'OK';
  }
  if (next === alarm.state) return; // no transition: CloudWatch keeps the reason and timestamp of the last one
  const recent = [...points]
    .reverse()
    .slice(0, Math.min(5, points.length))
    .map((p) => `${fmt(p.value)} (${new Date(p.timestamp * 1000).toISOString()})`);
  alarm.state = next;
  alarm.stateUpdatedAt = nowMs;
  if (next === 'INSUFFICIENT_DATA') {
    alarm.stateReason = `Insufficient Data: ${periods} datapoint${periods === 1 ? ' was' : 's were'} unknown.`;
  } else {
    const verb = next === 'ALARM' ? (breaching === 1 ? 'was' : 'were') : 'was not';
    alarm.stateReason =
      `Threshold Crossed: ${breaching} out of the last ${periods} datapoints [${recent.join(', ')}] ${verb} ` +
      `${WORDS[String(r.ComparisonOperator)]} the threshold (${fmt(threshold)}) (minimum ${toAlarm} datapoint` +
      `${toAlarm === 1 ? '' : 's'} for ${next === 'ALARM' ? 'OK -> ALARM' : 'ALARM -> OK'} transition).`;
  }
  alarm.stateReasonData = JSON.stringify({
    version: '1.0',
    queryDate: new Date(nowMs).toISOString(),
    startDate: new Date(start * 1000).toISOString(),
    statistic: statName,
    period,
    recentDatapoints: points.map((p) => p.value),
    threshold,
    evaluatedDatapoints: points.map((p) => ({ timestamp: new Date(p.timestamp * 1000).toISOString(), value: p.value })),
  });
}

/** Evaluates every alarm whose time has come; called about once a second. */
export function evaluateDueAlarms(ctx: EmulatorContext, nowMs: number): void {
  publishDueMetrics(ctx, nowMs);
  for (const region of ctx.regions.values()) {
    for (const alarm of region.alarms.values()) {
      if (alarm.nextEvaluationAt > nowMs) continue;
      alarm.nextEvaluationAt = nextEvaluation(alarm, nowMs);
      evaluateAlarm(ctx, region, alarm, nowMs);
    }
    evaluateCompositeAlarms(region, nowMs);
  }
}
