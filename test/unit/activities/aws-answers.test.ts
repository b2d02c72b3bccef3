// How the activities read AWS's answers, as pure functions: DescribeAlarms' MetricAlarms and CompositeAlarms, an
// endpoint hosting inference components (variants without a model, which the emulator cannot host), and
// ResourceLimitExceeded as SageMaker words it.
import { alarmStatesFrom } from '../../../src/activities/alarms';
import { isRetryableAwsError, quotaMessage } from '../../../src/activities/aws-errors';
import { unsupportedEndpoint } from '../../../src/activities/preflight-support';

test('composite alarms are read from CompositeAlarms, metric alarms from MetricAlarms, others are MISSING', () => {
  // Shapes of [BC-CW] DescribeAlarmsOutput.
  const states = alarmStatesFrom(['service-health', 'p99', 'gone'], {
    MetricAlarms: [{ AlarmName: 'p99', StateValue: 'OK' }],
    CompositeAlarms: [{ AlarmName: 'service-health', StateValue: 'ALARM', StateReason: 'p99 AND errors' }],
  });
  expect(states).toEqual([
    { name: 'service-health', state: 'ALARM', reason: 'p99 AND errors' },
    { name: 'p99', state: 'OK' },
    { name: 'gone', state: 'MISSING' },
  ]);
});

test('an endpoint whose variants hold no model (inference components) is refused, saying why', () => {
  // CreateEndpointConfig for inference components gives variants an instance type and no ModelName ([BC-SM]).
  const why = unsupportedEndpoint({
    configName: 'llm-config',
    variants: [{ VariantName: 'AllTraffic', InstanceType: 'ml.g5.2xlarge', InitialInstanceCount: 1 }],
  });
  expect(why).toMatch(/^has a variant without a model \(AllTraffic\): it hosts inference components/);
  expect(unsupportedEndpoint({ configName: 'c', variants: [{ VariantName: 'A', ModelName: 'm' }] })).toBeNull();
});

test('ResourceLimitExceeded is never retried, and its message names the quota and what the call needed', () => {
  // aws-samples/aws-genai-llm-chatbot#244 (the message), smithy's THROTTLING_ERROR_CODES (not among them).
  const err = {
    name: 'ResourceLimitExceeded',
    message:
      "The account-level service limit 'ml.g5.12xlarge for endpoint usage' is 2 Instances, with current utilization of 2 Instances and a request delta of 1 Instances. Please use AWS Service Quotas to request an increase for this quota.",
    $fault: 'client',
    $metadata: { httpStatusCode: 400 },
  };
  expect(isRetryableAwsError(err)).toBe(false);
  expect(quotaMessage('UpdateEndpoint churn', err.message)).toMatch(
    /^UpdateEndpoint churn: the quota 'ml\.g5\.12xlarge for endpoint usage' is too small: it needs 1 more instances \(3 in all, 2 in use\) and the quota is 2\./,
  );
  // Throttling keeps being retried, under every name the SDK uses for it.
  for (const name of [
    'ThrottlingException',
    'Throttling',
    'LimitExceededException',
    'SlowDown',
    'TooManyRequestsException',
  ]) {
    expect([name, isRetryableAwsError({ name, $metadata: { httpStatusCode: 400 } })]).toEqual([name, true]);
  }
});
