// Notifications on real parts: rollouts on a dev server whose history limits are tiny (continue-as-new suggested after
// 60 events), posting to a local HTTP receiver that plays the webhooks. Exactly one approval-requested message per
// wait, though the run waiting continues as new; messages for the other events; a slow, a refusing and a rate-limiting
// webhook delay and fail nothing.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { WorkflowExecutionInfo } from '@temporalio/client';
import { resolveTemporalPath, startDevServer, type DevServer } from '../../../src/local/dev-server';
import { approveUpdate, statusQuery, type RolloutResult, type RolloutStatus } from '../../../src/workflows/shared';
import type { SlackMessage } from '../../../src/activities/notify-message';
import { beforeRollout, checkRolloutInvariants } from '../../harness/invariants';
import { startRolloutStack, type RolloutStack } from '../../harness/rollout-stack';
import { uniqueName } from '../../harness/temporal';

interface Received {
  path: string;
  at: number;
  /** When the receiver answered (a slow webhook answers late). */
  answeredAt: number;
  status: number;
  body: SlackMessage;
}

let server: DevServer;
let stack: RolloutStack;
let receiver: Server;
let hooks: string;
const received: Received[] = [];
const globalAddress = process.env.TEMPORAL_ADDRESS;

/** How each webhook answers: /ok at once, /slow after 3 s, /refuse 400, /limited 429 (Retry-After: 1) the first time. */
function answer(path: string, body: SlackMessage, earlier: Received[]): { status: number; delayMs: number } {
  if (path.startsWith('/refuse')) return { status: 400, delayMs: 0 };
  if (path.startsWith('/limited') && !earlier.some((r) => r.path === path)) return { status: 429, delayMs: 0 };
  if (path.startsWith('/slow') && body.text.includes('guardrail failed')) return { status: 200, delayMs: 3_000 };
  return { status: 200, delayMs: 0 };
}

async function readJson(req: IncomingMessage): Promise<SlackMessage> {
  let text = '';
  for await (const chunk of req) text += String(chunk);
  return JSON.parse(text) as SlackMessage;
}

beforeAll(async () => {
  server = await startDevServer({
    temporalPath: resolveTemporalPath(),
    headless: true,
    dynamicConfig: { 'limit.historyCount.suggestContinueAsNew': 60 },
  });
  process.env.TEMPORAL_ADDRESS = server.address; // this file's own server: its limits disturb no one else
  process.env.MODEL_ROLLOUT_DASHBOARD_URL = 'https://rollouts.example.com';
  receiver = createServer((req, res) => {
    const at = Date.now();
    void readJson(req).then((body) => {
      const path = req.url ?? '';
      const { status, delayMs } = answer(path, body, received);
      setTimeout(() => {
        received.push({ path, at, answeredAt: Date.now(), status, body });
        if (status === 429) res.setHeader('Retry-After', '1');
        res.writeHead(status).end(status === 200 ? 'ok' : 'invalid_payload');
      }, delayMs);
    });
  });
  await new Promise<void>((done) => receiver.listen(0, '127.0.0.1', done));
  hooks = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  process.env.ROLLOUT_TEST_WEBHOOK = `${hooks}/from-env`; // the worker runs in this process
  stack = await startRolloutStack();
});

afterAll(async () => {
  await stack?.close();
  await server?.stop();
  receiver?.close();
  process.env.TEMPORAL_ADDRESS = globalAddress;
  delete process.env.MODEL_ROLLOUT_DASHBOARD_URL;
});

