// CloudWatch's alarm operations: PutMetricAlarm, PutCompositeAlarm, DescribeAlarms, SetAlarmState, DeleteAlarms.
import { nextEvaluation } from '../alarms';
import { evaluateCompositeAlarms, MAX_CHILDREN, parseAlarmRule, RuleError, ruleChildren } from '../composite-alarms';
import { isValidAlarmPeriod } from '../cloudwatch-periods';
import type { AlarmRecord, EmulatorContext, Json, RegionState } from '../state';
import { CloudWatchError, decodeToken, encodeToken, invalid, missing, periodOf, statOf, type Handler } from './common';
import { SIMPLE_STATS } from './metric-operations';

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

/** A new alarm, INSUFFICIENT_DATA until it is first evaluated, at `nextEvaluationAt`. */
function newAlarm(
  ctx: EmulatorContext,
  region: RegionState,
  name: string,
  request: Json,
  now: number,
  nextEvaluationAt: number,
): AlarmRecord {
  return {
    name,
    arn: alarmArn(ctx, region, name),
    request,
    state: 'INSUFFICIENT_DATA',
    stateReason: 'Unchecked: Initial alarm creation',
    stateUpdatedAt: now,
    configUpdatedAt: now,
    nextEvaluationAt,
  };
}

export const putMetricAlarm: Handler = (ctx, region, input) => {
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
  const alarm = existing ?? newAlarm(ctx, region, name, request, now, now);
  // Updating an alarm replaces its configuration and keeps its state, as CloudWatch does; it is evaluated soon.
  alarm.request = request;
  alarm.configUpdatedAt = now;
  alarm.nextEvaluationAt = now;
  region.alarms.set(name, alarm);
  return { body: {}, changed: true, resourceName: name };
};

/** DescribeAlarms' view of an alarm ([BC-CW] MetricAlarm, CompositeAlarm): what was put, the defaults, the state. */
function alarmBody(a: AlarmRecord): Json {
  const r = a.request;
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

const alarmView = (a: AlarmRecord): Json => ({ ...alarmBody(a), Dimensions: a.request.Dimensions ?? [] });
const compositeView = alarmBody;

const byName = (a: AlarmRecord, b: AlarmRecord) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

/**
 * [BC-CW] DescribeAlarms: "If you omit [AlarmTypes], only metric alarms are returned, even if composite alarms or
 * log alarms exist"; ChildrenOfAlarmName / ParentsOfAlarmName list the alarms a composite names, or the composites
 * naming an alarm, and allow no other parameter but MaxRecords and NextToken.
 */
export const describeAlarms: Handler = (_ctx, region, input) => {
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

export const putCompositeAlarm: Handler = (ctx, region, input) => {
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
  const alarm = existing ?? newAlarm(ctx, region, name, request, now, Number.POSITIVE_INFINITY);
  alarm.request = request;
  alarm.configUpdatedAt = now;
  alarm.composite = { rule, children: childNames };
  region.alarms.set(name, alarm);
  evaluateCompositeAlarms(region, now);
  return { body: {}, changed: true, resourceName: name };
};

export const setAlarmState: Handler = (_ctx, region, input) => {
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
export const deleteAlarms: Handler = (ctx, region, input) => {
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
