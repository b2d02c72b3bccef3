// Authorized approvals on real parts (the Temporal dev server, the rollout worker, the emulator): approve and
// rollback as Workflow Updates refused at once with the reason (not an allowed approver, nothing pending, bad input),
// the same rules for the signals (recorded as signal-ignored), and the Temporal identity of the sender recorded beside
// `by` in every decision a person caused.
import { Client, WorkflowUpdateFailedError } from '@temporalio/client';
import { beforeRollout, checkRolloutInvariants } from '../../harness/invariants';
import { startRolloutStack, type RolloutStack } from '../../harness/rollout-stack';
import { connectClient, temporalCli, uniqueName } from '../../harness/temporal';
import {
  approveUpdate,
  pauseUpdate,
  resumeUpdate,
  rollbackUpdate,
  statusQuery,
  type RolloutResult,
  type RolloutStatus,
} from '../../../src/workflows/shared';

let stack: RolloutStack;
/** A client that says who it is, as our CLI and dashboard do. */
let mallory: Client;
let closeMallory: () => Promise<void>;

beforeAll(async () => {
  stack = await startRolloutStack();
  const connected = await connectClient();
  mallory = new Client({
    connection: connected.client.connection,
    namespace: connected.client.options.namespace,
    identity: 'test-client:mallory',
  });
  closeMallory = connected.close;
});

afterAll(async () => {
  await closeMallory?.();
  await stack?.close();
});

