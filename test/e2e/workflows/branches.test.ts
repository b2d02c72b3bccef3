// Every branch of the rollout's story on real parts (the shared Temporal dev server, the rollout worker, the emulator
// through the AWS SDK): a first deployment without a baseline, pause and resume mid-soak, a failed guardrail under
// onFailure "pause", each inconclusive policy, an approval that times out into "approve", a named CloudWatch alarm,
// and a rollback whose original endpoint config someone deleted. Each ends checked against the emulator's state
// (test/harness/invariants.ts): one InService variant serving, nothing left behind.
import { PutMetricAlarmCommand, SetAlarmStateCommand } from '@aws-sdk/client-cloudwatch';
import { DeleteEndpointConfigCommand, DescribeEndpointConfigCommand } from '@aws-sdk/client-sagemaker';
import type { WorkflowHandle } from '@temporalio/client';
import { statusQuery, type RolloutResult, type RolloutStatus } from '../../../src/workflows/shared';
import type { RolloutSpecInput } from '../../../src/schema';
import { recordHistory } from '../../harness/histories';
import { beforeRollout, checkRolloutInvariants } from '../../harness/invariants';
import { startRolloutStack, type RolloutStack } from '../../harness/rollout-stack';
import { uniqueName } from '../../harness/temporal';

let stack: RolloutStack;

beforeAll(async () => {
  stack = await startRolloutStack();
});

afterAll(async () => {
  await stack?.close();
});

async function start(spec: RolloutSpecInput) {
  const before = await beforeRollout(stack.admin, spec);
  const handle = await stack.client.workflow.start('modelRollout', {
    taskQueue: stack.taskQueue,
    workflowId: `rollout-${spec.endpointName}`,
    args: [spec],
  });
  return { handle, before };
}

