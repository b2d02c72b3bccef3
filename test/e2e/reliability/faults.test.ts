// Faults on the AWS side: throttling and 5XX bursts on every call, an endpoint update that ends Failed, very slow
// updates, an emulator outage, CloudWatch returning no data. Every rollout must end safe (100% on one InService
// variant: the baseline unless the candidate was fully promoted) and say why. Faults here are emulator-wide, so
// these tests run one after another.
import { statusQuery, type RolloutResult } from '../../../src/workflows/shared';
import type { EmulatorFaults } from '../../../src/emulator';
import { beforeRollout, checkRolloutInvariants, type BeforeRollout } from '../../harness/invariants';
import { startRolloutStack, type RolloutStack } from '../../harness/rollout-stack';
import { uniqueName } from '../../harness/temporal';
import type { RolloutSpecInput } from '../../../src/schema';

let stack: RolloutStack;

beforeAll(async () => {
  stack = await startRolloutStack();
});

afterAll(async () => {
  await stack?.close();
});

const SAGEMAKER_CALLS = [
  'CreateModel',
  'DescribeModel',
  'DeleteModel',
  'CreateEndpointConfig',
  'DescribeEndpointConfig',
  'DeleteEndpointConfig',
  'DescribeEndpoint',
  'UpdateEndpoint',
  'UpdateEndpointWeightsAndCapacities',
];
const EVERY_CALL = [
  ...SAGEMAKER_CALLS.map((op) => `SageMaker.${op}`),
  'CloudWatch.GetMetricData',
  'Runtime.InvokeEndpoint',
  'S3.GetObject',
];

/** Starts a rollout of the better candidate; `before` is the emulator's state it started from. */
async function startRollout(endpoint: string, overrides: Partial<RolloutSpecInput> = {}) {
  const spec = stack.spec(endpoint, 'challenger', {
    steps: [
      { candidateWeight: 50, soak: '3s' },
      { candidateWeight: 100, soak: '2s' },
    ],
    ...overrides,
  });
  const before = await beforeRollout(stack.admin, spec);
  const handle = await stack.client.workflow.start('modelRollout', {
    taskQueue: stack.taskQueue,
    workflowId: `rollout-${endpoint}`,
    args: [spec],
  });
  return { handle, before };
}

async function rollout(
  endpoint: string,
  overrides: Partial<RolloutSpecInput> = {},
): Promise<{ result: RolloutResult; before: BeforeRollout }> {
  const { handle, before } = await startRollout(endpoint, overrides);
  return { result: (await handle.result()) as RolloutResult, before };
}

test.each<[string, (endpoint: string) => EmulatorFaults]>([
  [
    'throttling on 30% of every AWS call',
    () => ({ operations: Object.fromEntries(EVERY_CALL.map((op) => [op, { throttleRate: 0.3 }])) }),
  ],
  [
    'a burst of three 5XX answers on every AWS call',
    () => ({ operations: Object.fromEntries(EVERY_CALL.map((op) => [op, { failNext: 3 }])) }),
  ],
  ['very slow endpoint updates (8 s each)', (ep) => ({ endpoints: { [ep]: { updateDelayMs: 8_000 } } })],
])(
  '%s: the better candidate is still promoted',
  async (_what, faults) => {
    const endpoint = uniqueName('faults');
    await stack.seedEndpoint(endpoint);
    await stack.admin.patchFaults(faults(endpoint));
    let ended: { result: RolloutResult; before: BeforeRollout };
    try {
      ended = await rollout(endpoint);
    } finally {
      // The faults hit every client, the test's own too: lift them before checking the endpoint.
      await stack.admin.setFaults({});
    }
    expect(ended.result.outcome).toBe('promoted');
    await checkRolloutInvariants(stack, ended.before, ended.result, 'Challenger');
  },
  180_000,
);

test('an endpoint update that ends Failed: rolled back, the baseline serves, the reason is the failure', async () => {
  const endpoint = uniqueName('failed-update');
  await stack.seedEndpoint(endpoint);
  await stack.admin.patchFaults({
    endpoints: { [endpoint]: { updateFails: 'Insufficient capacity for ml.m5.large in us-east-1a' } },
  });
  const { result, before } = await rollout(endpoint);
  expect(result.outcome).toBe('rolled_back');
  expect(result.reason).toMatch(/Insufficient capacity/);
  await checkRolloutInvariants(stack, before, result, 'Champion');
}, 120_000);

test('CloudWatch returns no data: the guardrails stay inconclusive and the policy (fail) rolls back', async () => {
  const endpoint = uniqueName('no-data');
  await stack.seedEndpoint(endpoint);
  await stack.admin.patchFaults({ cloudwatchNoData: true });
  try {
    const { result, before } = await rollout(endpoint, {
      steps: [{ candidateWeight: 50, soak: '2s', maxSoak: '4s' }],
      evaluation: { interval: '2s', metricPeriod: '1s', settleDelay: stack.settle, onInconclusive: 'fail' },
    });
    expect(result.outcome).toBe('rolled_back');
    expect(result.reason).toMatch(/inconclusive/);
    await checkRolloutInvariants(stack, before, result, 'Champion');
  } finally {
    await stack.admin.setFaults({});
  }
}, 120_000);

test('the emulator goes away for 5 s mid-soak (a restart, seen from the worker): the rollout rides it out', async () => {
  const endpoint = uniqueName('outage');
  await stack.seedEndpoint(endpoint);
  const { handle, before } = await startRollout(endpoint, {
    steps: [
      { candidateWeight: 50, soak: '4s' },
      { candidateWeight: 100, soak: '2s' },
    ],
  });
  while ((await handle.query(statusQuery)).phase !== 'soaking') await new Promise((r) => setTimeout(r, 100));
  await stack.emulator.outage(5_000);
  const result = (await handle.result()) as RolloutResult;
  expect(result.outcome).toBe('promoted');
  await checkRolloutInvariants(stack, before, result, 'Challenger');
}, 120_000);
