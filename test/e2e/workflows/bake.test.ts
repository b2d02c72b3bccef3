// The post-promotion bake end to end on the emulator's aws profile (the shipped IAM policy, fleets that take
// provisioning time, CloudWatch's publishing lag; time-scaled): after the last step the candidate serves 100% while the
// baseline waits at weight 0 on one warm instance. A regression that appears only at full traffic, and a rollback
// signal, are each undone within the bake by a weight shift first (UpdateEndpointWeightsAndCapacities, onto the warm
// baseline), before any UpdateEndpoint brings a new fleet; a quiet bake ends in the promotion's final config. More warm
// instances (promotion.warmInstances) are added when the bake begins; short of quota, the bake goes on without them.
import {
  DeleteEndpointCommand,
  DescribeEndpointCommand,
  UpdateEndpointWeightsAndCapacitiesCommand,
  type DescribeEndpointOutput,
} from '@aws-sdk/client-sagemaker';
import { recordHistory } from '../../harness/histories';
import { beforeRollout, checkRolloutInvariants } from '../../harness/invariants';
import { startRolloutStack, type RolloutStack } from '../../harness/rollout-stack';
import { uniqueName } from '../../harness/temporal';
import type { RolloutSpecInput } from '../../../src/schema';
import { statusQuery, type RolloutResult, type RolloutStatus } from '../../../src/workflows/shared';

const TIME_SCALE = 0.004;

let stack: RolloutStack;

beforeAll(async () => {
  stack = await startRolloutStack({
    // ml.c5.2xlarge is the quota test's own type: nothing else here counts against it.
    emulatorConfig: { profile: 'aws', timeScale: TIME_SCALE, quotas: { 'ml.c5.2xlarge': 5 } },
    activityOptions: { missingAfterMs: 30_000 * TIME_SCALE },
  });
});

afterAll(async () => {
  await stack?.close();
});

/**
 * A rollout of one 50% step and a bake of `bake`; during the step the baseline is scaled to two instances, as its
 * autoscaling would under its half of the traffic.
 */
async function startBaking(prefix: string, bake: string) {
  const endpoint = uniqueName(prefix);
  await stack.seedEndpoint(endpoint);
  const { before, handle } = await startRollout(endpoint, [{ candidateWeight: 50, soak: '4s' }], { bake });
  await waitForStatus(handle, (s) => s.phase === 'soaking');
  await stack.sm.send(
    new UpdateEndpointWeightsAndCapacitiesCommand({
      EndpointName: endpoint,
      DesiredWeightsAndCapacities: [{ VariantName: 'Champion', DesiredInstanceCount: 2 }],
    }),
  );
  const baking = await waitForStatus(handle, (s) => s.phase === 'baking' && s.bake !== undefined);
  return { endpoint, before, handle, baking };
}

/** Starts a rollout of the challenger on `endpoint` with these steps and promotion (the candidate sized as `sized`). */
async function startRollout(
  endpoint: string,
  steps: RolloutSpecInput['steps'],
  promotion: RolloutSpecInput['promotion'],
  sized: 'like the baseline' | 'by the spec' = 'by the spec',
) {
  const spec = stack.spec(endpoint, 'challenger', {
    steps,
    promotion,
    guardrails: { errorRate4xx: { enabled: false }, errorRate5xx: { tolerance: 0.02 } },
  });
  if (sized === 'like the baseline') delete spec.candidate.instanceType;
  const before = await beforeRollout(stack.admin, spec);
  const handle = await stack.client.workflow.start('modelRollout', {
    taskQueue: stack.taskQueue,
    workflowId: `rollout-${endpoint}`,
    args: [spec],
  });
  return { before, handle };
}