async function waitForStatus(workflowId: string, predicate: (s: RolloutStatus) => boolean): Promise<RolloutStatus> {
  const handle = stack.client.workflow.getHandle(workflowId);
  const deadline = Date.now() + 60_000;
  for (;;) {
    const status = await handle.query(statusQuery);
    if (predicate(status)) return status;
    if (Date.now() > deadline) throw new Error(`status never matched; last: ${JSON.stringify(status).slice(0, 500)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** The refusal an update met: its failure's cause, as the caller reads it. */
async function refusal(promise: Promise<unknown>): Promise<{ message: string; type?: string; ms: number }> {
  const started = Date.now();
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(WorkflowUpdateFailedError);
    const cause = (err as WorkflowUpdateFailedError).cause as { message: string; type?: string };
    return { message: cause.message, type: cause.type, ms: Date.now() - started };
  }
  throw new Error('the update was accepted');
}

test('only an allowed approver moves the rollout on; refusals come at once, with the reason', async () => {
  const endpoint = uniqueName('approvers');
  const workflowId = `rollout-${endpoint}`;
  await stack.seedEndpoint(endpoint);
  const spec = stack.spec(endpoint, 'challenger', {
    steps: [
      { candidateWeight: 50, soak: '3s', approval: 'required' },
      { candidateWeight: 100, soak: '2s' },
    ],
    approval: { timeout: '10m', onTimeout: 'rollback', approvers: ['alice@example.com', '*@ml-platform.example.com'] },
  });
  const before = await beforeRollout(stack.admin, spec);
  const handle = await stack.client.workflow.start('modelRollout', {
    taskQueue: stack.taskQueue,
    workflowId,
    args: [spec],
  });
  const asMallory = mallory.workflow.getHandle(workflowId);

  // Nothing is pending yet: an update says so at once, and changes nothing.
  await waitForStatus(workflowId, (s) => s.phase === 'soaking');
  const early = await refusal(asMallory.executeUpdate(approveUpdate, { args: [{ by: 'alice@example.com' }] }));
  expect(early).toMatchObject({ message: 'approve refused: nothing is pending approval', type: 'RequestRefused' });
  const malformed = await refusal(asMallory.executeUpdate(approveUpdate, { args: [{ by: 'alice smith' }] }));
  expect(malformed.type).toBe('InvalidRequest');
  expect(malformed.message).toMatch(
    /^approve update rejected: invalid approve update:\n {2}- by: by must name who you are/,
  );
  const resume = await refusal(asMallory.executeUpdate(resumeUpdate, { args: [{ by: 'alice@example.com' }] }));
  expect(resume.message).toBe('resume refused: the rollout is not paused');

  const pending = await waitForStatus(workflowId, (s) => s.pendingApproval !== null);
  expect(pending.pendingApproval).toMatchObject({
    step: 1,
    cause: 'step',
    approvers: ['alice@example.com', '*@ml-platform.example.com'],
  });

  // Not an allowed approver: the update is refused at once; the signal is recorded as ignored, with who sent it.
  const denied = await refusal(asMallory.executeUpdate(approveUpdate, { args: [{ by: 'mallory@example.com' }] }));
  expect(denied.message).toBe(
    'approve refused: mallory@example.com may not approve: approval.approvers allows alice@example.com, *@ml-platform.example.com',
  );
  expect(denied.ms).toBeLessThan(5_000);
  // The same as a signal, with the temporal CLI: recorded as ignored, with the identity the CLI sent.
  await temporalCli([
    'workflow',
    'signal',
    '--workflow-id',
    workflowId,
    '--name',
    'approve',
    '--input',
    JSON.stringify({ by: 'mallory@ml-platform.example.com.evil.io', reason: 'trust me' }),
    '--identity',
    'temporal-cli:mallory@laptop',
  ]);
  const ignored = await waitForStatus(workflowId, (s) => s.decisions.some((d) => d.kind === 'signal-ignored'));
  expect(ignored.decisions.filter((d) => d.kind === 'signal-ignored')).toEqual([
    expect.objectContaining({
      by: 'mallory@ml-platform.example.com.evil.io',
      identity: 'temporal-cli:mallory@laptop',
      reason:
        'approve ignored: mallory@ml-platform.example.com.evil.io may not approve: approval.approvers allows alice@example.com, *@ml-platform.example.com',
    }),
  ]);
  expect(ignored.pendingApproval).not.toBeNull();

  // An allowed approver, with the temporal CLI's update as a user types it: the answer comes back, the rollout moves on.
  const answer = await temporalCli([
    'workflow',
    'update',
    'execute',
    '--workflow-id',
    workflowId,
    '--name',
    'approve',
    '--input',
    JSON.stringify({ by: 'carol@ml-platform.example.com', reason: 'error rates flat' }),
  ]);
  expect(answer).toContain('approved step 1 (step)');
  const result = (await handle.result()) as RolloutResult;
  expect(result.outcome).toBe('promoted');
  // The identity recorded is the one Temporal wrote into the history for that update. (The temporal CLI 1.5.1 sends
  // its --identity with signals only; its updates carry the Go SDK's default, "<pid>@<host>@".)
  const history = await handle.fetchHistory();
  const accepted = history.events!.find((e) => e.workflowExecutionUpdateAcceptedEventAttributes);
  const sentAs = accepted!.workflowExecutionUpdateAcceptedEventAttributes!.acceptedRequest!.meta!.identity!;
  expect(sentAs).toMatch(/^\d+@.+@$/);
  expect(result.decisions).toContainEqual(
    expect.objectContaining({
      kind: 'approve',
      step: 1,
      by: 'carol@ml-platform.example.com',
      identity: sentAs,
      reason: 'error rates flat',
    }),
  );
  expect(result.decisions.filter((d) => d.kind === 'approve')).toHaveLength(1);
  await checkRolloutInvariants(stack, before, result, 'Challenger');
});

test('anyone may pause and roll back unless approval.rollbackers says otherwise; each decision names its sender', async () => {
  const endpoint = uniqueName('rollbackers');
  const workflowId = `rollout-${endpoint}`;
  await stack.seedEndpoint(endpoint);
  const spec = stack.spec(endpoint, 'challenger', {
    steps: [{ candidateWeight: 50, soak: '60s' }],
    approval: { approvers: ['alice@example.com'], rollbackers: ['bob', '*@sre.example.com'] },
  });
  const before = await beforeRollout(stack.admin, spec);
  const handle = await stack.client.workflow.start('modelRollout', {
    taskQueue: stack.taskQueue,
    workflowId,
    args: [spec],
  });
  const asMallory = mallory.workflow.getHandle(workflowId);
  await waitForStatus(workflowId, (s) => s.phase === 'soaking');

  const paused = await asMallory.executeUpdate(pauseUpdate, { args: [{ by: 'dave', reason: 'holiday freeze' }] });
  expect(paused).toMatchObject({ request: 'pause', by: 'dave', identity: 'test-client:mallory', step: 1 });
  const again = await refusal(asMallory.executeUpdate(pauseUpdate, { args: [{ by: 'dave' }] }));
  expect(again.message).toBe('pause refused: the rollout is already paused');
  await asMallory.executeUpdate(resumeUpdate, { args: [{ by: 'dave' }] });

  const denied = await refusal(
    asMallory.executeUpdate(rollbackUpdate, { args: [{ by: 'alice@example.com', reason: 'no' }] }),
  );
  expect(denied.message).toBe(
    'rollback refused: alice@example.com may not roll back: approval.rollbackers allows bob, *@sre.example.com',
  );
  const taken = await asMallory.executeUpdate(rollbackUpdate, {
    args: [{ by: 'erin@sre.example.com', reason: 'pager' }],
  });
  expect(taken).toMatchObject({
    request: 'rollback',
    by: 'erin@sre.example.com',
    message: expect.stringMatching(/^rolling back/),
  });
  const twice = await refusal(asMallory.executeUpdate(rollbackUpdate, { args: [{ by: 'bob', reason: 'me too' }] }));
  expect(twice.message).toMatch(
    /^rollback refused: (already rolling back, as erin@sre\.example\.com asked|the rollout is already (rolling-back|rolled-back))$/,
  );

  const result = (await handle.result()) as RolloutResult;
  expect(result.outcome).toBe('rolled_back');
  expect(result.reason).toBe('rolled back by erin@sre.example.com: pager');
  const human = result.decisions.filter((d) => ['pause', 'resume', 'rollback'].includes(d.kind));
  expect(human.map((d) => [d.kind, d.by, d.identity])).toEqual([
    ['pause', 'dave', 'test-client:mallory'],
    ['resume', 'dave', 'test-client:mallory'],
    ['rollback', 'erin@sre.example.com', 'test-client:mallory'],
  ]);
  // The rollout's own decisions carry no identity: nobody sent them.
  expect(result.decisions.filter((d) => d.by === 'model-rollout').every((d) => d.identity === undefined)).toBe(true);
  await checkRolloutInvariants(stack, before, result, 'Champion');

  // An ended rollout takes no update at all.
  await expect(asMallory.executeUpdate(rollbackUpdate, { args: [{ by: 'bob', reason: 'late' }] })).rejects.toThrow(
    /completed|not found/i,
  );
});
