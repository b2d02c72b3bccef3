/**
 * CloudWatch over awsJson1_0 (`X-Amz-Target: GraniteServiceVersion20100801.<Op>`), the protocol current SDK v3
 * clients send. The service is awsQueryCompatible: errors carry `__type` and the old query error code in the
 * `x-amzn-query-error: <Code>;Sender` header, from which the SDK names the exception.
 */
import { publishDueMetrics } from '../sagemaker-metrics';
import type { OpResult } from '../sagemaker';
import type { EmulatorContext, Json, RegionState } from '../state';
import { CloudWatchError, type Handler } from './common';
import { deleteAlarms, describeAlarms, putCompositeAlarm, putMetricAlarm, setAlarmState } from './alarm-operations';
import { getMetricData, getMetricStatistics, listMetrics, putMetricData } from './metric-operations';

export { CloudWatchError } from './common';

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