async function waitFor(
  handle: WorkflowHandle,
  what: string,
  predicate: (s: RolloutStatus) => boolean,
  timeoutMs = 60_000,
): Promise<RolloutStatus> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const status = await handle.query(statusQuery);
    if (predicate(status)) return status;
    if (status.outcome) throw new Error(`the rollout ended (${status.outcome}: ${status.reason}) before ${what}`);
    if (Date.now() > deadline) throw new Error(`never ${what}; last status: ${JSON.stringify(status).slice(0, 600)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/**
 * The story's decisions: the shipped policy cannot read the model bucket, so every rollout also notes preflight's, and
 * how the variants are sized ('capacity') is test/e2e/workflows/capacity.test.ts's.
 */
const kinds = (result: RolloutResult | RolloutStatus) =>
  result.decisions
    .filter((d) => d.kind !== 'signal-ignored' && d.kind !== 'preflight' && d.kind !== 'capacity')
    .map((d) => d.kind);

/** Replay requests the endpoint has answered so far, from the emulator's request log. */
async function invocations(endpoint: string): Promise<number> {
  const log = await stack.admin.requests({ service: 'Runtime' });
  return log.filter((e) => e.endpointName === endpoint && e.operation === 'InvokeEndpoint' && !e.internal).length;
}

/** A spec without a baseline: the rollout creates the endpoint, serving the candidate alone. */
function firstDeployment(endpoint: string, overrides: Partial<RolloutSpecInput> = {}): RolloutSpecInput {
  const { baseline: _none, ...spec } = stack.spec(endpoint, 'challenger', {
    steps: [{ candidateWeight: 100, soak: '2s' }],
    ...overrides,
  });
  return spec;
}

/**
 * An alarm that nothing but SetAlarmState moves: CloudWatch puts a set state back at the alarm's next evaluation
 * (SetAlarmState, CloudWatch API reference), once per Period, so a one-day period on a metric that has no data holds
 * the state the test sets for the rest of the (UTC) day.
 */
async function quietAlarm(name: string): Promise<void> {
  await stack.cloudwatch.send(
    new PutMetricAlarmCommand({
      AlarmName: name,
      Namespace: 'ModelRollout/Tests',
      MetricName: 'NothingPublishes',
      Statistic: 'Sum',
      Period: 86_400,
      EvaluationPeriods: 1,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    }),
  );
}

async function setAlarm(name: string, state: 'ALARM' | 'OK', reason: string): Promise<void> {
  await stack.cloudwatch.send(new SetAlarmStateCommand({ AlarmName: name, StateValue: state, StateReason: reason }));
}

describe('a first deployment (no baseline)', () => {
  test('creates the endpoint serving the candidate alone and is promoted', async () => {
    const endpoint = uniqueName('first');
    const { handle, before } = await start(firstDeployment(endpoint));
    const result = (await handle.result()) as RolloutResult;
    expect(result.outcome).toBe('promoted');
    expect(result.baselineVariant).toBeNull();
    expect(result.decisions).toContainEqual(
      expect.objectContaining({ kind: 'deployed', reason: `created endpoint ${endpoint} serving Challenger` }),
    );
    expect(await invocations(endpoint)).toBeGreaterThan(0); // it soaked on replayed traffic before promoting
    await checkRolloutInvariants(stack, before, result, 'Challenger');
    await recordHistory(stack.client, 'first-deployment-promoted', handle.workflowId, handle.firstExecutionRunId);
  });

  test('is rolled back when a named alarm on its errors goes to ALARM, deleting the endpoint it created', async () => {
    const endpoint = uniqueName('first-alarm');
    const alarm = `${endpoint}-5xx`;
    // A real alarm on the candidate's own errors, evaluated by the emulator against the metrics SageMaker
    // publishes: the only guardrail a first deployment has (there is no baseline to compare with).
    await stack.cloudwatch.send(
      new PutMetricAlarmCommand({
        AlarmName: alarm,
        Namespace: 'AWS/SageMaker',
        MetricName: 'Invocation5XXErrors',
        Dimensions: [
          { Name: 'EndpointName', Value: endpoint },
          { Name: 'VariantName', Value: 'Challenger' },
        ],
        Statistic: 'Sum',
        Period: 10,
        EvaluationPeriods: 1,
        Threshold: 0,
        ComparisonOperator: 'GreaterThanThreshold',
        TreatMissingData: 'notBreaching',
      }),
    );
    await stack.admin.patchFaults({ endpoints: { [endpoint]: { variants: { Challenger: { errorRate5xx: 0.5 } } } } });
    const spec = firstDeployment(endpoint, {
      steps: [{ candidateWeight: 100, soak: '60s' }],
      guardrails: { alarms: [alarm] },
      traffic: { replay: { dataUrl: `file://${stack.data.holdoutFile}`, ratePerSecond: 20 } },
    });
    const { handle, before } = await start(spec);
    const result = (await handle.result()) as RolloutResult;
    expect(result.outcome).toBe('rolled_back');
    expect(result.reason).toBe(`guardrail failed: CloudWatch alarm ${alarm} is in ALARM`);
    expect(result.servingVariant).toBe('(endpoint deleted)');
    expect(result.evaluations.at(-1)!.alarms).toEqual([{ name: alarm, state: 'ALARM' }]);
    await checkRolloutInvariants(stack, before, result, null);
    await recordHistory(stack.client, 'first-deployment-rolled-back', handle.workflowId, handle.firstExecutionRunId);
  });
});

