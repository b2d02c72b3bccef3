// Posts one notification to one webhook. The workflow calls it once per webhook and event, without waiting for it in
// the story (src/workflows/notify.ts), so a webhook that is down delays and fails nothing but its own message.
//
// Retries follow Slack's incoming-webhook answers (api.slack.com/messaging/webhooks#handling_errors): a 429 carries
// Retry-After (seconds), which becomes the next retry's delay; 5xx and network errors are retried with the
// workflow's backoff; any other 4xx (invalid_payload, no_service, channel_is_archived, …) will not improve with
// retrying and fails at once.
import { ApplicationFailure } from '@temporalio/activity';
import { slackMessage, type NotifyInput } from './notify-message';

export type { NotifyInput } from './notify-message';

/** How long one POST may take before it counts as failed (and is retried). */
const POST_TIMEOUT_MS = 10_000;

export function notifyActivities(env: NodeJS.ProcessEnv = process.env) {
  return {
    async notify(input: NotifyInput): Promise<void> {
      const name = `notifications[${input.webhook}]`;
      const url = input.url ?? (input.urlEnv ? env[input.urlEnv] : undefined);
      if (!url) {
        throw ApplicationFailure.nonRetryable(
          `${name}: the worker's environment has no ${input.urlEnv}, the variable urlEnv names`,
          'WebhookNotConfigured',
        );
      }
      const body = JSON.stringify(slackMessage(input, env.MODEL_ROLLOUT_DASHBOARD_URL));
      let response: Response;
      try {
        response = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body,
          redirect: 'error',
          signal: AbortSignal.timeout(POST_TIMEOUT_MS),
        });
      } catch (err) {
        // The URL stays out of messages: a Slack webhook URL is its own secret.
        throw ApplicationFailure.retryable(`${name}: ${errorText(err)}`, 'WebhookUnreachable');
      }
      if (response.ok) return;
      const answer = `${name}: the webhook answered ${response.status} ${(await response.text()).slice(0, 200)}`;
      if (response.status === 429) {
        const seconds = Number(response.headers.get('retry-after'));
        throw ApplicationFailure.create({
          message: answer,
          type: 'WebhookRateLimited',
          ...(Number.isFinite(seconds) && seconds > 0 ? { nextRetryDelay: Math.min(seconds, 600) * 1000 } : {}),
        });
      }
      if (response.status >= 500) throw ApplicationFailure.retryable(answer, 'WebhookUnavailable');
      throw ApplicationFailure.nonRetryable(answer, 'WebhookRefused');
    },
  };
}

function errorText(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = (err as { cause?: unknown }).cause;
  return cause instanceof Error ? `${err.message} (${cause.message})` : err.message;
}
