// Waiting for an endpoint to settle after a change: polls DescribeEndpoint, heartbeating, until the endpoint leaves
// its transitional status, within a total deadline, and says "missing" only when the endpoint stays not found.
import { ApplicationFailure, heartbeat, sleep } from '@temporalio/activity';
import { firstAttemptAt } from './sagemaker-errors';

/**
 * Statuses on their way somewhere else ([BC-SM] EndpointStatus). UpdateRollbackFailed ("Both the rolling deployment
 * and auto-rollback failed. Your endpoint is in service with a mix of the old and new endpoint configurations") and
 * OutOfService are not: they stay until a person acts, so a wait ends there with the FailureReason. The ACK
 * controller (aws-controllers-k8s/sagemaker-controller pkg/resource/endpoint/hooks.go) counts the same four as
 * "modifying". Deleting is on its way too: it ends with the endpoint gone (a wait then returns null) or Failed.
 */
export function isEndpointChanging(status: string): boolean {
  return ['Creating', 'Updating', 'SystemUpdating', 'RollingBack', 'Deleting'].includes(status);
}

export interface WaitOptions {
  /** Longest wait between polls. */
  maxPollMs: number;
  /** A not-found ends the wait only after it has lasted this long (and at least MISSING_POLLS polls). */
  missingAfterMs: number;
  /** The whole wait's deadline, from its first attempt, unless the caller gives its own. */
  timeoutMs: number;
}

/** Not-founds in a row, spread over missingAfterMs, before the endpoint counts as gone. */
const MISSING_POLLS = 3;

export interface WaitInput {
  endpointName: string;
  region?: string;
  /** What the rollout is waiting for, in its words: the deadline's message names it. */
  what?: string;
  /** This wait's deadline from its first attempt; the worker's default otherwise. */
  timeoutMs?: number;
  /**
   * How long the change is expected to take (the last one of its kind): the first poll comes at 90% of it, after at
   * most 10 s (the heartbeat timeout is 15 s), instead of polling all along.
   */
  expectedMs?: number;
}

/** ±20%: rollouts started together (or a fleet of workers) do not poll DescribeEndpoint in lockstep. */
function jittered(ms: number): number {
  return Math.round(ms * (0.8 + 0.4 * Math.random()));
}

function minutes(ms: number): string {
  return ms >= 60_000 ? `${Math.round(ms / 60_000)} min` : `${Math.round(ms / 1000)} s`;
}

/** A waiter over `describe`, which answers the endpoint's view (sagemaker.ts EndpointView) or null when not found. */
export function endpointWaiter<View extends { status: string }>(
  describe: (name: string, region?: string) => Promise<View | null>,
  o: WaitOptions,
) {
  /**
   * Polls until the endpoint leaves Creating/Updating/SystemUpdating/RollingBack. Returns the endpoint as it settled
   * (InService, Failed, UpdateRollbackFailed, OutOfService…, with FailureReason) and how long that took, or null when
   * it stayed not found; the workflow decides. Fails (non-retryable) when the deadline passes, naming what it waited
   * for.
   */
  return async function waitForEndpoint(input: WaitInput): Promise<(View & { waitedMs: number }) | null> {
    const started = Date.now();
    const since = firstAttemptAt();
    const deadline = since + (input.timeoutMs ?? o.timeoutMs);
    const firstPollMs = Math.min(250, o.maxPollMs);
    // The wait follows a change the workflow just asked for, so the endpoint is changing: no poll at time 0.
    let delay = Math.min(10_000, Math.max(firstPollMs, Math.round(0.9 * (input.expectedMs ?? 0))));
    let backoff = firstPollMs;
    let missingSince: number | null = null;
    let missingPolls = 0;
    for (;;) {
      await sleep(Math.min(10_000, jittered(delay)));
      const view = await describe(input.endpointName, input.region);
      heartbeat({ status: view?.status ?? 'missing' });
      const now = Date.now();
      if (view) {
        missingSince = null;
        missingPolls = 0;
        if (!isEndpointChanging(view.status)) return { ...view, waitedMs: now - started };
      } else {
        // Just after CreateEndpoint, or while another actor recreates it, a single not-found proves nothing
        // (aws-behaviour.md #6): the endpoint is missing only when it stays so.
        missingSince ??= now;
        missingPolls++;
        if (missingPolls >= MISSING_POLLS && now - missingSince >= o.missingAfterMs) return null;
      }
      if (now >= deadline) {
        const what = input.what ? ` (${input.what})` : '';
        throw ApplicationFailure.nonRetryable(
          `waited ${minutes(now - since)} for endpoint ${input.endpointName} to settle${what}: it is still ${view?.status ?? 'not found'}`,
          'WaitTimedOut',
        );
      }
      delay = view ? backoff : Math.min(o.maxPollMs, Math.max(firstPollMs, o.missingAfterMs / MISSING_POLLS));
      backoff = Math.min(o.maxPollMs, Math.round(backoff * 1.5));
    }
  };
}