test('pause mid-soak holds the soak and the traffic; resume carries on where it was, and it is promoted', async () => {
  const endpoint = uniqueName('pause');
  await stack.seedEndpoint(endpoint);
  const { handle, before } = await start(
    stack.spec(endpoint, 'challenger', {
      steps: [{ candidateWeight: 50, soak: '4s', maxSoak: '5s' }],
      traffic: { replay: { dataUrl: `file://${stack.data.holdoutFile}`, ratePerSecond: 20 } },
      evaluation: { interval: '1s', metricPeriod: '1s', settleDelay: stack.settle, onInconclusive: 'pass' },
    }),
  );
  await waitFor(handle, 'soaked a second', (s) => s.phase === 'soaking' && s.steps[0]?.soakedMs >= 1_000);
  await handle.signal('pause', { by: 'carol', reason: 'a release freeze' });
  const paused = await waitFor(handle, 'paused', (s) => s.phase === 'paused');
  const requests = await invocations(endpoint);
  await new Promise((r) => setTimeout(r, 2_500)); // longer than two evaluation intervals
  const still = await handle.query(statusQuery);
  expect(still).toMatchObject({ phase: 'paused', paused: true, weights: { Champion: 50, Challenger: 50 } });
  expect(still.steps[0].soakedMs).toBe(paused.steps[0].soakedMs);
  expect(still.steps[0].evaluations).toBe(paused.steps[0].evaluations);
  expect(await invocations(endpoint)).toBe(requests); // no replay traffic while paused

  await handle.signal('resume', { by: 'carol' });
  const result = (await handle.result()) as RolloutResult;
  expect(result.outcome).toBe('promoted');
  expect(result.steps[0].soakedMs).toBeGreaterThanOrEqual(4_000); // the soak still ran its full minimum
  expect(result.decisions).toEqual(
    expect.arrayContaining([
      expect.objectContaining({ kind: 'pause', by: 'carol', reason: 'a release freeze' }),
      expect.objectContaining({ kind: 'resume', by: 'carol' }),
    ]),
  );
  expect(await invocations(endpoint)).toBeGreaterThan(requests);
  await checkRolloutInvariants(stack, before, result, 'Challenger');
  await recordHistory(stack.client, 'paused-and-resumed', handle.workflowId, handle.firstExecutionRunId);
});

describe('onFailure "pause": a failed guardrail waits for a human', () => {
  test('approve keeps soaking (the regression fails again and asks again); rollback rolls back', async () => {
    const endpoint = uniqueName('pause-fail');
    await stack.seedEndpoint(endpoint);
    await stack.admin.patchFaults({ endpoints: { [endpoint]: { variants: { Challenger: { errorRate5xx: 0.3 } } } } });
    const { handle, before } = await start(
      stack.spec(endpoint, 'challenger', {
        steps: [{ candidateWeight: 50, soak: '60s' }],
        traffic: { replay: { dataUrl: `file://${stack.data.holdoutFile}`, ratePerSecond: 20 } },
        onFailure: 'pause',
      }),
    );
    const asked = await waitFor(handle, 'asked about the failure', (s) => s.pendingApproval?.cause === 'failure');
    expect(asked).toMatchObject({ phase: 'awaiting-approval', weights: { Champion: 50, Challenger: 50 } });
    expect(asked.pendingApproval!.reason).toMatch(/^guardrail failed: errorRate5xx.*Approve to keep soaking/);
    expect(kinds(asked)).not.toContain('rollback');

    await handle.signal('approve', { by: 'dana', reason: 'known noisy dependency, keep watching' });
    const again = await waitFor(
      handle,
      'asked a second time',
      (s) => s.decisions.filter((d) => d.kind === 'approval-requested').length === 2 && s.pendingApproval !== null,
    );
    expect(again.steps[0].soakedMs).toBeGreaterThan(asked.steps[0].soakedMs); // it soaked on after the approval
    expect(again.steps[0].evaluations).toBeGreaterThan(asked.steps[0].evaluations);

    await handle.signal('rollback', { by: 'dana', reason: 'still failing' });
    const result = (await handle.result()) as RolloutResult;
    expect(result.outcome).toBe('rolled_back');
    expect(result.reason).toBe('rolled back by dana: still failing');
    expect(kinds(result)).toEqual([
      'deployed',
      'approval-requested',
      'approve',
      'approval-requested',
      'rollback',
      'cleanup',
    ]);
    await checkRolloutInvariants(stack, before, result, 'Champion');
    await recordHistory(stack.client, 'failure-paused-then-rolled-back', handle.workflowId, handle.firstExecutionRunId);
  });

  test('an alarm that fired and was cleared: approve keeps soaking, and the candidate is promoted', async () => {
    const endpoint = uniqueName('pause-alarm');
    const alarm = `${endpoint}-downstream`;
    await quietAlarm(alarm);
    await stack.seedEndpoint(endpoint);
    const { handle, before } = await start(
      stack.spec(endpoint, 'challenger', {
        steps: [{ candidateWeight: 50, soak: '3s', maxSoak: '6s' }],
        guardrails: { alarms: [alarm] },
        onFailure: 'pause',
      }),
    );
    await waitFor(handle, 'soaking', (s) => s.phase === 'soaking');
    await setAlarm(alarm, 'ALARM', 'downstream queue backing up');
    const asked = await waitFor(handle, 'asked about the alarm', (s) => s.pendingApproval?.cause === 'failure');
    expect(asked.pendingApproval!.reason).toContain(`CloudWatch alarm ${alarm} is in ALARM`);
    await setAlarm(alarm, 'OK', 'downstream drained');
    await handle.signal('approve', { by: 'erin', reason: 'the queue drained; unrelated to the model' });
    const result = (await handle.result()) as RolloutResult;
    expect(result.outcome).toBe('promoted');
    expect(result.reason).toBe('all 1 steps passed and were approved');
    const afterApproval = result.evaluations.filter(
      (e) => e.at > result.decisions.find((d) => d.kind === 'approve')!.at,
    );
    expect(afterApproval.length).toBeGreaterThan(0); // it soaked on before promoting
    expect(afterApproval.every((e) => e.alarms[0].state === 'OK')).toBe(true);
    await checkRolloutInvariants(stack, before, result, 'Challenger');
  });
});

