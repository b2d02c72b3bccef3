// The spec's `notifications`: webhooks the rollout posts Slack-compatible messages to when something happens that a
// person should know about. The URL may be written in the spec or, since a Slack webhook URL is itself the secret and
// a spec is stored in the workflow's history, named by an environment variable of the worker.
import { z } from 'zod';

/** What a rollout notifies about (docs/spec.md). */
export const NOTIFICATION_EVENTS = ['approval-requested', 'guardrail-failed', 'rolled-back', 'promoted'] as const;
export type NotificationEvent = (typeof NOTIFICATION_EVENTS)[number];

const webhookUrl = z
  .string({ error: 'url must be a string such as "https://hooks.slack.com/services/…"' })
  .max(2048, 'url is longer than 2048 characters')
  .refine((text) => /^https?:\/\/[^/?#\s]+/.test(text) && URL.canParse(text), {
    error: 'url must be an http:// or https:// URL, e.g. "https://hooks.slack.com/services/…"',
  });

export const NotificationSpec = z
  .strictObject({
    url: webhookUrl.optional(),
    /** The worker's environment variable that holds the URL, so the secret stays out of the spec and the history. */
    urlEnv: z
      .string({ error: 'urlEnv must be the name of an environment variable' })
      .regex(/^[A-Za-z_][A-Za-z0-9_]{0,127}$/, 'urlEnv must be an environment variable name such as SLACK_WEBHOOK_URL')
      .optional(),
    events: z
      .array(
        z.enum(NOTIFICATION_EVENTS, {
          error: `events may hold only ${NOTIFICATION_EVENTS.map((e) => `"${e}"`).join(', ')}`,
        }),
      )
      .min(1, 'events is empty: leave it out to be told of every event, or name some')
      .default([...NOTIFICATION_EVENTS]),
  })
  .superRefine((n, ctx) => {
    if ((n.url === undefined) === (n.urlEnv === undefined)) {
      ctx.addIssue({
        code: 'custom',
        message: 'give url (the webhook) or urlEnv (the worker environment variable that holds it), not both',
      });
    }
  });
export type NotificationSpec = z.output<typeof NotificationSpec>;

export const NotificationsSpec = z
  .array(NotificationSpec, { error: 'notifications must be a list of { "url": …, "events": [...] }' })
  .max(10, 'more than 10 notification webhooks: fan out in your chat tool instead');
