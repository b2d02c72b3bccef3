// Shadow steps end to end on real parts: the Temporal dev server, the rollout worker, the emulator serving the
// candidate as a SageMaker shadow variant (every caller answered by the baseline, a sampled share mirrored to the
// shadow, both captured), replay traffic with InferenceIds. A candidate that errors on its mirrored copies is rolled
// back before any caller got an answer from it (the emulator's request log says who answered each caller); a good one
// goes on from the shadow to the live steps and, after a bake, is promoted. The invariant is checked after each ending.
import { beforeRollout, checkRolloutInvariants } from '../../harness/invariants';
import { recordHistory } from '../../harness/histories';
import { startRolloutStack, type RolloutStack } from '../../harness/rollout-stack';
import { uniqueName } from '../../harness/temporal';
import type { RolloutSpecInput } from '../../../src/schema';
import type { RolloutResult } from '../../../src/workflows/shared';

let stack: RolloutStack;

beforeAll(async () => {
  // A capture file a second per variant (AWS writes one about a minute after its first record).
  stack = await startRolloutStack({ emulatorConfig: { dataCapture: { enabled: true, flushSeconds: 1 } } });
});

afterAll(async () => {
  await stack?.close();
});

async function run(endpoint: string, spec: RolloutSpecInput): Promise<{ result: RolloutResult; runId: string }> {
  const handle = await stack.client.workflow.start('modelRollout', {
    taskQueue: stack.taskQueue,
    workflowId: `rollout-${endpoint}`,
    args: [spec],
  });
  return { result: (await handle.result()) as RolloutResult, runId: handle.firstExecutionRunId };
}

/** The emulator's InvokeEndpoint log entries of this endpoint: callers' requests, and the copies made for the shadow. */
async function invocations(endpoint: string) {
  const log = await stack.admin.requests({ service: 'Runtime' });
  const ofEndpoint = log.filter((e) => e.operation === 'InvokeEndpoint' && e.endpointName === endpoint);
  return { callers: ofEndpoint.filter((e) => !e.internal), copies: ofEndpoint.filter((e) => e.internal) };
}

/** Shadow, then live steps; the settle delay covers capture's one-second files. */
function shadowSpec(endpoint: string, model: string, overrides: Partial<RolloutSpecInput> = {}): RolloutSpecInput {
  return stack.spec(endpoint, model, {
    steps: [
      { shadow: true, candidateWeight: 100, soak: '6s', maxSoak: '20s' },
      { candidateWeight: 50, soak: '3s', maxSoak: '6s' },
      { candidateWeight: 100, soak: '2s' },
    ],
    // Tolerances a test's few thousand requests can decide on within seconds.
    guardrails: {
      errorRate5xx: { tolerance: 0.02 },
      errorRate4xx: { tolerance: 0.02 },
      quality: { accuracy: { tolerance: 0.05 }, rocAuc: { tolerance: 0.05 } },
    },
    traffic: {
      replay: { dataUrl: `file://${stack.data.holdoutFile}`, ratePerSecond: 100 },
      capture: { s3Uri: `s3://capture/${endpoint}` },
    },
    evaluation: { interval: '2s', metricPeriod: '1s', settleDelay: '2s', onInconclusive: 'pass' },
    ...overrides,
  });
}

test('a candidate that errors in shadow is rolled back, and no caller was ever answered by it', async () => {
  const endpoint = uniqueName('shadow-errors');
  await stack.seedEndpoint(endpoint);
  // The shadow's own fault: a third of its answers are 5XX. Its errors reach no caller, only its own metrics.
  await stack.admin.patchFaults({ endpoints: { [endpoint]: { variants: { Challenger: { errorRate5xx: 0.3 } } } } });
  const spec = shadowSpec(endpoint, 'challenger');
  const before = await beforeRollout(stack.admin, spec);
  const { result, runId } = await run(endpoint, spec);

  expect(result.outcome).toBe('rolled_back');
  expect(result.reason).toMatch(/^guardrail failed: .*errorRate5xx: candidate \d+\.\d\d% vs baseline 0\.00%/);
  expect(result.steps).toHaveLength(1);
  expect(result.steps[0]).toMatchObject({ step: 1, shadow: true, candidateWeight: 100, ended: 'rolled-back' });
  // The shadow step judged the copies, not a routed split.
  const judged = result.evaluations
    .filter((e) => !e.compact)
    .at(-1)!
    .evaluation.results.map((r) => r.guardrail);
  expect(judged).toContain('copyRatio');
  expect(judged).not.toContain('sampleRatio');

  // Every caller was answered by the baseline; the candidate only ever saw copies.
  const { callers, copies } = await invocations(endpoint);
  expect(callers.length).toBeGreaterThan(300);
  expect(new Set(callers.map((e) => e.variantName))).toEqual(new Set(['Champion']));
  expect(copies.length).toBeGreaterThan(300);
  expect(new Set(copies.map((e) => e.variantName))).toEqual(new Set(['Challenger']));
  expect(copies.some((e) => e.errorCode === 'ModelError')).toBe(true); // the shadow's own errors (HTTP 424)
  // The rollback restored the original config by an UpdateEndpoint: no weight ever moved to the candidate.
  const weights = (await stack.admin.requests({ mutating: true })).filter(
    (e) => e.endpointName === endpoint && e.operation === 'UpdateEndpointWeightsAndCapacities',
  );
  expect(weights).toEqual([]);
  await checkRolloutInvariants(stack, before, result, 'Champion');
  await recordHistory(stack.client, 'shadow-rolled-back', `rollout-${endpoint}`, runId);
}, 120_000);

