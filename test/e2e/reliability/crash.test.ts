// Crash safety: the worker process is SIGKILLed at each phase of a rollout and a new one started. Every rollout must
// reach the outcome an undisturbed one reaches, leave the endpoint safe, and never repeat a state-changing AWS call
// (the emulator's request log says which calls actually changed state).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import { recordHistory } from '../../harness/histories';
import { beforeRollout, checkRolloutInvariants } from '../../harness/invariants';
import { startRolloutStack, type RolloutStack } from '../../harness/rollout-stack';
import { uniqueName } from '../../harness/temporal';
import { startWorkerProcess, writeWorkflowBundle, type WorkerProcess } from '../../harness/worker-process';
import { statusQuery, type RolloutResult, type RolloutStatus } from '../../../src/workflows/shared';
import type { RolloutSpecInput } from '../../../src/schema';
import type { RequestLogEntry } from '../../../src/emulator';

let stack: RolloutStack;
let bundlePath: string;

beforeAll(async () => {
  stack = await startRolloutStack({ inProcessWorker: false });
  bundlePath = await writeWorkflowBundle(mkdtempSync(join(tmpdir(), 'model-rollout-bundle-')));
});

afterAll(async () => {
  await stack?.close();
});

interface Ctx {
  endpoint: string;
  handle: WorkflowHandle;
  log: RequestLogEntry[];
  status: RolloutStatus;
}

interface KillPoint {
  phase: string;
  /** Spec changes that make this phase reachable or long enough to hit. */
  spec?: (endpoint: string) => Partial<RolloutSpecInput>;
  /** Faults set on the emulator before the rollout starts. */
  faults?: (endpoint: string) => Record<string, unknown>;
  /** What to do before watching for the kill moment (e.g. ask for a rollback). */
  before?: (ctx: Omit<Ctx, 'log' | 'status'>) => Promise<void>;
  /** True at the moment to kill the worker. */
  when: (ctx: Ctx) => boolean;
  /** Done after the new worker is up (e.g. the approval the dead worker was waiting for). */
  after?: (ctx: Omit<Ctx, 'log' | 'status'>) => Promise<void>;
  outcome: 'promoted' | 'rolled_back';
  /** Saved as this history fixture when recording (test/harness/histories.ts). */
  history?: string;
}

const about = (endpoint: string) => (e: RequestLogEntry) => JSON.stringify(e).includes(endpoint);
const calls = (ctx: Ctx, operation: string) =>
  ctx.log.filter((e) => e.operation === operation && about(ctx.endpoint)(e) && e.status < 300).length;

const regression = (endpoint: string) => ({
  endpoints: { [endpoint]: { variants: { Challenger: { errorRate5xx: 0.3 } } } },
});
/**
 * Holds the answer to a call for 2 s after it took effect. The rollout runs short calls as local activities, one
 * after another inside one workflow task, so without the hold the end of a rollout is over in milliseconds; with
 * it the worker dies while the call has happened and its answer is not yet recorded, the case that must not
 * repeat a change. (Operation faults hold every endpoint's calls; they only slow the other kill points down.)
 */
const slowAnswer = (operation: string) => ({ operations: { [`SageMaker.${operation}`]: { responseDelayMs: 2000 } } });

const KILL_POINTS: KillPoint[] = [
  { phase: 'deploying: right after CreateModel', when: (c) => calls(c, 'CreateModel') >= 1, outcome: 'promoted' },
  {
    phase: 'waiting for InService after UpdateEndpoint (slow update)',
    faults: (ep) => ({ endpoints: { [ep]: { updateDelayMs: 3000 } } }),
    when: (c) => calls(c, 'UpdateEndpoint') >= 1,
    outcome: 'promoted',
  },
  {
    phase: 'shifting weights: right after UpdateEndpointWeightsAndCapacities',
    when: (c) => calls(c, 'UpdateEndpointWeightsAndCapacities') >= 1,
    outcome: 'promoted',
  },
  {
    phase: 'mid-soak: replay traffic in flight',
    when: (c) => c.status.phase === 'soaking' && calls(c, 'InvokeEndpoint') >= 60,
    outcome: 'promoted',
    history: 'crash-resumed-mid-soak',
  },
  { phase: 'evaluating: right after GetMetricData', when: (c) => calls(c, 'GetMetricData') >= 1, outcome: 'promoted' },
  {
    phase: 'waiting for approval',
    spec: () => ({
      steps: [
        { candidateWeight: 50, soak: '2s', approval: 'required' },
        { candidateWeight: 100, soak: '2s' },
      ],
    }),
    when: (c) => c.status.pendingApproval !== null,
    after: async ({ handle }) => handle.signal('approve', { by: 'alice', reason: 'approved after the crash' }),
    outcome: 'promoted',
  },
  {
    phase: 'promoting: right after the final endpoint config is created',
    faults: () => slowAnswer('CreateEndpointConfig'),
    when: (c) =>
      c.log.some(
        (e) => e.operation === 'CreateEndpointConfig' && about(c.endpoint)(e) && /-final/.test(JSON.stringify(e)),
      ),
    outcome: 'promoted',
  },
  {
    phase: 'cleaning up after promotion: right after the first DeleteEndpointConfig',
    faults: () => slowAnswer('DeleteEndpointConfig'),
    when: (c) => calls(c, 'DeleteEndpointConfig') >= 1,
    outcome: 'promoted',
  },
  {
    phase: 'rolling back: right after the weights go back to the baseline',
    faults: (ep) => ({ ...regression(ep), ...slowAnswer('UpdateEndpointWeightsAndCapacities') }),
    // The first call shifted to 50%; the regression fails the first evaluation, so the second is the way back.
    when: (c) => calls(c, 'UpdateEndpointWeightsAndCapacities') >= 2,
    outcome: 'rolled_back',
  },
  {
    phase: 'cleaning up after rollback: right after DeleteModel',
    faults: (ep) => ({ ...regression(ep), ...slowAnswer('DeleteModel') }),
    when: (c) => calls(c, 'DeleteModel') >= 1,
    outcome: 'rolled_back',
  },
];