async function runsOf(workflowId: string): Promise<WorkflowExecutionInfo[]> {
  const runs: WorkflowExecutionInfo[] = [];
  for await (const run of stack.client.workflow.list({ query: `WorkflowId = '${workflowId}'` })) runs.push(run);
  return runs;
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

const messagesTo = (endpoint: string, prefix: string) =>
  received.filter((r) => r.path.startsWith(prefix) && r.path.endsWith(endpoint) && r.status === 200);
const eventOf = (r: Received) =>
  /^Rollout \S+ (waits for approval|guardrail failed|rolled back|promoted)/.exec(r.body.text)?.[1];

test('one approval-requested message per wait, though the waiting run continues as new; then promoted', async () => {
  const endpoint = uniqueName('notify');
  const workflowId = `rollout-${endpoint}`;
  await stack.seedEndpoint(endpoint);
  const spec = stack.spec(endpoint, 'challenger', {
    steps: [
      { candidateWeight: 50, soak: '3s', approval: 'required' },
      { candidateWeight: 100, soak: '2s' },
    ],
    evaluation: { interval: '1s', metricPeriod: '1s', settleDelay: stack.settle, onInconclusive: 'pass' },
    approval: { approvers: ['alice@example.com'] },
    notifications: [
      { url: `${hooks}/ok/${endpoint}` },
      { urlEnv: 'ROLLOUT_TEST_WEBHOOK', events: ['promoted'] },
      { url: `${hooks}/refuse/${endpoint}`, events: ['approval-requested'] },
      { url: `${hooks}/limited/${endpoint}`, events: ['approval-requested'] },
    ],
  });
  const before = await beforeRollout(stack.admin, spec);
  const handle = await stack.client.workflow.start('modelRollout', {
    taskQueue: stack.taskQueue,
    workflowId,
    args: [spec],
  });

  await waitFor(workflowId, 'awaited approval', (s) => s.pendingApproval !== null);
  // Ignored signals grow the waiting run's history until it continues as new, the approval carried over.
  const runsBefore = (await runsOf(workflowId)).length;
  // (A run lets its messages finish before it continues as new: the rate-limited one takes a second more.)
  const deadline = Date.now() + 30_000;
  for (let i = 0; (await runsOf(workflowId)).length === runsBefore; i++) {
    if (Date.now() > deadline) throw new Error('the run waiting for approval never continued as new');
    await handle.signal('resume', { by: `nudge-${i}` });
    await new Promise((r) => setTimeout(r, 50));
  }
  const carried = await waitFor(workflowId, 'continued with the approval', (s) => s.pendingApproval !== null);
  // The refusing webhook is recorded as failed, the rate-limited one sent on its retry after Retry-After.
  const failed = carried.notifications?.filter((n) => n.outcome === 'failed');
  expect(failed).toEqual([
    expect.objectContaining({
      event: 'approval-requested',
      webhook: 2,
      error: 'notifications[2]: the webhook answered 400 invalid_payload',
    }),
  ]);
  expect(carried.notifications).toContainEqual(
    expect.objectContaining({ event: 'approval-requested', webhook: 3, outcome: 'sent' }),
  );
  await handle.executeUpdate(approveUpdate, { args: [{ by: 'alice@example.com', reason: 'looks good' }] });
  const result = (await handle.result()) as RolloutResult;
  expect(result.outcome).toBe('promoted');
  await checkRolloutInvariants(stack, before, result, 'Challenger');

  const ok = messagesTo(endpoint, '/ok/');
  expect(ok.map(eventOf)).toEqual(['waits for approval', 'promoted']);
  const asked = ok[0].body;
  expect(asked.text).toBe(
    `Rollout ${endpoint} waits for approval: step 1 (50% candidate) needs approval (https://rollouts.example.com/rollouts/${endpoint})`,
  );
  const blocks = JSON.stringify(asked.blocks);
  expect(blocks).toContain(`npx model-rollout approve ${endpoint} --by <you> --reason \\"<why>\\"`);
  expect(blocks).toContain(
    `temporal workflow update execute --workflow-id ${workflowId} --name approve --input '{\\"by\\":\\"<you>\\",\\"reason\\":\\"<why>\\"}'`,
  );
  expect(blocks).toContain('*Who may approve:* alice@example.com');
  expect(ok[1].body.text).toMatch(new RegExp(`^Rollout ${endpoint} promoted: all 2 steps passed and were approved`));
  expect(received.filter((r) => r.path === `/from-env`).map(eventOf)).toContain('promoted');
  expect(
    received.filter((r) => r.path.startsWith('/limited/') && r.path.endsWith(endpoint)).map((r) => r.status),
  ).toEqual([429, 200]);
  // More than one run, one request.
  expect((await runsOf(workflowId)).length).toBeGreaterThan(runsBefore);
  expect(result.decisions.filter((d) => d.kind === 'approval-requested')).toHaveLength(1);
});

test('a failed guardrail and the rollback are told; a slow webhook does not hold the rollback', async () => {
  const endpoint = uniqueName('notify-fail');
  await stack.seedEndpoint(endpoint);
  const spec = stack.spec(endpoint, 'worse', {
    traffic: { replay: { dataUrl: `file://${stack.data.holdoutFile}`, ratePerSecond: 100, rowsPerRequest: 10 } },
    notifications: [{ url: `${hooks}/slow/${endpoint}`, events: ['guardrail-failed', 'rolled-back'] }],
  });
  const before = await beforeRollout(stack.admin, spec);
  const handle = await stack.client.workflow.start('modelRollout', {
    taskQueue: stack.taskQueue,
    workflowId: `rollout-${endpoint}`,
    args: [spec],
  });
  const result = (await handle.result()) as RolloutResult;
  expect(result.outcome).toBe('rolled_back');
  await checkRolloutInvariants(stack, before, result, 'Champion');

  const messages = messagesTo(endpoint, '/slow/');
  expect(messages.map(eventOf)).toEqual(['guardrail failed', 'rolled back']);
  expect(messages[0].body.text).toMatch(
    new RegExp(`^Rollout ${endpoint} guardrail failed: step \\d: .*; onFailure: rollback`),
  );
  expect(messages[1].body.text).toBe(
    `Rollout ${endpoint} rolled back: ${result.reason} (https://rollouts.example.com/rollouts/${endpoint})`,
  );
  // The rollback began while the guardrail-failed message was still held by the slow webhook.
  const rollback = result.decisions.find((d) => d.kind === 'rollback')!;
  expect(Date.parse(rollback.at)).toBeLessThan(messages[0].answeredAt);
  expect(messages[0].answeredAt - messages[0].at).toBeGreaterThanOrEqual(3_000);
});
