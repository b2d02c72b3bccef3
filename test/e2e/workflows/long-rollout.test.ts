// Rollouts longer than one history: on a dev server whose history limits are tiny (continue-as-new suggested after 60
// events, a run terminated past 250), a rollout whose evaluations alone would cross the limit continues as new,
// carries its step, soak, evidence, pending approval and deadline over, and is promoted with no run terminated.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { WorkflowExecutionInfo } from '@temporalio/client';
import { resolveTemporalPath, startDevServer, type DevServer } from '../../../src/local/dev-server';
import { evaluationsQuery, statusQuery, type RolloutResult, type RolloutStatus } from '../../../src/workflows/shared';
import { recordHistory } from '../../harness/histories';
import { beforeRollout, checkRolloutInvariants } from '../../harness/invariants';
import { startRolloutStack, type RolloutStack } from '../../harness/rollout-stack';
import { uniqueName } from '../../harness/temporal';

const SUGGEST_AFTER = 60;
const TERMINATE_AFTER = 250;
const dir = mkdtempSync(join(tmpdir(), 'model-rollout-long-'));
let server: DevServer;
let stack: RolloutStack;
const globalAddress = process.env.TEMPORAL_ADDRESS;

beforeAll(async () => {
  server = await startDevServer({
    temporalPath: resolveTemporalPath(),
    headless: true,
    dynamicConfig: {
      'limit.historyCount.suggestContinueAsNew': SUGGEST_AFTER,
      'limit.historyCount.warn': 200,
      'limit.historyCount.error': TERMINATE_AFTER,
    },
  });
  process.env.TEMPORAL_ADDRESS = server.address; // this file's own server: its limits disturb no one else
  stack = await startRolloutStack();
});

afterAll(async () => {
  await stack?.close();
  await server?.stop();
  process.env.TEMPORAL_ADDRESS = globalAddress;
  rmSync(dir, { recursive: true, force: true });
});

const BIN = resolve(__dirname, '../../../bin/model-rollout.js');

/** The operator CLI, as a user runs it against this file's server; resolves when it exits. */
function cli(args: string[]): Promise<{ code: number; stdout: string }> {
  return new Promise((done) => {
    const env = { ...process.env, NO_COLOR: '1' };
    const child = spawn(process.execPath, [BIN, ...args], { env });
    let stdout = '';
    child.stdout.on('data', (d) => (stdout += String(d)));
    child.stderr.on('data', (d) => (stdout += String(d)));
    child.on('exit', (code) => done({ code: code ?? 1, stdout }));
  });
}

async function runsOf(workflowId: string): Promise<WorkflowExecutionInfo[]> {
  const runs: WorkflowExecutionInfo[] = [];
  for await (const run of stack.client.workflow.list({ query: `WorkflowId = '${workflowId}'` })) runs.push(run);
  return runs.sort((a, b) => a.startTime.getTime() - b.startTime.getTime());
}

