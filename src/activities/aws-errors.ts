// Which AWS errors a retry can fix. Throttling, 5xx and network trouble are retried by Temporal with backoff;
// a validation error would fail the same way forever, so it becomes a non-retryable failure that keeps AWS's message.
import { ApplicationFailure } from '@temporalio/activity';

interface AwsLikeError {
  name?: string;
  message?: string;
  $fault?: 'client' | 'server';
  $metadata?: { httpStatusCode?: number };
  $retryable?: { throttling?: boolean };
  code?: string;
}

// The SDK's own throttling codes (smithy-lang/smithy-typescript service-error-classification THROTTLING_ERROR_CODES).
// A quota is not throttling: SageMaker's ResourceLimitExceeded ("The account-level service limit 'ml.m5.xlarge for
// endpoint usage' is 4 Instances …", [BC-SM] UpdateEndpoint's modeled error) fails the same way until someone raises
// the quota or frees instances, so it is not on this list and is never retried (aws-behaviour.md #3).
const THROTTLING =
  /throttl|toomanyrequests|provisionedthroughputexceeded|^(requestlimitexceeded|limitexceededexception|bandwidthlimitexceeded|priorlimitexceeded|slowdown|transactioninprogressexception)$/i;

export function isRetryableAwsError(err: unknown): boolean {
  const e = (err ?? {}) as AwsLikeError;
  const status = e.$metadata?.httpStatusCode;
  if (e.name === 'ResourceLimitExceeded') return false;
  if (e.$retryable || THROTTLING.test(e.name ?? '') || status === 429) return true;
  if (e.$fault === 'server' || (status !== undefined && status >= 500)) return true;
  // No HTTP status at all: the request never got an answer (connection refused/reset, timeout).
  if (
    status === undefined &&
    /ECONN|EPIPE|ETIMEDOUT|socket|network|TimeoutError|AbortError/i.test(`${e.name} ${e.code} ${e.message}`)
  ) {
    return true;
  }
  return false;
}

/**
 * What a ResourceLimitExceeded says, in the rollout's words: the quota, its limit, what is in use and what the call
 * needed. AWS's message carries all four ("The account-level service limit 'ml.g5.12xlarge for endpoint usage' is 2
 * Instances, with current utilization of 2 Instances and a request delta of 1 Instances", aws-samples/aws-genai-llm-
 * chatbot#244); a message of another shape is kept whole.
 */
export function quotaMessage(action: string, awsMessage: string): string {
  const m =
    /service limit '([^']+)' is (\d+) (\w+), with current utilization of (\d+) \w+ and a request delta of (\d+)/.exec(
      awsMessage,
    );
  if (!m) return `${action}: an AWS quota is too small: ResourceLimitExceeded: ${awsMessage}`;
  const [, quota, limit, unit, used, delta] = m;
  const need = Number(used) + Number(delta);
  return (
    `${action}: the quota '${quota}' is too small: it needs ${delta} more ${unit.toLowerCase()} (${need} in all, ` +
    `${used} in use) and the quota is ${limit}. Request an increase in AWS Service Quotas, or free instances, and ` +
    `start the rollout again (ResourceLimitExceeded: ${awsMessage})`
  );
}

/** Rethrows an AWS error so Temporal retries it only when retrying can help. */
export function rethrowAws(err: unknown, action: string): never {
  if (err instanceof ApplicationFailure) throw err;
  const e = (err ?? {}) as AwsLikeError;
  if (e.name === 'ResourceLimitExceeded') {
    throw ApplicationFailure.nonRetryable(quotaMessage(action, e.message ?? ''), 'ResourceLimitExceeded');
  }
  const message = `${action}: ${e.name ?? 'Error'}: ${e.message ?? String(err)}`;
  if (isRetryableAwsError(err)) throw ApplicationFailure.retryable(message, e.name ?? 'AwsError');
  throw ApplicationFailure.nonRetryable(message, e.name ?? 'AwsError');
}

/** Runs an AWS call, mapping its failure through rethrowAws. */
export async function aws<T>(action: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    rethrowAws(err, action);
  }
}

export function awsErrorName(err: unknown): string {
  return ((err ?? {}) as AwsLikeError).name ?? '';
}

export function awsErrorMessage(err: unknown): string {
  return ((err ?? {}) as AwsLikeError).message ?? String(err);
}

/** A problem with the user's input or AWS resources that no retry fixes; the message says what to do. */
export function userError(message: string, type = 'InvalidRollout'): ApplicationFailure {
  return ApplicationFailure.nonRetryable(message, type);
}
