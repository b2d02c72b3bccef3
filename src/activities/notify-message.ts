// The message a rollout posts to a webhook: Slack's incoming-webhook JSON, `text` (the notification and fallback
// line) and Block Kit `blocks`, which Slack-compatible receivers (Mattermost, Rocket.Chat, Discord's /slack
// endpoint) accept too. Pure: the notify activity posts what this returns.
//
// Block Kit limits (api.slack.com/reference/block-kit/blocks): a header's plain_text at most 150 characters, a
// section's text at most 3000, a button's URL at most 3000; Slack answers 400 invalid_blocks past them, so long
// reasons are cut here.
import type { NotificationEvent } from '../schema/notifications';

export interface NotifyInput {
  /** The webhook's place in the spec's `notifications` (for messages that must not show its URL). */
  webhook: number;
  url?: string;
  urlEnv?: string;
  event: NotificationEvent;
  endpointName: string;
  workflowId: string;
  namespace: string;
  step: number;
  totalSteps: number;
  weights: Record<string, number>;
  /** What happened: the approval's reason, the failed guardrail's, the ending's. */
  reason: string;
  /** For approval-requested: why a human is asked, until when, and who may answer. */
  approval?: { cause: string; timeoutAt: string; approvers?: string[] };
}

export interface SlackMessage {
  text: string;
  blocks: Record<string, unknown>[];
}

const TITLE: Record<NotificationEvent, string> = {
  'approval-requested': 'waits for approval',
  'guardrail-failed': 'guardrail failed',
  'rolled-back': 'rolled back',
  promoted: 'promoted',
};
const EMOJI: Record<NotificationEvent, string> = {
  'approval-requested': ':raised_hand:',
  'guardrail-failed': ':warning:',
  'rolled-back': ':rewind:',
  promoted: ':white_check_mark:',
};

function cut(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** Shell-quoted for POSIX shells: single quotes, with any single quote closed, escaped and reopened. */
function sq(text: string): string {
  return /^[A-Za-z0-9_./:@=-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}

/** Slack's mrkdwn escapes only these three (api.slack.com/reference/surfaces/formatting#escaping). */
function esc(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** The exact commands that answer a pending approval: our CLI and the temporal CLI's update. */
export function answerCommands(input: Pick<NotifyInput, 'endpointName' | 'workflowId' | 'namespace'>): string[] {
  const ns = input.namespace === 'default' ? '' : ` --namespace ${sq(input.namespace)}`;
  const ep = sq(input.endpointName);
  const update = (name: string, payload: string) =>
    `temporal workflow update execute${ns} --workflow-id ${sq(input.workflowId)} --name ${name} --input '${payload}'`;
  return [
    `npx model-rollout${ns} approve ${ep} --by <you> --reason "<why>"`,
    `npx model-rollout${ns} rollback ${ep} --by <you> --reason "<why>"`,
    update('approve', '{"by":"<you>","reason":"<why>"}'),
    update('rollback', '{"by":"<you>","reason":"<why>"}'),
  ];
}

/** The dashboard's page of this rollout, when the worker knows where the dashboard is (MODEL_ROLLOUT_DASHBOARD_URL). */
export function dashboardLink(dashboardUrl: string | undefined, endpointName: string): string | null {
  if (!dashboardUrl) return null;
  return `${dashboardUrl.replace(/\/+$/, '')}/rollouts/${encodeURIComponent(endpointName)}`;
}

export function slackMessage(input: NotifyInput, dashboardUrl?: string): SlackMessage {
  const headline = `Rollout ${input.endpointName} ${TITLE[input.event]}`;
  const weights = Object.entries(input.weights)
    .map(([variant, weight]) => `${variant} ${Number(weight.toFixed(1))}%`)
    .join(' · ');
  const where = `step ${input.step}/${input.totalSteps}${weights ? ` · ${weights}` : ''}`;
  const blocks: Record<string, unknown>[] = [
    { type: 'header', text: { type: 'plain_text', text: cut(`${headline}`, 150), emoji: true } },
    { type: 'section', text: { type: 'mrkdwn', text: cut(`${EMOJI[input.event]} ${esc(input.reason)}`, 3000) } },
    {
      type: 'context',
      elements: [{ type: 'mrkdwn', text: cut(esc(`${where} · workflow ${input.workflowId}`), 3000) }],
    },
  ];
  if (input.approval) {
    const who = input.approval.approvers?.length ? input.approval.approvers.join(', ') : 'anyone with access';
    blocks.push({
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: cut(
          `*Who may approve:* ${esc(who)}\n*Times out:* ${input.approval.timeoutAt}\n*Answer with:*\n` +
            `\`\`\`${answerCommands(input).join('\n')}\`\`\``,
          3000,
        ),
      },
    });
  }
  const link = dashboardLink(dashboardUrl, input.endpointName);
  if (link) {
    blocks.push({
      type: 'actions',
      elements: [{ type: 'button', text: { type: 'plain_text', text: 'Open in the dashboard' }, url: cut(link, 3000) }],
    });
  }
  const text = `${headline}: ${cut(input.reason, 500)}${link ? ` (${link})` : ''}`;
  return { text, blocks };
}
