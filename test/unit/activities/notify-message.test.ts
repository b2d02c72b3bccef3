// The webhook message: Slack's incoming-webhook JSON with the exact commands that answer an approval, a dashboard
// link when the worker knows the dashboard, and nothing past Block Kit's limits.
import { answerCommands, slackMessage, type NotifyInput } from '../../../src/activities/notify-message';

const base: NotifyInput = {
  webhook: 0,
  url: 'https://hooks.example.com/T1/B2/secret',
  event: 'approval-requested',
  endpointName: 'churn',
  workflowId: 'rollout-churn',
  namespace: 'default',
  step: 2,
  totalSteps: 3,
  weights: { Champion: 25, Challenger: 75 },
  reason: 'step 2 (75% candidate) needs approval',
  approval: {
    cause: 'step',
    timeoutAt: '2026-12-02T10:00:00.000Z',
    approvers: ['alice@example.com', '*@ml.example.com'],
  },
};

test('an approval request names who may answer, until when, and the exact commands', () => {
  const message = slackMessage(base, 'https://rollouts.example.com/');
  expect(message.text).toBe(
    'Rollout churn waits for approval: step 2 (75% candidate) needs approval (https://rollouts.example.com/rollouts/churn)',
  );
  const json = JSON.stringify(message.blocks);
  expect(json).toContain('alice@example.com, *@ml.example.com');
  expect(json).toContain('2026-12-02T10:00:00.000Z');
  expect(json).toContain('step 2/3 · Champion 25% · Challenger 75% · workflow rollout-churn');
  expect(answerCommands(base)).toEqual([
    'npx model-rollout approve churn --by <you> --reason "<why>"',
    'npx model-rollout rollback churn --by <you> --reason "<why>"',
    `temporal workflow update execute --workflow-id rollout-churn --name approve --input '{"by":"<you>","reason":"<why>"}'`,
    `temporal workflow update execute --workflow-id rollout-churn --name rollback --input '{"by":"<you>","reason":"<why>"}'`,
  ]);
  for (const command of answerCommands(base)) expect(json).toContain(JSON.stringify(command).slice(1, -1));
  expect(message.blocks.at(-1)).toEqual({
    type: 'actions',
    elements: [
      {
        type: 'button',
        text: { type: 'plain_text', text: 'Open in the dashboard' },
        url: 'https://rollouts.example.com/rollouts/churn',
      },
    ],
  });
});

test('another namespace is named in the commands; an odd endpoint name is quoted', () => {
  const commands = answerCommands({ endpointName: 'churn-2', workflowId: 'rollout-churn-2', namespace: 'ml prod' });
  expect(commands[0]).toBe(`npx model-rollout --namespace 'ml prod' approve churn-2 --by <you> --reason "<why>"`);
  expect(commands[2]).toMatch(/^temporal workflow update execute --namespace 'ml prod' --workflow-id rollout-churn-2/);
});

test('the other events carry no commands; no dashboard link without a dashboard', () => {
  for (const event of ['guardrail-failed', 'rolled-back', 'promoted'] as const) {
    const { approval: _a, ...rest } = base;
    const message = slackMessage({ ...rest, event, reason: 'latency: +31% (tolerance 20%)' });
    expect(message.text).toMatch(
      /^Rollout churn (guardrail failed|rolled back|promoted): latency: \+31% \(tolerance 20%\)$/,
    );
    expect(JSON.stringify(message)).not.toContain('temporal workflow update');
    expect(message.blocks.some((b) => b.type === 'actions')).toBe(false);
  }
});

test("long reasons are cut to Block Kit's limits, and mrkdwn's control characters escaped", () => {
  const message = slackMessage({ ...base, endpointName: 'e'.repeat(63), reason: `<!channel> & ${'x'.repeat(5000)}` });
  const header = message.blocks[0] as { text: { text: string } };
  expect(header.text.text.length).toBeLessThanOrEqual(150);
  const section = message.blocks[1] as { text: { text: string } };
  expect(section.text.text.length).toBeLessThanOrEqual(3000);
  expect(section.text.text).toContain('&lt;!channel&gt; &amp; xxx');
  expect(message.text.length).toBeLessThan(700);
});