describe('evaluation.onInconclusive, when maxSoak passes undecided (no live traffic at all: nothing to judge)', () => {
  const undecided = (endpoint: string, policy: 'ask' | 'pass' | 'fail') =>
    stack.spec(endpoint, 'challenger', {
      steps: [{ candidateWeight: 50, soak: '1s', maxSoak: '2s' }],
      traffic: {},
      evaluation: { interval: '1s', metricPeriod: '1s', settleDelay: stack.settle, onInconclusive: policy },
    });

  test('"ask" waits for a human; approve advances and the candidate is promoted', async () => {
    const endpoint = uniqueName('inconclusive-ask');
    await stack.seedEndpoint(endpoint);
    const { handle, before } = await start(undecided(endpoint, 'ask'));
    const asked = await waitFor(handle, 'asked', (s) => s.pendingApproval?.cause === 'inconclusive');
    expect(asked.pendingApproval!.reason).toMatch(
      /^guardrails still inconclusive after 2s \(maxSoak\).*Approve to advance/,
    );
    await handle.signal('approve', { by: 'frank', reason: 'quiet hours; the model is the same family' });
    const result = (await handle.result()) as RolloutResult;
    expect(result.outcome).toBe('promoted');
    expect(kinds(result)).toEqual([
      'deployed',
      'inconclusive',
      'approval-requested',
      'approve',
      'advance',
      'promote',
      'cleanup',
    ]);
    await checkRolloutInvariants(stack, before, result, 'Challenger');
    await recordHistory(stack.client, 'approved-and-promoted', handle.workflowId, handle.firstExecutionRunId);
  });

  test.each([
    ['pass', 'promoted', 'Challenger'],
    ['fail', 'rolled_back', 'Champion'],
  ] as const)('"%s" decides alone: %s', async (policy, outcome, serving) => {
    const endpoint = uniqueName(`inconclusive-${policy}`);
    await stack.seedEndpoint(endpoint);
    const { handle, before } = await start(undecided(endpoint, policy));
    const result = (await handle.result()) as RolloutResult;
    expect(result.outcome).toBe(outcome);
    expect(result.steps[0]).toMatchObject({ soakedMs: 2_000, verdict: 'continue' });
    expect(result.decisions).toContainEqual(
      expect.objectContaining({
        kind: 'inconclusive',
        reason: expect.stringMatching(new RegExp(`policy: ${policy}$`)),
      }),
    );
    expect(kinds(result)).not.toContain('approval-requested');
    if (policy === 'fail') expect(result.reason).toMatch(/^guardrails still inconclusive after 2s \(maxSoak\)/);
    await checkRolloutInvariants(stack, before, result, serving);
  });
});