test('a good candidate passes its shadow step on paired answers, goes live, bakes and is promoted', async () => {
  const endpoint = uniqueName('shadow-good');
  await stack.seedEndpoint(endpoint);
  const spec = shadowSpec(endpoint, 'challenger', { promotion: { bake: '3s' } });
  const before = await beforeRollout(stack.admin, spec);
  const { result, runId } = await run(endpoint, spec);

  expect(result.outcome).toBe('promoted');
  expect(result.reason).toMatch(/^all 3 steps passed; it baked \d+s at 100% with the baseline warm$/);
  const shadowStep = result.evaluations.filter((e) => e.step === 1 && !e.compact).at(-1)!.evaluation;
  const verdicts = Object.fromEntries(shadowStep.results.map((r) => [r.guardrail, r.verdict]));
  expect(verdicts).toMatchObject({ copyRatio: 'pass', errorRate5xx: 'pass', agreement: 'pass' });
  expect(verdicts.scoreShift).not.toBe('fail');
  // Quality on the replay rows' labelled pairs: the challenger is the better model.
  const auc = shadowStep.results.find((r) => r.guardrail === 'rocAuc')!;
  expect(auc.method).toMatch(/^shadow: labelled requests and their mirrored copies paired by InferenceId/);
  expect(auc.samples.baseline).toBe(auc.samples.candidate);
  expect(auc.samples.baseline).toBeGreaterThan(100);

  // The story as the emulator saw it: the shadow config, the A/B config (the fleet moves), weights, the warm baseline,
  // then the final config.
  const changes = (await stack.admin.requests({ mutating: true }))
    .filter((e) => e.endpointName === endpoint && e.changedState && e.operation.startsWith('UpdateEndpoint'))
    .map((e) => `${e.operation} ${e.detail ?? ''}`.trim());
  expect(changes[0]).toMatch(/^UpdateEndpoint .*-shadow/);
  expect(changes[1]).toMatch(/^UpdateEndpoint .*-ab/);
  expect(changes.slice(2, 4)).toEqual([
    'UpdateEndpointWeightsAndCapacities weights Champion=50,Challenger=50',
    'UpdateEndpointWeightsAndCapacities weights Champion=0,Challenger=100',
  ]);
  expect(changes.at(-1)).toMatch(/^UpdateEndpoint .*-final/);
  expect(result.decisions.map((d) => d.kind)).toEqual(
    expect.arrayContaining(['deployed', 'advance', 'deployed', 'advance', 'advance', 'bake', 'promote']),
  );
  expect(result.evaluations.some((e) => e.bake)).toBe(true);
  // Callers were answered by the candidate only from the first live step on.
  const firstLive = Date.parse(result.steps[1].startedAt);
  const { callers } = await invocations(endpoint);
  const early = callers.filter((e) => Date.parse(e.at) < Date.parse(result.steps[0].endedAt!));
  expect(early.length).toBeGreaterThan(0);
  expect(early.every((e) => e.variantName === 'Champion')).toBe(true);
  expect(callers.some((e) => e.variantName === 'Challenger' && Date.parse(e.at) >= firstLive)).toBe(true);
  await checkRolloutInvariants(stack, before, result, 'Challenger');
  await recordHistory(stack.client, 'shadow-live-baked-promoted', `rollout-${endpoint}`, runId);
}, 120_000);

test('shadow steps without data capture to pair the answers stop the rollout before any change', async () => {
  const endpoint = uniqueName('shadow-nocapture');
  await stack.seedEndpoint(endpoint); // an endpoint whose config captures nothing
  const mutating = async () =>
    (await stack.admin.requests({ mutating: true })).filter((e) => JSON.stringify(e).includes(endpoint)).length;
  const seeded = await mutating();
  const spec = shadowSpec(endpoint, 'challenger', {
    traffic: { replay: { dataUrl: `file://${stack.data.holdoutFile}`, ratePerSecond: 100 } },
  });
  const { result } = await run(endpoint, spec);
  expect(result.outcome).toBe('rolled_back');
  expect(result.reason).toMatch(
    /^the rollout failed: steps\[0\]\.shadow: .*the endpoint's config has no data capture: add traffic\.capture/,
  );
  expect(await mutating()).toBe(seeded);
}, 60_000);
