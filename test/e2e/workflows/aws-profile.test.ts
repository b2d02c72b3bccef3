// Rollouts end to end on the emulator's aws profile: the worker bound by the shipped IAM policy under its own key
// (seeding as the account administrator), new resources invisible for a consistency window, every update bringing
// up a new fleet that takes provisioning time, instance quotas. Time-scaled so a 300 s fleet comes up in 1.2 s.
// After each rollout the endpoint must be safe: InService, 100% from one variant, nothing left behind.
import { DescribeEndpointCommand, DescribeEndpointConfigCommand } from '@aws-sdk/client-sagemaker';
import { UpdateEndpointWeightsAndCapacitiesCommand } from '@aws-sdk/client-sagemaker';
import { beforeRollout, checkRolloutInvariants } from '../../harness/invariants';
import { startRolloutStack, type RolloutStack } from '../../harness/rollout-stack';
import { uniqueName } from '../../harness/temporal';
import { statusQuery, type RolloutResult, type RolloutStatus } from '../../../src/workflows/shared';

const TIME_SCALE = 0.004;

let stack: RolloutStack;

beforeAll(async () => {
  stack = await startRolloutStack({
    emulatorConfig: { profile: 'aws', timeScale: TIME_SCALE, quotas: { 'ml.m5.xlarge': 2 } },
    // AWS's 30 s before a not-found endpoint counts as missing, at the same scale.
    activityOptions: { missingAfterMs: 30_000 * TIME_SCALE },
  });
});

afterAll(async () => {
  await stack?.close();
});

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
    await new Promise((r) => setTimeout(r, 100));
  }
}

const steps = [
  { candidateWeight: 50, soak: '3s' },
  { candidateWeight: 100, soak: '2s' },
];

test('a better candidate is promoted under the shipped IAM policy, keeping the config settings and the endpoint’s own name', async () => {
  const endpoint = uniqueName('aws-Promote');
  const settings = {
    KmsKeyId: 'arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab',
    DataCaptureConfig: {
      EnableCapture: true,
      InitialSamplingPercentage: 10,
      DestinationS3Uri: 's3://data/capture',
      CaptureOptions: [{ CaptureMode: 'Input' as const }, { CaptureMode: 'Output' as const }],
    },
  };
  await stack.seedEndpoint(endpoint, { configSettings: settings });
  // Autoscaling is adding an instance when the rollout starts: the endpoint is Updating for a fleet's time, and
  // preflight waits for it rather than refusing (aws-behaviour.md #22).
  await stack.sm.send(
    new UpdateEndpointWeightsAndCapacitiesCommand({
      EndpointName: endpoint,
      DesiredWeightsAndCapacities: [{ VariantName: 'Champion', DesiredInstanceCount: 2 }],
    }),
  );
  // The spec spells the endpoint in capitals; SageMaker's name is the seeded one (aws-behaviour.md #18).
  const spelled = endpoint.toUpperCase();
  const spec = stack.spec(spelled, 'challenger', { steps });
  // What the endpoint holds before, under its own (SageMaker's) name, which the result must report.
  const before = await beforeRollout(stack.admin, { ...spec, endpointName: endpoint });
  const result = (await (await start(spec, spelled)).result()) as RolloutResult;

  expect([result.outcome, result.reason]).toEqual(['promoted', 'all 2 steps passed']);
  expect(result.endpointName).toBe(endpoint);
  const report = await checkRolloutInvariants(stack, before, result, 'Challenger');
  // The worker may not read the model bucket under the shipped policy: the artifact check is a note (#26).
  expect(result.decisions).toContainEqual(
    expect.objectContaining({
      kind: 'preflight',
      reason: expect.stringMatching(/^candidate\.modelDataUrl: not checked/),
    }),
  );
  // Every config the rollout made, the final one included, kept data capture and the KMS key (#5).
  const configName = report.configName!;
  const final = await stack.sm.send(new DescribeEndpointConfigCommand({ EndpointConfigName: configName }));
  expect(final).toMatchObject(settings);
  expect(configName.startsWith(`${endpoint.slice(0, 40)}-`)).toBe(true);
  // CloudWatch was asked with SageMaker's spelling, so the metrics found the traffic.
  const challenger = result.steps[0].variants.find((v) => v.variantName === 'Challenger')!;
  expect(challenger.invocations).toBeGreaterThan(0);
});

test('a rollback signal mid-soak restores the baseline under the shipped IAM policy', async () => {
  const endpoint = uniqueName('aws-rollback');
  await stack.seedEndpoint(endpoint);
  const spec = stack.spec(endpoint, 'challenger', { steps: [{ candidateWeight: 50, soak: '1m' }] });
  const before = await beforeRollout(stack.admin, spec);
  const handle = await start(spec, endpoint);
  await waitForStatus(endpoint, (s) => s.phase === 'soaking');
  await handle.signal('rollback', { by: 'bob', reason: 'p99 is up' });
  const result = (await handle.result()) as RolloutResult;
  expect([result.outcome, result.reason]).toEqual(['rolled_back', 'rolled back by bob: p99 is up']);
  await checkRolloutInvariants(stack, before, result, 'Champion');
  expect(result.cleanupWarnings).toEqual([]);
});

test('short of instance quota, the rollout ends at once on the baseline alone, naming the quota and the instances', async () => {
  const endpoint = uniqueName('aws-quota');
  await stack.seedEndpoint(endpoint, { instanceType: 'ml.m5.xlarge' });
  const spec = stack.spec(endpoint, 'challenger', { steps });
  spec.candidate.instanceType = 'ml.m5.xlarge';
  const before = await beforeRollout(stack.admin, spec);
  const started = Date.now();
  const result = (await (await start(spec, endpoint)).result()) as RolloutResult;
  expect(Date.now() - started).toBeLessThan(30_000); // not retried like throttling
  expect(result.outcome).toBe('rolled_back');
  expect(result.reason).toMatch(
    /^the rollout failed: UpdateEndpoint .*: the quota 'ml\.m5\.xlarge for endpoint usage' is too small: it needs 2 more instances \(3 in all, 1 in use\) and the quota is 2\./,
  );
  await checkRolloutInvariants(stack, before, result, 'Champion');
});

test('a first deployment cancelled while its endpoint is Creating deletes it once it can', async () => {
  const endpoint = uniqueName('aws-first');
  const spec = stack.spec(endpoint, 'challenger', { steps: [{ candidateWeight: 100, soak: '2s' }] });
  delete (spec as { baseline?: unknown }).baseline;
  const handle = await start(spec, endpoint);
  await waitForStatus(endpoint, (s) => s.phase === 'deploying' && s.waiting !== null);
  const status = await stack.sm.send(new DescribeEndpointCommand({ EndpointName: endpoint }));
  expect(status.EndpointStatus).toBe('Creating');
  await handle.cancel();
  const result = (await handle.result()) as RolloutResult;
  expect([result.outcome, result.reason]).toEqual(['rolled_back', 'the workflow was cancelled']);
  expect(result.resources.deleted).toContain(`endpoint ${endpoint}`);
  const gone = await stack.sm.send(new DescribeEndpointCommand({ EndpointName: endpoint })).then(
    (out) => out.EndpointStatus,
    (err: Error) => err.message,
  );
  expect(gone).toMatch(/^(Deleting|Could not find endpoint)/);
});
