// Late CloudWatch data (aws-behaviour.md #4) on the emulator's aws profile: each variant's minute is published on its
// own schedule after it ends and late samples keep growing it. A candidate identical to the baseline under heavy live
// traffic is promoted: the guardrails judge only minutes that ended a settle delay ago, each read once, so a half
// published minute (one variant's there, the other's not yet) never reaches the sample-ratio check.
import { InvokeEndpointCommand, SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EMULATOR_ADMIN_CREDENTIALS } from '../../../src/local/local-stack';
import type { RolloutResult } from '../../../src/workflows/shared';
import { beforeRollout, checkRolloutInvariants } from '../../harness/invariants';
import { startRolloutStack, type RolloutStack } from '../../harness/rollout-stack';
import { uniqueName } from '../../harness/temporal';

const ROWS = readFileSync(join(__dirname, '../../../examples/churn/holdout.csv'), 'utf8')
  .trim()
  .split('\n')
  .map((line) => line.split(',').slice(1).join(','));

let stack: RolloutStack;
let runtime: SageMakerRuntimeClient;

beforeAll(async () => {
  stack = await startRolloutStack({ profile: 'aws' });
  // The users' traffic: the account's own callers, not the worker.
  runtime = new SageMakerRuntimeClient({
    endpoint: stack.emulator.url,
    region: 'us-east-1',
    credentials: EMULATOR_ADMIN_CREDENTIALS,
  });
});

afterAll(async () => {
  runtime?.destroy();
  await stack?.close();
});

/** Live traffic at about `perSecond` requests a second from 8 callers, until stopped. */
function liveTraffic(endpoint: string, perSecond: number): { stop(): Promise<void> } {
  let running = true;
  let n = 0;
  const caller = async () => {
    while (running) {
      const body = ROWS[n++ % ROWS.length];
      await runtime
        .send(new InvokeEndpointCommand({ EndpointName: endpoint, ContentType: 'text/csv', Body: body }))
        .catch(() => undefined); // a caller's failure is the endpoint's 4XX/5XX, counted by CloudWatch
      await new Promise((r) => setTimeout(r, 8_000 / perSecond));
    }
  };
  const callers = Promise.all(Array.from({ length: 8 }, caller));
  return {
    async stop() {
      running = false;
      await callers;
    },
  };
}

async function rollOutIdentical(
  settleDelay: string,
): Promise<{ result: RolloutResult; before: Awaited<ReturnType<typeof beforeRollout>> }> {
  const endpoint = uniqueName(`late-${settleDelay}`);
  await stack.seedEndpoint(endpoint);
  // The candidate is the baseline's own model: every difference the guardrails could see is noise or an artefact.
  const spec = stack.spec(endpoint, 'champion', {
    steps: [
      { candidateWeight: 50, soak: '8s', maxSoak: '12s' },
      { candidateWeight: 100, soak: '3s' },
    ],
    traffic: {},
    evaluation: { interval: '1s', metricPeriod: '1s', settleDelay, onInconclusive: 'pass' },
  });
  const before = await beforeRollout(stack.admin, spec);
  const traffic = liveTraffic(endpoint, 150);
  try {
    const handle = await stack.client.workflow.start('modelRollout', {
      taskQueue: stack.taskQueue,
      workflowId: `rollout-${endpoint}`,
      args: [spec],
    });
    return { result: (await handle.result()) as RolloutResult, before };
  } finally {
    await traffic.stop();
  }
}

test('an identical candidate under heavy live traffic is promoted: only settled minutes are judged', async () => {
  const { result, before } = await rollOutIdentical(stack.settle);
  expect([result.outcome, result.reason]).toEqual(['promoted', expect.stringMatching(/^all 2 steps passed/)]);
  // Every evaluation judged only minutes that had settled (before any had, nothing: the start of the evidence), and the
  // split held at every one of them.
  const start = result.evaluations[0].settledUntil;
  for (const e of result.evaluations) {
    if (e.settledUntil !== start) expect(Date.parse(e.settledUntil!)).toBeLessThanOrEqual(Date.parse(e.at) - 2_000);
    const split = e.evaluation.results.find((r) => r.guardrail === 'sampleRatio');
    if (split) expect(split.verdict).not.toBe('fail');
  }
  // The step's summary counted the step's traffic (the settled part of it).
  expect(result.steps[0].variants.find((v) => v.variantName === 'Challenger')!.invocations).toBeGreaterThan(100);
  await checkRolloutInvariants(stack, before, result, 'Challenger');
}, 120_000);