async function waitForStatus(
  handle: { query: (q: typeof statusQuery) => Promise<RolloutStatus> },
  predicate: (s: RolloutStatus) => boolean,
  timeoutMs = 60_000,
): Promise<RolloutStatus> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const status = await handle.query(statusQuery);
    if (predicate(status)) return status;
    if (Date.now() > deadline) throw new Error(`status never matched; last: ${JSON.stringify(status).slice(0, 500)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The endpoint changes the emulator made from `since` on, in order: operation and what changed. */
async function changesSince(endpoint: string, since: string): Promise<string[]> {
  return (await stack.admin.requests({ mutating: true }))
    .filter((e) => e.endpointName === endpoint && e.changedState && Date.parse(e.at) >= Date.parse(since))
    .filter((e) => e.operation === 'UpdateEndpoint' || e.operation === 'UpdateEndpointWeightsAndCapacities')
    .map((e) => `${e.operation} ${e.detail ?? ''}`.trim());
}

test('a regression that appears only at 100% is rolled back within the bake by a weight shift, not a new fleet', async () => {
  const { endpoint, before, handle, baking } = await startBaking('bake-regress', '2m');
  expect(baking.weights).toEqual({ Champion: 0, Challenger: 100 });
  expect(baking.bake).toMatchObject({ referenceStep: 1, warmInstances: 1, instancesBefore: 2 });
  const described = await stack.sm.send(new DescribeEndpointCommand({ EndpointName: endpoint }));
  const champion = described.ProductionVariants!.find((v) => v.VariantName === 'Champion')!;
  expect([champion.CurrentWeight, champion.DesiredInstanceCount]).toEqual([0, 1]);
  // The candidate breaks once it takes everything.
  await stack.admin.patchFaults({ endpoints: { [endpoint]: { variants: { Challenger: { errorRate5xx: 0.3 } } } } });
  const result = (await handle.result()) as RolloutResult;

  expect(result.outcome).toBe('rolled_back');
  expect(result.reason).toMatch(/^the bake failed: errorRate5xx: baking \d+\.\d\d% vs step 1 \d\.\d\d% /);
  const changes = await changesSince(endpoint, baking.bake!.startedAt);
  // Traffic back to the warm baseline first (seconds), then its config (a new fleet, minutes), which keeps the live
  // count (RetainAllVariantProperties); then the baseline's instances from before the bake.
  expect(changes[0]).toBe('UpdateEndpointWeightsAndCapacities weights Champion=100,Challenger=0');
  expect(changes.slice(1)).toEqual([
    expect.stringMatching(/^UpdateEndpoint config .*-initial$/),
    'UpdateEndpointWeightsAndCapacities weights Champion=1',
  ]);
  const restored = await stack.sm.send(new DescribeEndpointCommand({ EndpointName: endpoint }));
  expect(restored.ProductionVariants!.map((v) => [v.VariantName, v.CurrentInstanceCount])).toEqual([['Champion', 2]]);
  expect(result.evaluations.filter((e) => e.bake).at(-1)!.evaluation.verdict).toBe('fail');
  await checkRolloutInvariants(stack, before, result, 'Champion');
  await recordHistory(stack.client, 'bake-rolled-back-by-guardrail', handle.workflowId, handle.firstExecutionRunId);
});

test('a rollback signal during the bake shifts traffic back first; a quiet bake is promoted', async () => {
  const rolled = await startBaking('bake-signal', '2m');
  await rolled.handle.signal('rollback', { by: 'carol', reason: 'support tickets are up' });
  const result = (await rolled.handle.result()) as RolloutResult;
  expect([result.outcome, result.reason]).toEqual(['rolled_back', 'rolled back by carol: support tickets are up']);
  const changes = await changesSince(rolled.endpoint, rolled.baking.bake!.startedAt);
  expect(changes[0]).toBe('UpdateEndpointWeightsAndCapacities weights Champion=100,Challenger=0');
  await checkRolloutInvariants(stack, rolled.before, result, 'Champion');

  const quiet = await startBaking('bake-quiet', '3s');
  const promoted = (await quiet.handle.result()) as RolloutResult;
  expect(promoted.outcome).toBe('promoted');
  expect(promoted.reason).toMatch(/^all 1 steps passed; it baked \d+s at 100% with the baseline warm$/);
  expect(promoted.evaluations.some((e) => e.bake && e.evaluation.verdict !== 'fail')).toBe(true);
  const after = await changesSince(quiet.endpoint, quiet.baking.bake!.startedAt);
  expect(after).toEqual([expect.stringMatching(/^UpdateEndpoint config .*-final$/)]);
  await checkRolloutInvariants(stack, quiet.before, promoted, 'Challenger');
});

test('warmInstances "all": the bake grows the baseline back to its full size, so a rollback lands on all of it', async () => {
  const endpoint = uniqueName('bake-warm-all');
  await stack.seedEndpoint(endpoint);
  // A baseline of 2 before the rollout: capacity follows the weights, so it runs 1 instance at 100% candidate.
  await scaleBaseline(endpoint, 2);
  const { before, handle } = await startRollout(endpoint, [{ candidateWeight: 100, soak: '3s' }], {
    bake: '2m',
    warmInstances: 'all',
  });
  const baking = await waitForStatus(handle, (s) => s.phase === 'baking' && s.bake !== undefined);
  expect(baking.bake).toMatchObject({ warmInstances: 2, instancesBefore: 1 });
  expect(baking.decisions.filter((d) => d.kind === 'bake').map((d) => d.reason)).toEqual([
    expect.stringMatching(/stays at weight 0 on 2 warm instances \(from 1\)/),
  ]);
  const warm = await stack.sm.send(new DescribeEndpointCommand({ EndpointName: endpoint }));
  const champion = warm.ProductionVariants!.find((v) => v.VariantName === 'Champion')!;
  expect([champion.CurrentWeight, champion.CurrentInstanceCount]).toEqual([0, 2]);

  await handle.signal('rollback', { by: 'carol', reason: 'support tickets are up' });
  const result = (await handle.result()) as RolloutResult;
  expect(result.outcome).toBe('rolled_back');
  // The traffic goes back at once onto both warm instances; the restored config keeps them, and nothing is added.
  const changes = await changesSince(endpoint, baking.bake!.startedAt);
  expect(changes).toEqual([
    'UpdateEndpointWeightsAndCapacities weights Champion=100,Challenger=0',
    expect.stringMatching(/^UpdateEndpoint config .*-initial$/),
  ]);
  const restored = await stack.sm.send(new DescribeEndpointCommand({ EndpointName: endpoint }));
  expect(restored.ProductionVariants!.map((v) => [v.VariantName, v.CurrentInstanceCount])).toEqual([['Champion', 2]]);
  await checkRolloutInvariants(stack, before, result, 'Champion');
  await recordHistory(stack.client, 'bake-warm-all-rolled-back', handle.workflowId, handle.firstExecutionRunId);
});

test('short of quota, the bake bakes with the baseline as it is, and the promotion leaves it idle at weight 0', async () => {
  const endpoint = uniqueName('bake-warm-quota');
  const other = uniqueName('bake-quota-other');
  const type = 'ml.c5.2xlarge';
  await stack.seedEndpoint(endpoint, { instanceType: type });
  await scaleBaseline(endpoint, 2);
  const { handle } = await startRollout(
    endpoint,
    [{ candidateWeight: 100, soak: '4s', maxSoak: '8s' }],
    { bake: '4s', warmInstances: 'all' },
    'like the baseline', // 2 × ml.c5.2xlarge
  );
  // At 100% the rollout holds 3 (the candidate's 2, the baseline's 1); paused there, another endpoint takes the
  // quota's other 2.
  await waitForStatus(handle, (s) => s.phase === 'soaking');
  await handle.signal('pause', { by: 'carol' });
  await waitForStatus(handle, (s) => s.paused);
  await stack.seedEndpoint(other, { instanceType: type });
  await scaleBaseline(other, 2);
  await handle.signal('resume', { by: 'carol' });
  const result = (await handle.result()) as RolloutResult;

  // The bake could not add the baseline's second instance: a warning, and it baked on the one it had.
  expect(result.decisions.filter((d) => d.kind === 'warning').map((d) => d.reason)).toEqual([
    expect.stringMatching(
      /^the bake could not give Champion 2 warm instances \(.*ResourceLimitExceeded.*\): it bakes with Champion as it is \(1\)$/,
    ),
  ]);
  expect(result.decisions.filter((d) => d.kind === 'bake').map((d) => d.reason)).toEqual([
    expect.stringMatching(/stays at weight 0 on 1 warm instance; judged against its own step 1$/),
  ]);
  // Nor could the promotion's config bring up the candidate's new fleet: the candidate that passed serves 100%, and
  // the idle baseline stays at weight 0, said in the result rather than rolled back.
  expect(result.outcome).toBe('promoted');
  expect(result.reason).toMatch(/the baseline variant could not be removed \(see cleanupWarnings\)$/);
  expect(result.cleanupWarnings).toContainEqual(
    expect.stringMatching(
      /^removing the baseline variant failed \(.*quota 'ml\.c5\.2xlarge for endpoint usage'.*\): it stays deployed at weight 0$/,
    ),
  );
  const after = await stack.sm.send(new DescribeEndpointCommand({ EndpointName: endpoint }));
  expect(after.EndpointStatus).toBe('InService');
  const weights = Object.fromEntries(after.ProductionVariants!.map((v) => [v.VariantName, v.CurrentWeight]));
  expect(weights.Champion).toBe(0);
  expect(weights.Challenger).toBeGreaterThan(0);
  await stack.sm.send(new DeleteEndpointCommand({ EndpointName: other }));
});

test('warm instances SageMaker accepts and then fails to add: the bake bakes with the baseline as it is, and says so', async () => {
  const endpoint = uniqueName('bake-warm-failed');
  await stack.seedEndpoint(endpoint);
  await scaleBaseline(endpoint, 2);
  const { before, handle } = await startRollout(endpoint, [{ candidateWeight: 100, soak: '3s' }], {
    bake: '3s',
    warmInstances: 'all',
  });
  // At 100% the baseline runs 1 instance; the next capacity change is the bake's second warm one, and it will fail
  // after SageMaker accepted it (InService again on 1, with a FailureReason).
  await waitForStatus(handle, (s) => s.phase === 'soaking');
  await stack.admin.patchFaults({ endpoints: { [endpoint]: { capacityUpdateFails: 'Insufficient capacity (test)' } } });
  const result = (await handle.result()) as RolloutResult;

  expect(result.decisions.filter((d) => d.kind === 'warning').map((d) => d.reason)).toEqual([
    'the bake could not give Champion 2 warm instances (SageMaker accepted it, then it failed (Insufficient ' +
      'capacity (test)): Champion 1 instances): it bakes with Champion as it is (1)',
  ]);
  expect(result.decisions.filter((d) => d.kind === 'bake').map((d) => d.reason)).toEqual([
    expect.stringMatching(/stays at weight 0 on 1 warm instance \(from 1\); judged against its own step 1$/),
  ]);
  expect(result.bake).toMatchObject({ warmInstances: 1, instancesBefore: 1 });
  expect([result.outcome, result.cleanupWarnings]).toEqual(['promoted', []]);
  await checkRolloutInvariants(stack, before, result, 'Challenger');
});

/** Scales the baseline ("Champion") of `endpoint` to `instances` by hand and waits until they serve. */
async function scaleBaseline(endpoint: string, instances: number): Promise<void> {
  await stack.sm.send(
    new UpdateEndpointWeightsAndCapacitiesCommand({
      EndpointName: endpoint,
      DesiredWeightsAndCapacities: [{ VariantName: 'Champion', DesiredInstanceCount: instances }],
    }),
  );
  await waitForEndpoint(endpoint, (d) => d.ProductionVariants?.[0]?.CurrentInstanceCount === instances);
}

async function waitForEndpoint(endpoint: string, check: (d: DescribeEndpointOutput) => boolean): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const d = await stack.sm.send(new DescribeEndpointCommand({ EndpointName: endpoint }));
    if (d.EndpointStatus === 'InService' && check(d)) return;
    if (Date.now() > deadline) throw new Error(`endpoint ${endpoint} never settled: ${d.EndpointStatus}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