/**
 * Watches the request log every 25 ms and the status as often as it answers: a query waits while the workflow task
 * runs local activities, and the log must not wait with it.
 */
async function waitFor(ctx: Omit<Ctx, 'log' | 'status'>, when: KillPoint['when'], timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let status = await ctx.handle.query(statusQuery);
  let watching = true;
  let queryFailed: unknown;
  const watchStatus = (async () => {
    while (watching) {
      status = await ctx.handle.query(statusQuery);
      await new Promise((r) => setTimeout(r, 25));
    }
  })().catch((err: unknown) => (queryFailed = err ?? new Error('status query failed')));
  try {
    for (;;) {
      if (queryFailed) throw queryFailed; // a stale status must not hide the rollout's end
      const log = await stack.admin.requests();
      if (when({ ...ctx, log, status })) return;
      if (status.outcome) throw new Error(`the rollout ended (${status.outcome}) before the kill point was reached`);
      if (Date.now() > deadline) throw new Error(`kill point never reached; phase ${status.phase}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  } finally {
    watching = false;
    await watchStatus;
  }
}

/** Mutating calls that changed state, keyed by what they changed: a crash must never make one happen twice. */
function repeatedStateChanges(log: RequestLogEntry[], endpoint: string): string[] {
  const seen = new Map<string, number>();
  for (const e of log.filter((x) => x.mutating && x.changedState && about(endpoint)(x))) {
    const key = `${e.operation} ${e.resourceName ?? e.endpointName ?? ''} ${e.detail ?? ''}`;
    seen.set(key, (seen.get(key) ?? 0) + 1);
  }
  return [...seen].filter(([, n]) => n > 1).map(([k, n]) => `${k} ×${n}`);
}

test.concurrent.each(KILL_POINTS.map((k) => [k.phase, k] as const))(
  'SIGKILL of the worker %s: same outcome, safe endpoint, no repeated state change',
  async (_phase, point) => {
    const endpoint = uniqueName('crash');
    const taskQueue = uniqueName('crash-tq');
    await stack.seedEndpoint(endpoint);
    if (point.faults) await stack.admin.patchFaults(point.faults(endpoint));
    const spec = stack.spec(endpoint, 'challenger', {
      steps: [
        { candidateWeight: 50, soak: '3s' },
        { candidateWeight: 100, soak: '2s' },
      ],
      traffic: { replay: { dataUrl: `file://${stack.data.holdoutFile}`, ratePerSecond: 40 } },
      ...point.spec?.(endpoint),
    });
    const before = await beforeRollout(stack.admin, spec);
    let worker: WorkerProcess = await startWorkerProcess({ taskQueue, bundlePath });
    try {
      const handle = await stack.client.workflow.start('modelRollout', {
        taskQueue,
        workflowId: `rollout-${endpoint}`,
        args: [spec],
      });
      await point.before?.({ endpoint, handle });
      await waitFor({ endpoint, handle }, point.when);
      await worker.crash();
      worker = await startWorkerProcess({ taskQueue, bundlePath });
      await point.after?.({ endpoint, handle });
      const result = (await handle.result()) as RolloutResult;

      expect(result.outcome).toBe(point.outcome);
      await checkRolloutInvariants(stack, before, result, point.outcome === 'promoted' ? 'Challenger' : 'Champion');
      expect(repeatedStateChanges(await stack.admin.requests(), endpoint)).toEqual([]);
      if (point.history)
        await recordHistory(stack.client, point.history, handle.workflowId, handle.firstExecutionRunId);
    } finally {
      await worker.stop();
    }
  },
  240_000,
);
