// Capacity through rollouts on the emulator's aws profile (fleets with provisioning time, instance quotas, Application
// Auto Scaling with target tracking), the worker bound by the shipped IAM policy: an autoscaled baseline of several
// instances keeps them through the rollout and hands its scaling to the promoted candidate (or keeps it after a
// rollback); elsewhere each variant's instances follow its share of traffic, added before the traffic moves; a quota the
// A/B fleet outgrows ends the rollout at once on the baseline alone. Time-scaled: a 300 s fleet comes up in 1.2 s.
import {
  ApplicationAutoScalingClient,
  DescribeScalableTargetsCommand,
  DescribeScalingActivitiesCommand,
  DescribeScalingPoliciesCommand,
  PutScalingPolicyCommand,
  RegisterScalableTargetCommand,
} from '@aws-sdk/client-application-auto-scaling';
import {
  CreateEndpointCommand,
  CreateEndpointConfigCommand,
  CreateModelCommand,
  DescribeEndpointCommand,
  DescribeEndpointConfigCommand,
  DescribeModelCommand,
  UpdateEndpointWeightsAndCapacitiesCommand,
} from '@aws-sdk/client-sagemaker';
import { DEMO_IMAGE, DEMO_ROLE, EMULATOR_ADMIN_CREDENTIALS } from '../../../src/local/local-stack';
import { instancesForShare } from '../../../src/schema/capacity';
import { statusQuery, type RolloutResult, type RolloutStatus } from '../../../src/workflows/shared';
import { recordHistory } from '../../harness/histories';
import { beforeRollout, checkRolloutInvariants } from '../../harness/invariants';
import { startRolloutStack, type RolloutStack } from '../../harness/rollout-stack';
import { uniqueName } from '../../harness/temporal';

const TIME_SCALE = 0.004;
const DIMENSION = 'sagemaker:variant:DesiredInstanceCount' as const;

let stack: RolloutStack;
let aas: ApplicationAutoScalingClient;

beforeAll(async () => {
  stack = await startRolloutStack({
    // Each test holds its own instance type, so one test's instances never count against another's quota.
    emulatorConfig: { profile: 'aws', timeScale: TIME_SCALE, quotas: { 'ml.c5.xlarge': 9, 'ml.m5.xlarge': 5 } },
    activityOptions: { missingAfterMs: 30_000 * TIME_SCALE },
  });
  aas = new ApplicationAutoScalingClient({
    endpoint: stack.emulator.url,
    region: 'us-east-1',
    credentials: EMULATOR_ADMIN_CREDENTIALS,
  });
});

