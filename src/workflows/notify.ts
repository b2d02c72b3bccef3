// Tells the spec's webhooks what a person should know: an approval is waited for, a guardrail failed, the rollout
// was promoted or rolled back. One activity per webhook and event, started and not awaited by the story: a webhook
// that is slow or down delays no step and fails nothing; its failure is logged and recorded in status.notifications.
//
// Each message is sent once: the story notifies where the event happens (an approval request only when it is first
// made, not when a continued run finds it carried over), and a run lets its messages finish before it continues as
// new (continue-as-new.ts) or ends (settleNotifications), since an activity of a closed run is never delivered.
import { ActivityFailure, CancellationScope, log, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { RolloutActivities } from '../activities';
import type { NotificationEvent } from '../schema/notifications';
import type { RolloutContext } from './context';
import type { NotificationRecord } from './shared';

const retry = { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '1 minute' } as const;
/** Mid-rollout messages may keep trying for a while: nothing waits for them. */
const messages = proxyActivities<RolloutActivities>({
  startToCloseTimeout: '15 seconds',
  scheduleToCloseTimeout: '10 minutes',
  retry,
});
/** The ending's message holds the workflow's completion (settleNotifications): it gives up sooner. */
const lastMessages = proxyActivities<RolloutActivities>({
  startToCloseTimeout: '15 seconds',
  scheduleToCloseTimeout: '1 minute',
  retry,
});

/** Notifications kept in status (the latest). */
const MAX_RECORDS = 50;

export function notify(ctx: RolloutContext, event: NotificationEvent, reason: string): void {
  const webhooks = ctx.spec.notifications ?? []; // a spec carried from a worker before notifications has none
  const info = workflowInfo();
  const ending = event === 'promoted' || event === 'rolled-back';
  const pending = ctx.state.pendingApproval;
  webhooks.forEach((webhook, index) => {
    if (!webhook.events.includes(event)) return;
    const input = {
      webhook: index,
      ...(webhook.url ? { url: webhook.url } : { urlEnv: webhook.urlEnv }),
      event,
      endpointName: ctx.spec.endpointName,
      workflowId: info.workflowId,
      namespace: info.namespace,
      step: ctx.state.step,
      totalSteps: ctx.state.totalSteps,
      weights: ctx.state.weights,
      reason,
      ...(event === 'approval-requested' && pending
        ? { approval: { cause: pending.cause, timeoutAt: pending.timeoutAt, approvers: pending.approvers } }
        : {}),
    };
    // Not cancellable: a cancelled workflow still rolls back, and says so.
    const sent = CancellationScope.nonCancellable(() => (ending ? lastMessages : messages).notify(input)).then(
      () => record(ctx, { event, webhook: index, outcome: 'sent' }),
      (err: unknown) => {
        const error = err instanceof ActivityFailure && err.cause ? err.cause.message : String(err);
        log.warn(`notification ${event} to notifications[${index}] failed: ${error}`);
        record(ctx, { event, webhook: index, outcome: 'failed', error });
      },
    );
    ctx.notifying.add(sent);
    void sent.then(() => ctx.notifying.delete(sent));
  });
}

/** Waits for the messages on their way (each gives up within its schedule-to-close timeout). */
export async function settleNotifications(ctx: RolloutContext): Promise<void> {
  await Promise.all([...ctx.notifying]);
}

function record(ctx: RolloutContext, entry: Omit<NotificationRecord, 'at'>): void {
  const records = (ctx.state.notifications ??= []);
  records.push({ at: new Date().toISOString(), ...entry });
  if (records.length > MAX_RECORDS) records.shift();
}
