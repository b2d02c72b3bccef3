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

const THROTTLING = /throttl|toomanyrequests|requestlimitexceeded|slowdown|limitexceeded$/i;

export function isRetryableAwsError(err: unknown): boolean {
  const e = (err ?? {}) as AwsLikeError;
  const status = e.$metadata?.httpStatusCode;
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

/** Rethrows an AWS error so Temporal retries it only when retrying can help. */
export function rethrowAws(err: unknown, action: string): never {
  if (err instanceof ApplicationFailure) throw err;
  const e = (err ?? {}) as AwsLikeError;
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