test('approval.onTimeout "approve": an approval nobody gives advances when it times out', async () => {
  const endpoint = uniqueName('timeout-approve');
  await stack.seedEndpoint(endpoint);
  const { handle, before } = await start(
    stack.spec(endpoint, 'challenger', {
      steps: [{ candidateWeight: 50, soak: '1s', maxSoak: '1s', approval: 'required' }],
      traffic: {},
      evaluation: { interval: '1s', metricPeriod: '1s', settleDelay: stack.settle, onInconclusive: 'pass' },
      approval: { timeout: '2s', onTimeout: 'approve' },
    }),
  );
  const result = (await handle.result()) as RolloutResult;
  expect(result.outcome).toBe('promoted');
  const timedOut = result.decisions.find((d) => d.kind === 'approval-timeout')!;
  expect(timedOut.reason).toBe('no approval within 2s; policy: approve');
  const requested = result.decisions.find((d) => d.kind === 'approval-requested')!;
  expect(Date.parse(timedOut.at) - Date.parse(requested.at)).toBeGreaterThanOrEqual(2_000);
  expect(kinds(result)).not.toContain('approve'); // nobody approved
  await checkRolloutInvariants(stack, before, result, 'Challenger');
});

test('a named CloudWatch alarm going to ALARM mid-soak rolls back', async () => {
  const endpoint = uniqueName('alarm');
  const alarm = `${endpoint}-checkout-errors`;
  await quietAlarm(alarm);
  await stack.seedEndpoint(endpoint);
  const { handle, before } = await start(
    stack.spec(endpoint, 'challenger', {
      steps: [{ candidateWeight: 50, soak: '60s' }],
      guardrails: { alarms: [alarm] },
    }),
  );
  const soaking = await waitFor(handle, 'evaluated once', (s) => s.lastEvaluation !== null);
  expect(soaking.lastEvaluation!.alarms).toEqual([{ name: alarm, state: 'INSUFFICIENT_DATA' }]);
  await setAlarm(alarm, 'ALARM', 'checkout errors above 1%');
  const result = (await handle.result()) as RolloutResult;
  expect(result.outcome).toBe('rolled_back');
  expect(result.reason).toBe(`guardrail failed: CloudWatch alarm ${alarm} is in ALARM`);
  await checkRolloutInvariants(stack, before, result, 'Champion');
});

test('a rollback re-creates the original endpoint config someone deleted mid-rollout (as …-restore)', async () => {
  const endpoint = uniqueName('restore');
  await stack.seedEndpoint(endpoint);
  const original = `${endpoint}-initial`;
  const { ProductionVariants: variants } = await stack.sm.send(
    new DescribeEndpointConfigCommand({ EndpointConfigName: original }),
  );
  const { handle, before } = await start(
    stack.spec(endpoint, 'challenger', { steps: [{ candidateWeight: 50, soak: '60s' }] }),
  );
  await waitFor(handle, 'soaking', (s) => s.phase === 'soaking');
  await stack.sm.send(new DeleteEndpointConfigCommand({ EndpointConfigName: original }));
  await handle.signal('rollback', { by: 'gail', reason: 'wrong model version' });
  const result = (await handle.result()) as RolloutResult;
  expect(result.outcome).toBe('rolled_back');
  const report = await checkRolloutInvariants(stack, before, result, 'Champion');
  expect(report.configName).toMatch(new RegExp(`^${endpoint}-[0-9a-f]{8}-restore$`));
  expect(report.servingModel).toBe(`${endpoint}-champion`);
  const restored = await stack.sm.send(new DescribeEndpointConfigCommand({ EndpointConfigName: report.configName! }));
  const shape = (vs: typeof variants) =>
    (vs ?? []).map((v) => [v.VariantName, v.ModelName, v.InstanceType, v.InitialInstanceCount]);
  expect(shape(restored.ProductionVariants)).toEqual(shape(variants));
  expect(result.cleanupWarnings).toEqual([]);
  await recordHistory(
    stack.client,
    'rolled-back-restoring-deleted-config',
    handle.workflowId,
    handle.firstExecutionRunId,
  );
});
