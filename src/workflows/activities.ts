// The activities the rollout calls, grouped by how long they may take (as in the saga sample). Quick calls retry
// throttling and 5xx with backoff; validation errors are thrown non-retryable by the activities themselves.
import { proxyActivities, proxyLocalActivities } from '@temporalio/workflow';
import type { RolloutActivities } from '../activities';

// Quick calls (one or a few AWS requests) are LOCAL activities: they run inside the workflow task that asks for
// them and are recorded as one marker event, so a step costs two workflow tasks and one activity task instead of
// four and three (the Temporal server limited how many rollouts run at once: docs/performance.md).
// They keep at-least-once semantics, which the idempotent activities are written for; a retry that would wait
// longer than localRetryThreshold becomes a durable timer. Waits and replay traffic stay ordinary activities: a
// local wait would hold one of the worker's workflow-task slots all along.
// Timeouts are what bounds recovery after a worker dies mid-activity: a quick call is retried after
// startToCloseTimeout (a local one with its workflow task), a heartbeating one after heartbeatTimeout.
export const quick = proxyLocalActivities<RolloutActivities>({
  startToCloseTimeout: '30 seconds',
  scheduleToCloseTimeout: '30 minutes',
  localRetryThreshold: '10 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds' },
});

// The preflight is the exception among quick calls: it asserts the endpoint is in its starting state, so its answer
// must be recorded before the first change. A local activity is recorded only when its workflow task completes; had
// the deploy's calls run in the same task and the task timed out, the retried preflight would see the half-made
// rollout and refuse it (seen under load in bench:scale).
export const recorded = proxyActivities<RolloutActivities>({
  startToCloseTimeout: '30 seconds',
  scheduleToCloseTimeout: '30 minutes',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds' },
});

export const waits = proxyActivities<RolloutActivities>({
  startToCloseTimeout: '90 minutes',
  heartbeatTimeout: '15 seconds', // waitForEndpoint heartbeats at every poll, at least every 5 s
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds' },
});

export const soaks = proxyActivities<RolloutActivities>({
  startToCloseTimeout: '2 hours',
  heartbeatTimeout: '5 seconds', // replayTraffic heartbeats every second
  retry: { initialInterval: '1 second', maximumInterval: '10 seconds' },
});