afterAll(async () => {
  aas?.destroy();
  await stack?.close();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const target = (endpoint: string, variant: string) => ({
  ServiceNamespace: 'sagemaker' as const,
  ResourceId: `endpoint/${endpoint}/variant/${variant}`,
  ScalableDimension: DIMENSION,
});

interface VariantSample {
  weight: number;
  current: number;
  desired: number;
}
interface Sample {
  /** When the answer arrived (ms). */
  at: number;
  status: string;
  variants: Record<string, VariantSample>;
  /** Instances held: the serving fleet (the larger of current and desired) and a fleet being brought up. */
  instances: number;
}

/**
 * Samples DescribeEndpoint every 40 ms until stopped, and once more then: what the endpoint held through the rollout,
 * ending with what it holds when the caller stops (on a loaded machine the loop's last sample can be seconds old).
 */
function watch(endpoint: string): { stop(): Promise<Sample[]> } {
  const samples: Sample[] = [];
  let running = true;
  const sample = async () => {
    const d = await stack.sm.send(new DescribeEndpointCommand({ EndpointName: endpoint }));
    const variants: Record<string, VariantSample> = {};
    let instances = 0;
    for (const v of d.ProductionVariants ?? []) {
      variants[v.VariantName!] = {
        weight: v.CurrentWeight ?? 0,
        current: v.CurrentInstanceCount ?? 0,
        desired: v.DesiredInstanceCount ?? 0,
      };
      instances += Math.max(v.CurrentInstanceCount ?? 0, v.DesiredInstanceCount ?? 0);
    }
    for (const v of d.PendingDeploymentSummary?.ProductionVariants ?? []) instances += v.DesiredInstanceCount ?? 0;
    samples.push({ at: Date.now(), status: d.EndpointStatus ?? '', variants, instances });
  };
  const loop = (async () => {
    while (running) {
      await sample();
      await sleep(40);
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      await sample();
      return samples;
    },
  };
}

/** Waits until the endpoint is InService and `check` holds. */
async function settled(endpoint: string, check: (s: Sample) => boolean): Promise<void> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const d = await stack.sm.send(new DescribeEndpointCommand({ EndpointName: endpoint }));
    const variants = Object.fromEntries(
      (d.ProductionVariants ?? []).map((v) => [
        v.VariantName!,
        { weight: v.CurrentWeight ?? 0, current: v.CurrentInstanceCount ?? 0, desired: v.DesiredInstanceCount ?? 0 },
      ]),
    );
    const sample = { at: Date.now(), status: d.EndpointStatus ?? '', variants, instances: 0 };
    if (sample.status === 'InService' && check(sample)) return;
    if (Date.now() > deadline) throw new Error(`endpoint ${endpoint} never settled: ${JSON.stringify(sample)}`);
    await sleep(50);
  }
}

/** Seeds the baseline ("Champion", its config asking for one instance) and scales it to `instances` by hand. */
async function baselineOf(endpoint: string, instanceType: string, instances: number): Promise<void> {
  await stack.seedEndpoint(endpoint, { instanceType });
  if (instances === 1) return;
  await stack.sm.send(
    new UpdateEndpointWeightsAndCapacitiesCommand({
      EndpointName: endpoint,
      DesiredWeightsAndCapacities: [{ VariantName: 'Champion', DesiredInstanceCount: instances }],
    }),
  );
  await settled(endpoint, (s) => s.variants.Champion?.current === instances);
}

const perInstance = {
  // Far above what replay sends: the policy never scales out here, and wants to scale in whenever it may.
  TargetValue: 100_000,
  PredefinedMetricSpecification: { PredefinedMetricType: 'SageMakerVariantInvocationsPerInstance' as const },
  ScaleInCooldown: 60,
  ScaleOutCooldown: 60,
};

/**
 * A baseline autoscaled to 3 instances (registered with min 3, which moved it there) whose target may then scale in
 * to 1: its target tracking policy would take it down within seconds of quiet, unless something holds scale-in.
 */
async function autoscaledBaseline(endpoint: string): Promise<void> {
  await stack.seedEndpoint(endpoint);
  await aas.send(
    new RegisterScalableTargetCommand({ ...target(endpoint, 'Champion'), MinCapacity: 3, MaxCapacity: 6 }),
  );
  await settled(endpoint, (s) => s.variants.Champion?.current === 3);
  await aas.send(
    new RegisterScalableTargetCommand({ ...target(endpoint, 'Champion'), MinCapacity: 1, MaxCapacity: 6 }),
  );
  await aas.send(
    new PutScalingPolicyCommand({
      ...target(endpoint, 'Champion'),
      PolicyName: 'per-instance',
      PolicyType: 'TargetTrackingScaling',
      TargetTrackingScalingPolicyConfiguration: perInstance,
    }),
  );
}

async function scalingOf(endpoint: string, variant: string) {
  const targets = await aas.send(
    new DescribeScalableTargetsCommand({
      ServiceNamespace: 'sagemaker',
      ResourceIds: [`endpoint/${endpoint}/variant/${variant}`],
    }),
  );
  const policies = await aas.send(
    new DescribeScalingPoliciesCommand({
      ServiceNamespace: 'sagemaker',
      ResourceId: `endpoint/${endpoint}/variant/${variant}`,
    }),
  );
  return {
    targets: (targets.ScalableTargets ?? []).map((t) => ({
      min: t.MinCapacity,
      max: t.MaxCapacity,
      suspended: t.SuspendedState,
    })),
    policies: (policies.ScalingPolicies ?? []).map((p) => [p.PolicyName, p.TargetTrackingScalingPolicyConfiguration]),
  };
}

/**
 * The endpoint updates and scaling changes of this endpoint that failed: the request log's refused calls (a create
 * SageMaker cannot see yet is eventual consistency, retried by design, not an update) and unsuccessful scaling
 * activities.
 */
async function failedUpdates(endpoint: string): Promise<string[]> {
  const log = await stack.admin.requests({ mutating: true });
  const failed = log
    .filter((e) => /^(Update|Register|Deregister|Put)/.test(e.operation))
    .filter((e) => JSON.stringify(e).includes(endpoint) && e.status !== 200)
    .map((e) => `${e.operation} ${e.status} ${e.errorCode ?? ''}`);
  const activities = await aas.send(
    new DescribeScalingActivitiesCommand({
      ServiceNamespace: 'sagemaker',
      ResourceId: `endpoint/${endpoint}/variant/Champion`,
    }),
  );
  for (const a of activities.ScalingActivities ?? []) {
    // InProgress is no failure: a baseline whose scale-in the rollback turned on again may start scaling in.
    if (a.StatusCode === 'Failed' || a.StatusCode === 'Unfulfilled')
      failed.push(`scaling activity ${a.Description} ${a.StatusCode}`);
  }
  return failed;
}

/**
 * The scaling activities that took `variant` below `from` instances: `early` those that started before the last
 * RegisterScalableTarget of it (the rollout's release of scale-in), `firstAfter` when the first later one started.
 */
async function scaleInsAfterRelease(endpoint: string, variant: string, from: number) {
  const resourceId = `endpoint/${endpoint}/variant/${variant}`;
  const registers = (await stack.admin.requests({ mutating: true })).filter(
    (e) => e.operation === 'RegisterScalableTarget' && e.status === 200 && JSON.stringify(e).includes(resourceId),
  );
  const releasedAt = Date.parse(registers.at(-1)!.at);
  const activities = await aas.send(
    new DescribeScalingActivitiesCommand({ ServiceNamespace: 'sagemaker', ResourceId: resourceId }),
  );
  const scaleIns = (activities.ScalingActivities ?? [])
    .map((a) => ({ start: a.StartTime!.getTime(), to: Number(/count to (\d+)\./.exec(a.Description ?? '')?.[1]) }))
    .filter((a) => a.to < from);
  return {
    early: scaleIns.filter((a) => a.start < releasedAt).map((a) => `to ${a.to} at ${new Date(a.start).toISOString()}`),
    firstAfter: Math.min(Infinity, ...scaleIns.filter((a) => a.start >= releasedAt).map((a) => a.start)),
  };
}

async function start(spec: unknown, endpointName: string) {
  return await stack.client.workflow.start('modelRollout', {
    taskQueue: stack.taskQueue,
    workflowId: `rollout-${endpointName}`,
    args: [spec],
  });
}

async function waitForStatus(endpointName: string, predicate: (s: RolloutStatus) => boolean, timeoutMs = 60_000) {
  const handle = stack.client.workflow.getHandle(`rollout-${endpointName}`);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const status = await handle.query(statusQuery);
    if (predicate(status)) return status;
    if (Date.now() > deadline) throw new Error(`status never matched; last: ${JSON.stringify(status).slice(0, 500)}`);
    await sleep(100);
  }
}

