// The rollout end to end on real parts: the Temporal dev server, the rollout worker, and the emulator serving real
// XGBoost models over the AWS wire protocols. No mocks. After each rollout the safety invariant is checked: the
// endpoint serves 100% from one InService variant and nothing the rollout created is left behind.
import { WorkflowExecutionAlreadyStartedError, WorkflowFailedError } from '@temporalio/client';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { recordHistory } from '../../harness/histories';
import { beforeRollout, checkRolloutInvariants } from '../../harness/invariants';
import { startRolloutStack, type RolloutStack } from '../../harness/rollout-stack';
import { temporalCli, uniqueName } from '../../harness/temporal';
import { statusQuery, type RolloutResult, type RolloutStatus } from '../../../src/workflows/shared';
import type { RolloutSpecInput } from '../../../src/schema';

let stack: RolloutStack;

beforeAll(async () => {
  stack = await startRolloutStack();
});

afterAll(async () => {
  await stack?.close();
});

async function start(spec: RolloutSpecInput | unknown, endpointName: string) {
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
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function mutatingCalls(endpointName: string): Promise<number> {
  const log = await stack.admin.requests();
  return log.filter((e) => e.mutating && JSON.stringify(e).includes(endpointName)).length;
}

test('(a) a better candidate is promoted through 50/50 → 25/75 → 0/100, approved with the temporal CLI', async () => {
  const endpoint = uniqueName('promote');
  await stack.seedEndpoint(endpoint);
  const spec = stack.spec(endpoint, 'challenger', {
    steps: [
      { candidateWeight: 50, soak: '4s' },
      { candidateWeight: 75, soak: '4s', approval: 'required' },
      { candidateWeight: 100, soak: '2s' },
    ],
  });
  const before = await beforeRollout(stack.admin, spec);
  const specFile = join(stack.dataDir, `${endpoint}.json`);
  writeFileSync(specFile, JSON.stringify(spec));
  await temporalCli([
    'workflow',
    'start',
    '--type',
    'modelRollout',
    '--task-queue',
    stack.taskQueue,
    '--workflow-id',
    `rollout-${endpoint}`,
    '--input-file',
    specFile,
  ]);

  const pending = await waitForStatus(endpoint, (s) => s.pendingApproval !== null);
  expect(pending).toMatchObject({ phase: 'awaiting-approval', step: 2, weights: { Champion: 25, Challenger: 75 } });
  await temporalCli([
    'workflow',
    'signal',
    '--workflow-id',
    `rollout-${endpoint}`,
    '--name',
    'approve',
    '--input',
    JSON.stringify({ by: 'alice@example.com', reason: 'looks good' }),
  ]);

  const out = JSON.parse(
    await temporalCli(['workflow', 'result', '--workflow-id', `rollout-${endpoint}`, '--output', 'json']),
  );
  const result = out.result as RolloutResult;
  expect(result.outcome).toBe('promoted');
  // The weights the endpoint was given, from the emulator's request log rather than the rollout's own step records.
  const shifts = (await stack.admin.requests({ mutating: true }))
    .filter(
      (e) => e.endpointName === endpoint && e.operation === 'UpdateEndpointWeightsAndCapacities' && e.changedState,
    )
    .map((e) => e.detail);
  expect(shifts).toEqual([
    'weights Champion=50,Challenger=50',
    'weights Champion=25,Challenger=75',
    'weights Champion=0,Challenger=100',
  ]);
  expect(result.decisions).toContainEqual(
    expect.objectContaining({ kind: 'approve', by: 'alice@example.com', step: 2 }),
  );
  const challenger = result.steps[0].variants.find((v) => v.variantName === 'Challenger')!;
  const champion = result.steps[0].variants.find((v) => v.variantName === 'Champion')!;
  expect(challenger.quality!.rocAuc!).toBeGreaterThan(champion.quality!.rocAuc!);
  const report = await checkRolloutInvariants(stack, before, result, 'Challenger');
  expect(report.servingModel).toBe(spec.candidate.modelName);

  // What the Temporal UI and `model-rollout list` read: the phase from the search attribute, the step from the memo
  // (written once per step, so it holds no phase that could go stale).
  const described = await stack.client.workflow.getHandle(`rollout-${endpoint}`).describe();
  expect(described.searchAttributes).toMatchObject({ RolloutEndpoint: [endpoint], RolloutPhase: ['promoted'] });
  expect(described.memo).toEqual({ endpointName: endpoint, step: 3 });
});

test('(b) an injected 5XX regression is rolled back automatically', async () => {
  const endpoint = uniqueName('errors');
  await stack.seedEndpoint(endpoint);
  await stack.admin.setFaults({ endpoints: { [endpoint]: { variants: { Challenger: { errorRate5xx: 0.25 } } } } });
  const spec = stack.spec(endpoint, 'challenger');
  const before = await beforeRollout(stack.admin, spec);
  const handle = await start(spec, endpoint);
  const result = (await handle.result()) as RolloutResult;
  expect(result.outcome).toBe('rolled_back');
  expect(result.reason).toMatch(/5XX|errorRate5xx/i);
  expect(result.decisions).toContainEqual(expect.objectContaining({ kind: 'rollback', by: 'model-rollout' }));
  await checkRolloutInvariants(stack, before, result, 'Champion');
  await recordHistory(stack.client, 'rolled-back-by-guardrail', handle.workflowId, handle.firstExecutionRunId);
});

test('(b) an injected latency regression is rolled back automatically', async () => {
  const endpoint = uniqueName('latency');
  await stack.seedEndpoint(endpoint);
  await stack.admin.setFaults({ endpoints: { [endpoint]: { variants: { Challenger: { latencyMedianMs: 15 } } } } });
  const spec = stack.spec(endpoint, 'challenger');
  const before = await beforeRollout(stack.admin, spec);
  const handle = await start(spec, endpoint);
  const result = (await handle.result()) as RolloutResult;
  expect(result.outcome).toBe('rolled_back');
  expect(result.reason).toMatch(/latency/i);
  await checkRolloutInvariants(stack, before, result, 'Champion');
});

test('(c) a worse-quality candidate (lower AUC) is rolled back', async () => {
  const endpoint = uniqueName('quality');
  await stack.seedEndpoint(endpoint);
  const spec = stack.spec(endpoint, 'worse', {
    traffic: { replay: { dataUrl: `file://${stack.data.holdoutFile}`, ratePerSecond: 100, rowsPerRequest: 10 } },
  });
  const before = await beforeRollout(stack.admin, spec);
  const result = (await (await start(spec, endpoint)).result()) as RolloutResult;
  expect(result.outcome).toBe('rolled_back');
  expect(result.reason).toMatch(/rocAuc|accuracy|AUC/i);
  // Every evaluation says where it fell in the planned soak, the error-spending test's clock, always moving on.
  const fractions = result.evaluations.map((e) => e.soakFraction!);
  // (a step's settling evaluation adds no soak time, so two evaluations may share a fraction)
  expect(fractions.every((f, k) => f > 0 && (k === 0 || f >= fractions[k - 1]))).toBe(true);
  expect(fractions.at(-1)!).toBeGreaterThan(fractions[0]);
  const methods = result.evaluations.at(-1)!.evaluation.results.map((r) => r.method);
  expect(methods.some((m) => /error-spending group-sequential test/.test(m))).toBe(true);
  await checkRolloutInvariants(stack, before, result, 'Champion');
});

test("(c) the quality guardrails judge at the spec's score threshold, as the variant summaries do", async () => {
  const endpoint = uniqueName('threshold');
  await stack.seedEndpoint(endpoint);
  const spec = stack.spec(endpoint, 'challenger', {
    steps: [{ candidateWeight: 50, soak: '4s' }],
    traffic: { replay: { dataUrl: `file://${stack.data.holdoutFile}`, ratePerSecond: 100, threshold: 0.3 } },
  });
  const before = await beforeRollout(stack.admin, spec);
  const result = (await (await start(spec, endpoint)).result()) as RolloutResult;
  // In step 1 the rows the guardrails judge (since the candidate went live) are the step's rows the summary shows.
  const last = result.evaluations.filter((e) => e.step === 1).at(-1)!;
  const accuracy = last.evaluation.results.find((r) => r.guardrail === 'accuracy')!;
  const summary = (name: string) => result.steps[0].variants.find((v) => v.variantName === name)!.quality!;
  expect(summary('Challenger').threshold).toBe(0.3);
  expect(accuracy.candidate).toBeCloseTo(summary('Challenger').accuracy, 12);
  expect(accuracy.baseline).toBeCloseTo(summary('Champion').accuracy, 12);
  await checkRolloutInvariants(stack, before, result, result.outcome === 'promoted' ? 'Challenger' : 'Champion');
});

test('(d) a rollback signal mid-soak rolls back', async () => {
  const endpoint = uniqueName('signal');
  await stack.seedEndpoint(endpoint);
  const spec = stack.spec(endpoint, 'challenger', { steps: [{ candidateWeight: 50, soak: '60s' }] });
  const before = await beforeRollout(stack.admin, spec);
  const handle = await start(spec, endpoint);
  await waitForStatus(endpoint, (s) => s.phase === 'soaking');
  await handle.signal('rollback', { by: 'bob', reason: 'p99 looks odd on the dashboard' });
  const result = (await handle.result()) as RolloutResult;
  expect(result.outcome).toBe('rolled_back');
  expect(result.reason).toBe('rolled back by bob: p99 looks odd on the dashboard');
  await checkRolloutInvariants(stack, before, result, 'Champion');
  await recordHistory(stack.client, 'rolled-back-by-signal', handle.workflowId, handle.firstExecutionRunId);
});

test('(d) on live traffic, a rollback signal or a cancel ends the soak at once', async () => {
  for (const how of ['signal', 'cancel'] as const) {
    const endpoint = uniqueName(`live-${how}`);
    await stack.seedEndpoint(endpoint);
    const spec = stack.spec(endpoint, 'challenger', { steps: [{ candidateWeight: 50, soak: '10m' }], traffic: {} });
    const before = await beforeRollout(stack.admin, spec);
    const handle = await start(spec, endpoint);
    await waitForStatus(endpoint, (s) => s.phase === 'soaking');
    const asked = Date.now();
    if (how === 'signal') await handle.signal('rollback', { by: 'bob', reason: 'stop the soak' });
    else await handle.cancel();
    const result = (await handle.result()) as RolloutResult;
    expect(Date.now() - asked).toBeLessThan(30_000); // not the 10-minute soak
    expect(result.outcome).toBe('rolled_back');
    expect(result.reason).toBe(how === 'signal' ? 'rolled back by bob: stop the soak' : 'the workflow was cancelled');
    await checkRolloutInvariants(stack, before, result, 'Champion');
  }
});

test('(e) an approval nobody gives times out into the policy (roll back)', async () => {
  const endpoint = uniqueName('timeout');
  await stack.seedEndpoint(endpoint);
  const spec = stack.spec(endpoint, 'challenger', {
    steps: [{ candidateWeight: 50, soak: '2s', approval: 'required' }],
    approval: { timeout: '3s', onTimeout: 'rollback' },
  });
  const before = await beforeRollout(stack.admin, spec);
  const result = (await (await start(spec, endpoint)).result()) as RolloutResult;
  expect(result.outcome).toBe('rolled_back');
  expect(result.reason).toBe('no approval within 3s');
  expect(result.decisions).toContainEqual(expect.objectContaining({ kind: 'approval-timeout' }));
  await checkRolloutInvariants(stack, before, result, 'Champion');
});

test('(f) a second rollout of the same endpoint is refused while one runs', async () => {
  const endpoint = uniqueName('twice');
  await stack.seedEndpoint(endpoint);
  const spec = stack.spec(endpoint, 'challenger', { steps: [{ candidateWeight: 50, soak: '60s' }] });
  const before = await beforeRollout(stack.admin, spec);
  const first = await start(spec, endpoint);
  await expect(start(stack.spec(endpoint, 'worse'), endpoint)).rejects.toBeInstanceOf(
    WorkflowExecutionAlreadyStartedError,
  );
  const specFile = join(stack.dataDir, `${endpoint}-2.json`);
  writeFileSync(specFile, JSON.stringify(stack.spec(endpoint, 'worse')));
  const startArgs = [
    'workflow',
    'start',
    '--type',
    'modelRollout',
    '--task-queue',
    stack.taskQueue,
    '--workflow-id',
    `rollout-${endpoint}`,
    '--input-file',
    specFile,
  ];
  // The temporal CLI (Go SDK underneath) does not fail on a running id, even with --id-conflict-policy Fail: it
  // prints the RUNNING rollout's run id and starts nothing. Our own `model-rollout start` says so as an error.
  for (const extra of [[], ['--id-conflict-policy', 'Fail']]) {
    expect(await temporalCli([...startArgs, ...extra])).toContain(first.firstExecutionRunId);
  }
  const runs = [];
  for await (const run of stack.client.workflow.list({ query: `WorkflowId = "rollout-${endpoint}"` })) runs.push(run);
  expect(runs.map((r) => r.runId)).toEqual([first.firstExecutionRunId]);
  await first.signal('rollback', { by: 'carol', reason: 'cleaning up the test' });
  const result = (await first.result()) as RolloutResult;
  await checkRolloutInvariants(stack, before, result, 'Champion');
});

describe('(g) invalid input is rejected with a clear error and zero AWS mutations', () => {
  test('an invalid spec fails the workflow naming each field, before any AWS call', async () => {
    const endpoint = uniqueName('badspec');
    const before = (await stack.admin.requests()).filter((e) => JSON.stringify(e).includes(endpoint)).length;
    const handle = await start(
      { endpointName: endpoint, candidate: { modelName: 'bad_name!', instanceCount: 0 } },
      endpoint,
    );
    const err = await handle.result().catch((e) => e);
    expect(err).toBeInstanceOf(WorkflowFailedError);
    const message = String((err as WorkflowFailedError).cause?.message);
    expect(message).toMatch(/candidate\.modelName: .*letters, digits and hyphens/);
    expect(message).toMatch(/candidate\.instanceCount: instanceCount must be at least 1/);
    expect((await stack.admin.requests()).filter((e) => JSON.stringify(e).includes(endpoint)).length).toBe(before); // not even a read
  });

  test('a missing endpoint is reported by preflight with a fix, and nothing is created', async () => {
    const endpoint = uniqueName('missing');
    const handle = await start(stack.spec(endpoint, 'challenger'), endpoint);
    const err = await handle.result().catch((e) => e);
    expect(String(err.cause?.cause?.message ?? err.cause?.message)).toMatch(
      /endpoint ".*" was not found.*leave out baseline/,
    );
    expect(await mutatingCalls(endpoint)).toBe(0);
  });

  test('a malformed approve signal is recorded and ignored', async () => {
    const endpoint = uniqueName('badsignal');
    await stack.seedEndpoint(endpoint);
    const spec = stack.spec(endpoint, 'challenger', { steps: [{ candidateWeight: 50, soak: '60s' }] });
    const before = await beforeRollout(stack.admin, spec);
    const handle = await start(spec, endpoint);
    await waitForStatus(endpoint, (s) => s.phase === 'soaking');
    await handle.signal('approve', { by: '' });
    await handle.signal('approve', { by: 'dave' }); // nothing is pending
    const status = await waitForStatus(
      endpoint,
      (s) => s.decisions.filter((d) => d.kind === 'signal-ignored').length === 2,
    );
    const ignored = status.decisions.filter((d) => d.kind === 'signal-ignored').map((d) => d.reason);
    expect(ignored[0]).toMatch(/approve signal rejected: [\s\S]*by: by must name who you are/);
    expect(ignored[1]).toBe('approve ignored: nothing is pending approval');
    await handle.signal('rollback', { by: 'dave', reason: 'end of test' });
    const result = (await handle.result()) as RolloutResult;
    await checkRolloutInvariants(stack, before, result, 'Champion');
  });
});