async function waitFor(workflowId: string, what: string, predicate: (s: RolloutStatus) => boolean) {
  const handle = stack.client.workflow.getHandle(workflowId);
  const deadline = Date.now() + 90_000;
  for (;;) {
    const status = await handle.query(statusQuery).catch(() => null);
    if (status && predicate(status)) return status;
    if (Date.now() > deadline) throw new Error(`never ${what}; last status: ${JSON.stringify(status)?.slice(0, 400)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

test('a rollout whose evaluations cross the history limit continues as new and is promoted, approval carried over', async () => {
  const endpoint = uniqueName('long');
  const workflowId = `rollout-${endpoint}`;
  await stack.seedEndpoint(endpoint);
  const spec = stack.spec(endpoint, 'challenger', {
    steps: [
      { candidateWeight: 50, soak: '12s' },
      { candidateWeight: 100, soak: '6s', approval: 'required' },
    ],
    evaluation: { interval: '1s', metricPeriod: '1s', settleDelay: stack.settle, onInconclusive: 'pass' },
  });
  const before = await beforeRollout(stack.admin, spec);
  const handle = await stack.client.workflow.start('modelRollout', {
    taskQueue: stack.taskQueue,
    workflowId,
    args: [spec],
  });
  // `model-rollout watch` follows the rollout across its runs to the end.
  const watching = cli(['watch', endpoint, '--interval', '0.5']);

  // The approval is asked for after the first run has continued as new at least once.
  const pending = await waitFor(workflowId, 'awaited approval', (s) => s.pendingApproval !== null);
  expect((await runsOf(workflowId)).length).toBeGreaterThan(1);
  // Every signal is an event: ignored signals during the wait grow this run's history until it, too, continues as
  // new, with the same approval pending until the same deadline.
  const runsBefore = (await runsOf(workflowId)).length;
  for (let i = 0; (await runsOf(workflowId)).length === runsBefore; i++) {
    if (i > 60) throw new Error('the run waiting for approval never continued as new');
    await handle.signal('resume', { by: `nudge-${i}` });
  }
  const carried = await waitFor(workflowId, 'continued with the approval', (s) => s.pendingApproval !== null);
  // Diagnostics for a failure seen once and not reproduced since: which runs there were and what each said.
  const context = JSON.stringify({
    runs: (await runsOf(workflowId)).map((r) => [r.runId, r.status.name, r.historyLength]),
    decisions: carried.decisions.filter((d) => d.kind !== 'signal-ignored'),
  });
  expect({ approval: carried.pendingApproval, context }).toEqual({ approval: pending.pendingApproval, context });
  expect(carried.step).toBe(2);
  expect(carried.weights).toEqual({ Champion: 0, Challenger: 100 });
  expect((await handle.query(evaluationsQuery)).length).toBeGreaterThan(0);

  await handle.signal('approve', { by: 'alice@example.com', reason: 'carried over and approved' });
  const result = (await handle.result()) as RolloutResult;
  expect(result.outcome).toBe('promoted');
  expect(result.decisions.filter((d) => d.kind === 'approval-requested')).toHaveLength(1);
  expect(result.decisions).toContainEqual(expect.objectContaining({ kind: 'approve', by: 'alice@example.com' }));
  // The first run's evaluations alone would have crossed the limit that terminates a run; none was terminated.
  const runs = await runsOf(workflowId);
  expect(runs.slice(0, -1).every((r) => r.status.name === 'CONTINUED_AS_NEW')).toBe(true);
  expect(runs.at(-1)!.status.name).toBe('COMPLETED');
  const events = runs.reduce((sum, r) => sum + (r.historyLength ?? 0), 0);
  expect(events).toBeGreaterThan(TERMINATE_AFTER);
  expect(Math.max(...runs.map((r) => r.historyLength ?? 0))).toBeLessThan(TERMINATE_AFTER);
  // Step 1's evidence was carried: its evaluations span several runs and the error-spending clock never went back.
  const fractions = result.evaluations.map((e) => e.soakFraction!);
  // (a step's settling evaluation adds no soak time, so two evaluations may share a fraction)
  expect(fractions.every((f, k) => k === 0 || f >= fractions[k - 1])).toBe(true);
  expect(fractions.at(-1)!).toBeGreaterThan(fractions[0]);
  expect(result.steps.map((s) => s.ended)).toEqual(['advanced', 'advanced']);
  await checkRolloutInvariants(stack, before, result, 'Challenger');

  // The CLI follows the chain: watch saw the promotion, list shows the rollout once, status shows its result.
  const watched = await watching;
  expect(watched.code).toBe(0);
  expect(watched.stdout).toContain(`Rollout ${endpoint}: promoted`);
  const listed = JSON.parse((await cli(['--json', 'list', '--limit', '100'])).stdout) as {
    workflowId: string;
    outcome: string;
  }[];
  expect(listed.filter((e) => e.workflowId === workflowId)).toEqual([
    expect.objectContaining({ workflowId, outcome: 'promoted' }),
  ]);
  const fromCli = JSON.parse((await cli(['--json', 'result', endpoint])).stdout) as RolloutResult;
  expect(fromCli.outcome).toBe('promoted');
  expect(fromCli.decisions).toEqual(result.decisions);
});

test('a paused rollout that continues as new stays paused, and resumes where its soak was', async () => {
  const endpoint = uniqueName('paused');
  const workflowId = `rollout-${endpoint}`;
  await stack.seedEndpoint(endpoint);
  // Live traffic (none here: the soak just waits), so the recorded history fixture stays small; the step's soak is
  // its maximum too, so the policy (pass) promotes when it has run.
  const spec = stack.spec(endpoint, 'challenger', {
    steps: [{ candidateWeight: 50, soak: '6s', maxSoak: '6s' }],
    traffic: {},
    evaluation: { interval: '1s', metricPeriod: '1s', settleDelay: stack.settle, onInconclusive: 'pass' },
  });
  const before = await beforeRollout(stack.admin, spec);
  const handle = await stack.client.workflow.start('modelRollout', {
    taskQueue: stack.taskQueue,
    workflowId,
    args: [spec],
  });
  // `model-rollout watch` follows the rollout across its runs to the end.
  const watching = cli(['watch', endpoint, '--interval', '0.5']);
  await waitFor(workflowId, 'soaked', (s) => s.phase === 'soaking' && s.steps[0]?.soakedMs >= 2_000);
  await handle.signal('pause', { by: 'carol', reason: 'holiday freeze' });
  const paused = await waitFor(workflowId, 'paused', (s) => s.phase === 'paused');
  const runsBefore = (await runsOf(workflowId)).length;
  for (let i = 0; (await runsOf(workflowId)).length === runsBefore; i++) {
    if (i > 60) throw new Error('the paused run never continued as new');
    await handle.signal('pause', { by: `nudge-${i}` }); // ignored: already paused
  }
  const carried = await waitFor(workflowId, 'continued paused', (s) => s.phase === 'paused');
  expect(carried.paused).toBe(true);
  expect(carried.steps[0].soakedMs).toBe(paused.steps[0].soakedMs);
  await handle.signal('resume', { by: 'carol' });
  const result = (await handle.result()) as RolloutResult;
  expect(result.outcome).toBe('promoted');
  expect(result.decisions.map((d) => d.kind)).toEqual(expect.arrayContaining(['pause', 'resume', 'promote']));
  await checkRolloutInvariants(stack, before, result, 'Challenger');
  await recordHistory(stack.client, 'continued-as-new', workflowId, handle.firstExecutionRunId);
  const watched = await watching;
  expect(watched.stdout).toMatch(/phase paused/);
  expect(watched.stdout).toContain(`Rollout ${endpoint}: promoted`);
});