const lowest = (samples: Sample[], variant: string) =>
  Math.min(...samples.filter((s) => s.variants[variant]).map((s) => s.variants[variant].current));

describe('an autoscaled baseline of several instances', () => {
  test('promoted: the baseline never drops below its 3 instances, the candidate runs 3 and carries the same scaling policy, no update fails', async () => {
    const endpoint = uniqueName('cap-as-promote');
    await autoscaledBaseline(endpoint);
    const spec = stack.spec(endpoint, 'challenger', {
      steps: [
        { candidateWeight: 50, soak: '1s', maxSoak: '1s' },
        { candidateWeight: 100, soak: '1s', maxSoak: '1s' },
      ],
    });
    delete spec.candidate.instanceType; // sized like the baseline
    const before = await beforeRollout(stack.admin, spec);
    const watching = watch(endpoint);
    const handle = await start(spec, endpoint);
    const result = (await handle.result()) as RolloutResult;
    const samples = await watching.stop();

    expect([result.outcome, result.reason]).toEqual(['promoted', 'all 2 steps passed']);
    await checkRolloutInvariants(stack, before, result, 'Challenger');
    expect(result.cleanupWarnings).toEqual([]);
    expect(lowest(samples, 'Champion')).toBe(3);
    // Given Champion's scaling, the idle candidate may be scaled in before the watch stops: not the rollout's doing.
    const scaleIns = await scaleInsAfterRelease(endpoint, 'Challenger', 3);
    const rollouts = samples.filter((s) => s.at < scaleIns.firstAfter);
    expect(rollouts.at(-1)!.variants).toEqual({ Challenger: { weight: 100, current: 3, desired: 3 } });
    // The baseline's target went with it; the candidate has the same range, state and policy.
    expect(await scalingOf(endpoint, 'Champion')).toEqual({ targets: [], policies: [] });
    expect(await scalingOf(endpoint, 'Challenger')).toEqual({
      targets: [
        {
          min: 1,
          max: 6,
          suspended: {
            DynamicScalingInSuspended: false,
            DynamicScalingOutSuspended: false,
            ScheduledScalingSuspended: false,
          },
        },
      ],
      policies: [['per-instance', perInstance]],
    });
    expect(await failedUpdates(endpoint)).toEqual([]);
    expect(result.decisions.filter((d) => d.kind === 'capacity').map((d) => d.reason)).toEqual([
      expect.stringMatching(
        /^Challenger runs 3 × ml\.m5\.large like the baseline Champion .*the baseline is autoscaled \(min 1, max 6\).*; peak 9 instances during deploy \(A\/B update\)/,
      ),
      expect.stringMatching(/^scale-in of Champion suspended until the rollout ends/),
      expect.stringMatching(/^Challenger has Champion's scaling: .* min 1, max 6, 1 policy \(per-instance\)$/),
    ]);
    await recordHistory(stack.client, 'autoscaled-baseline-promoted', handle.workflowId, handle.firstExecutionRunId);
  });

  test('rolled back: the baseline keeps its 3 instances and gets its scaling back as it was', async () => {
    const endpoint = uniqueName('cap-as-rollback');
    await autoscaledBaseline(endpoint);
    const spec = stack.spec(endpoint, 'challenger', { steps: [{ candidateWeight: 75, soak: '1m' }] });
    const before = await beforeRollout(stack.admin, spec);
    const watching = watch(endpoint);
    const handle = await start(spec, endpoint);
    // Soaking at 75% long enough that target tracking, free to, would have scaled the quiet baseline in.
    await waitForStatus(endpoint, (s) => s.phase === 'soaking');
    const during = await scalingOf(endpoint, 'Champion');
    expect(during.targets[0].suspended?.DynamicScalingInSuspended).toBe(true);
    await sleep(6_000);
    await handle.signal('rollback', { by: 'bob', reason: 'p99 is up' });
    const result = (await handle.result()) as RolloutResult;
    const samples = await watching.stop();

    expect([result.outcome, result.reason]).toEqual(['rolled_back', 'rolled back by bob: p99 is up']);
    // Its scale-in on again, target tracking may start scaling the idle baseline in as the rollout ends (minutes on
    // AWS, a moment at this time scale): the endpoint is then Updating, and still serving, for a while.
    await settled(endpoint, () => true);
    await checkRolloutInvariants(stack, before, result, 'Champion');
    expect(result.cleanupWarnings).toEqual([]);
    // No scale-in while the rollout held it; what target tracking does once the rollout let it again (the idle
    // baseline's scale-in, on AWS minutes later, here perhaps before the watch stops) is not the rollout's doing.
    const scaleIns = await scaleInsAfterRelease(endpoint, 'Champion', 3);
    expect(scaleIns.early).toEqual([]);
    const rollouts = samples.filter((s) => s.at < scaleIns.firstAfter);
    expect(lowest(rollouts, 'Champion')).toBe(3);
    // The original config's weight (1) again, and its live 3 instances, not the config's 1.
    expect(rollouts.at(-1)!.variants).toEqual({ Champion: { weight: 1, current: 3, desired: 3 } });
    expect(await scalingOf(endpoint, 'Champion')).toEqual({
      targets: [
        {
          min: 1,
          max: 6,
          suspended: {
            DynamicScalingInSuspended: false,
            DynamicScalingOutSuspended: false,
            ScheduledScalingSuspended: false,
          },
        },
      ],
      policies: [['per-instance', perInstance]],
    });
    expect(await scalingOf(endpoint, 'Challenger')).toEqual({ targets: [], policies: [] });
    expect(await failedUpdates(endpoint)).toEqual([]);
    await recordHistory(stack.client, 'autoscaled-baseline-rolled-back', handle.workflowId, handle.firstExecutionRunId);
  });
});

test('capacity follows the weights: instances added before the traffic moves, removed after, the peak within 2N+1', async () => {
  const endpoint = uniqueName('cap-follow');
  await baselineOf(endpoint, 'ml.c5.xlarge', 4);
  const spec = stack.spec(endpoint, 'challenger', {
    steps: [
      { candidateWeight: 50, soak: '1s', maxSoak: '1s' },
      { candidateWeight: 75, soak: '1s', maxSoak: '1s' },
      { candidateWeight: 100, soak: '1s', maxSoak: '1s' },
    ],
  });
  delete spec.candidate.instanceType; // sized like the baseline: 4 × ml.c5.xlarge
  const before = await beforeRollout(stack.admin, spec);
  const watching = watch(endpoint);
  const handle = await start(spec, endpoint);
  const result = (await handle.result()) as RolloutResult;
  const samples = await watching.stop();

  expect([result.outcome, result.reason]).toEqual(['promoted', 'all 3 steps passed']);
  await checkRolloutInvariants(stack, before, result, 'Challenger');
  // No variant ever served a share of traffic its instances were not sized for.
  for (const s of samples) {
    for (const [name, v] of Object.entries(s.variants)) {
      if (v.weight > 0 && v.current < instancesForShare(4, v.weight)) {
        throw new Error(`${name} served ${v.weight}% on ${v.current} instances: ${JSON.stringify(s)}`);
      }
    }
  }
  // Each step soaked on exactly its share, extra instances removed after the traffic moved. (The A/B config's 4 + 1 is
  // InService only until the first step's instances are asked for, a moment a 40 ms watch can miss on a loaded
  // machine, as CI once did; the peak of 2N+1 below shows the candidate came up on one.)
  const soaked = new Set(
    samples
      .filter((s) => s.status === 'InService' && s.variants.Champion && s.variants.Challenger)
      .map(
        (s) => `${s.variants.Challenger.weight}%: ${s.variants.Champion.current} + ${s.variants.Challenger.current}`,
      ),
  );
  expect([...soaked]).toEqual(expect.arrayContaining(['50%: 2 + 2', '75%: 1 + 3', '100%: 1 + 4']));
  // The quota of 9 ml.c5.xlarge holds the A/B update's 2N+1; a fixed double fleet (2N+M = 12) would not fit.
  expect(Math.max(...samples.map((s) => s.instances))).toBe(9);
  expect(samples.at(-1)!.variants).toEqual({ Challenger: { weight: 100, current: 4, desired: 4 } });
  expect(result.decisions.find((d) => d.kind === 'capacity')?.reason).toMatch(
    /^Challenger runs 4 × ml\.c5\.xlarge like the baseline Champion \(4 × ml\.c5\.xlarge, its live count\); each variant’s instance count follows its share of traffic.*; peak 9 instances during deploy \(A\/B update\), a rollback's restore up to 9; about [\d.]+ instance-hours .* against [\d.]+ for a fixed double fleet \(peak 12\)$/,
  );
  expect(result.cleanupWarnings).toEqual([]);
  await recordHistory(stack.client, 'capacity-follows-weights', handle.workflowId, handle.firstExecutionRunId);
});

test('a quota the A/B fleet outgrows as capacity follows the weights ends the rollout at once on the baseline alone', async () => {
  const endpoint = uniqueName('cap-quota');
  await baselineOf(endpoint, 'ml.m5.xlarge', 2);
  // The A/B update fits the quota of 5 (2 + 2 + the candidate's first instance); at 50% the candidate's 7 want 4.
  const spec = stack.spec(endpoint, 'challenger', {
    steps: [
      { candidateWeight: 50, soak: '2s' },
      { candidateWeight: 100, soak: '2s' },
    ],
  });
  spec.candidate.instanceType = 'ml.m5.xlarge';
  spec.candidate.instanceCount = 7;
  const before = await beforeRollout(stack.admin, spec);
  const started = Date.now();
  const result = (await (await start(spec, endpoint)).result()) as RolloutResult;
  expect(Date.now() - started).toBeLessThan(60_000);
  expect(result.outcome).toBe('rolled_back');
  expect(result.reason).toMatch(
    /^the rollout failed: UpdateEndpointWeightsAndCapacities .*: the quota 'ml\.m5\.xlarge for endpoint usage' is too small: it needs 3 more instances \(6 in all, 3 in use\) and the quota is 5\./,
  );
  await checkRolloutInvariants(stack, before, result, 'Champion');
  const after = await stack.sm.send(new DescribeEndpointCommand({ EndpointName: endpoint }));
  expect(after.ProductionVariants?.map((v) => [v.VariantName, v.CurrentInstanceCount, v.CurrentWeight])).toEqual([
    ['Champion', 2, 1],
  ]);
  expect(result.decisions.map((d) => d.kind)).toContain('warning'); // 7 instances beside the baseline's 2
  expect(result.cleanupWarnings).toEqual([]);
});

test('instances SageMaker accepts and then fails to add end the rollout before the traffic moves, on the baseline at its size', async () => {
  const endpoint = uniqueName('cap-failed');
  await baselineOf(endpoint, 'ml.c5.2xlarge', 2);
  const spec = stack.spec(endpoint, 'challenger', {
    steps: [
      { candidateWeight: 50, soak: '3s' },
      { candidateWeight: 100, soak: '1s', maxSoak: '1s' },
    ],
  });
  delete spec.candidate.instanceType; // sized like the baseline: 2 × ml.c5.2xlarge, 1 + 1 at 50%
  const before = await beforeRollout(stack.admin, spec);
  const handle = await start(spec, endpoint);
  // While the first step soaks, the next capacity change (the candidate's second instance, before 100%) is made to
  // fail after SageMaker accepted it.
  await waitForStatus(endpoint, (s) => s.phase === 'soaking');
  await stack.admin.patchFaults({ endpoints: { [endpoint]: { capacityUpdateFails: 'Insufficient capacity (test)' } } });
  const watching = watch(endpoint);
  const result = (await handle.result()) as RolloutResult;
  const samples = await watching.stop();

  expect(result.outcome).toBe('rolled_back');
  expect(result.reason).toBe(
    'the rollout failed: adding instances before shifting to 100% candidate (Challenger 2 instances): SageMaker ' +
      'accepted it, then it failed (Insufficient capacity (test)): Challenger 1 instances',
  );
  // The failed change was made, and the candidate never served more than its one instance was sized for.
  const log = await stack.admin.requests({ mutating: true });
  expect(
    log.filter((e) => e.operation === 'UpdateEndpointWeightsAndCapacities' && e.endpointName === endpoint).length,
  ).toBeGreaterThan(2);
  expect(Math.max(...samples.map((s) => s.variants.Challenger?.weight ?? 0))).toBe(50);
  expect(samples.some((s) => s.variants.Challenger?.current === 1)).toBe(true);
  await checkRolloutInvariants(stack, before, result, 'Champion');
  const after = await stack.sm.send(new DescribeEndpointCommand({ EndpointName: endpoint }));
  expect(after.ProductionVariants?.map((v) => [v.VariantName, v.CurrentInstanceCount, v.CurrentWeight])).toEqual([
    ['Champion', 2, 1],
  ]);
  expect(result.cleanupWarnings).toEqual([]);
  await recordHistory(stack.client, 'capacity-update-failed', handle.workflowId, handle.firstExecutionRunId);
});

test('instances SageMaker accepts and then fails to remove after a shift serve on, with a warning, and the rollout goes on', async () => {
  const endpoint = uniqueName('cap-shrink-failed');
  await baselineOf(endpoint, 'ml.c5.2xlarge', 2);
  // Updates of this endpoint take 4 s, so the test sees the shift to 50% accepted before the rollout asks for the
  // baseline's second instance to go, and makes that removal fail.
  await stack.admin.patchFaults({ endpoints: { [endpoint]: { updateDelayMs: 4_000 } } });
  const spec = stack.spec(endpoint, 'challenger', {
    steps: [
      { candidateWeight: 50, soak: '1s', maxSoak: '1s' },
      { candidateWeight: 100, soak: '1s', maxSoak: '1s' },
    ],
  });
  delete spec.candidate.instanceType; // sized like the baseline: 2 × ml.c5.2xlarge, 1 + 1 at 50%
  const before = await beforeRollout(stack.admin, spec);
  const handle = await start(spec, endpoint);
  for (const deadline = Date.now() + 60_000; ; await sleep(20)) {
    const log = await stack.admin.requests({ mutating: true });
    const shifted = log.some(
      (e) =>
        e.endpointName === endpoint &&
        e.operation === 'UpdateEndpointWeightsAndCapacities' &&
        /Challenger=50/.test(e.detail ?? ''),
    );
    if (shifted) break;
    if (Date.now() > deadline) throw new Error('the shift to 50% never came');
  }
  await stack.admin.patchFaults({ endpoints: { [endpoint]: { capacityUpdateFails: 'Internal error (test)' } } });
  const result = (await handle.result()) as RolloutResult;

  expect(result.decisions.filter((d) => d.kind === 'warning').map((d) => d.reason)).toEqual([
    'removing instances the 50% candidate weights no longer need (Champion 1 instances): SageMaker accepted it, then ' +
      'it failed (Internal error (test)): Champion 2 instances; they serve on until the next change',
  ]);
  expect([result.outcome, result.reason]).toEqual(['promoted', 'all 2 steps passed']);
  await checkRolloutInvariants(stack, before, result, 'Challenger');
  expect(result.cleanupWarnings).toEqual([]);
});

test('a weight shift SageMaker accepts and then fails ends the rollout rather than soak a step at weights it never got', async () => {
  const endpoint = uniqueName('cap-weights-failed');
  await baselineOf(endpoint, 'ml.c5.2xlarge', 1);
  const spec = stack.spec(endpoint, 'challenger', {
    steps: [
      { candidateWeight: 50, soak: '3s' },
      { candidateWeight: 100, soak: '1s', maxSoak: '1s' },
    ],
    capacity: { followWeights: false }, // both at full size: the shift is a weights change alone
  });
  const before = await beforeRollout(stack.admin, spec);
  const handle = await start(spec, endpoint);
  await waitForStatus(endpoint, (s) => s.phase === 'soaking');
  await stack.admin.patchFaults({ endpoints: { [endpoint]: { capacityUpdateFails: 'Internal error (test)' } } });
  const result = (await handle.result()) as RolloutResult;

  expect(result.outcome).toBe('rolled_back');
  expect(result.reason).toBe(
    'the rollout failed: shifting weights to 100% candidate: SageMaker accepted it, then it failed (Internal error ' +
      '(test)): Champion 50, Challenger 50 (weights)',
  );
  expect(result.steps.map((s) => s.candidateWeight)).toEqual([50, 100]);
  await checkRolloutInvariants(stack, before, result, 'Champion');
  expect(result.cleanupWarnings).toEqual([]);
});

test('the candidate is sized like the baseline (type, live count, timeouts, volume, its model’s network) unless the spec says otherwise, with a warning when the hardware differs', async () => {
  const endpoint = uniqueName('cap-sized');
  const vpc = { SecurityGroupIds: ['sg-0123456789abcdef0'], Subnets: ['subnet-0a', 'subnet-0b'] };
  await stack.sm.send(
    new CreateModelCommand({
      ModelName: `${endpoint}-champion`,
      ExecutionRoleArn: DEMO_ROLE,
      PrimaryContainer: { Image: DEMO_IMAGE, ModelDataUrl: stack.data.modelUrl('champion') },
      VpcConfig: vpc,
      EnableNetworkIsolation: true,
    }),
  );
  const baselineVariant = {
    VariantName: 'Champion',
    ModelName: `${endpoint}-champion`,
    InstanceType: 'ml.m5.large' as const,
    InitialInstanceCount: 1,
    InitialVariantWeight: 1,
    ContainerStartupHealthCheckTimeoutInSeconds: 900,
    ModelDataDownloadTimeoutInSeconds: 1200,
    VolumeSizeInGB: 30,
  };
  for (let created = false; !created;) {
    // The new model is invisible for the aws profile's consistency window: retry until SageMaker finds it.
    created = await stack.sm
      .send(
        new CreateEndpointConfigCommand({
          EndpointConfigName: `${endpoint}-initial`,
          ProductionVariants: [baselineVariant],
        }),
      )
      .then(
        () => true,
        async (err: Error) => {
          if (!/Could not find model/.test(err.message)) throw err;
          await sleep(200);
          return false;
        },
      );
  }
  for (let created = false; !created;) {
    created = await stack.sm
      .send(new CreateEndpointCommand({ EndpointName: endpoint, EndpointConfigName: `${endpoint}-initial` }))
      .then(
        () => true,
        async (err: Error) => {
          if (!/Could not find endpoint config/i.test(err.message)) throw err;
          await sleep(200);
          return false;
        },
      );
  }
  await settled(endpoint, () => true);
  await stack.sm.send(
    new UpdateEndpointWeightsAndCapacitiesCommand({
      EndpointName: endpoint,
      DesiredWeightsAndCapacities: [{ VariantName: 'Champion', DesiredInstanceCount: 2 }],
    }),
  );
  await settled(endpoint, (s) => s.variants.Champion?.current === 2);

  const spec = stack.spec(endpoint, 'challenger', { steps: [{ candidateWeight: 100, soak: '1s', maxSoak: '1s' }] });
  spec.candidate.instanceType = 'ml.c5.large'; // the spec's own choice …
  spec.candidate.volumeSizeInGB = 50; // … and volume; the rest comes from the baseline
  const before = await beforeRollout(stack.admin, spec);
  const result = (await (await start(spec, endpoint)).result()) as RolloutResult;
  expect(result.outcome).toBe('promoted');
  const report = await checkRolloutInvariants(stack, before, result, 'Challenger');

  const final = await stack.sm.send(new DescribeEndpointConfigCommand({ EndpointConfigName: report.configName! }));
  expect(final.ProductionVariants).toEqual([
    expect.objectContaining({
      VariantName: 'Challenger',
      InstanceType: 'ml.c5.large',
      InitialInstanceCount: 2, // the baseline's live count, not its config's 1
      ContainerStartupHealthCheckTimeoutInSeconds: 900,
      ModelDataDownloadTimeoutInSeconds: 1200,
      VolumeSizeInGB: 50,
    }),
  ]);
  const model = await stack.sm.send(new DescribeModelCommand({ ModelName: spec.candidate.modelName }));
  expect([model.VpcConfig, model.EnableNetworkIsolation]).toEqual([vpc, true]);
  expect(result.decisions.filter((d) => d.kind === 'warning').map((d) => d.reason)).toEqual([
    expect.stringMatching(
      /^the candidate runs on other hardware than the baseline \(instance type ml\.c5\.large, the baseline's ml\.m5\.large\): latency, 5XX and errors then compare hardware/,
    ),
  ]);
});
