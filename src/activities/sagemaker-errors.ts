// How SageMaker's control plane says "not there (yet)", "already there" and "busy", and what a retry can fix.
//
// Not-found and conflicts are ValidationExceptions told apart by their message: "Could not find model \"arn:…\".",
// "Cannot create already existing endpoint \"arn:…\".", "Cannot update in-progress endpoint \"arn:…\"."
// (aws-behaviour.md, "Checked and consistent"; the EndpointDeleted waiter of botocore's sagemaker waiters-2.json treats
// that ValidationException as success).
import { activityInfo, ApplicationFailure } from '@temporalio/activity';
import { awsErrorMessage, awsErrorName } from './aws-errors';

const NOT_FOUND = /could not find|does not exist|not found/i;

export function isNotFound(err: unknown): boolean {
  const name = awsErrorName(err);
  return name === 'ResourceNotFound' || (name === 'ValidationException' && NOT_FOUND.test(awsErrorMessage(err)));
}

export function isAlreadyExists(err: unknown): boolean {
  return awsErrorName(err) === 'ValidationException' && /already exist/i.test(awsErrorMessage(err));
}

/**
 * "Cannot update in-progress endpoint": the endpoint is Creating, Updating or Deleting. Autoscaling changes capacity
 * through UpdateEndpointWeightsAndCapacities ([BC-SM] EndpointStatus: "Updating: UpdateEndpoint or
 * UpdateEndpointWeightsAndCapacities is executing"), so an endpoint seen InService can be Updating a moment later.
 */
export function isInProgress(err: unknown): boolean {
  return (
    awsErrorName(err) === 'ValidationException' && /in-progress|is updating|cannot update/i.test(awsErrorMessage(err))
  );
}

/** A not-found naming the dependent resource of a call: the model of a config, the config of an endpoint. */
export function isDependencyNotFound(err: unknown, kind: 'model' | 'endpoint configuration'): boolean {
  return (
    awsErrorName(err) === 'ValidationException' && new RegExp(`could not find ${kind}`, 'i').test(awsErrorMessage(err))
  );
}

/**
 * When this activity was first asked for (its first attempt; Temporal keeps it across retries), or now outside an
 * activity (scripts, tests calling an activity function directly).
 */
export function firstAttemptAt(): number {
  try {
    return activityInfo().scheduledTimestampMs;
  } catch {
    return Date.now();
  }
}

/**
 * SageMaker reads just after a create are eventually consistent ([BC-SM] CreateEndpoint and CreateEndpointConfig: "a
 * load call is made to DynamoDB … Eventually Consistent Reads … If the dependent entities are not yet in DynamoDB, this
 * causes a validation error. If you repeat your read request after a short time, the response should return the
 * latest data. So retry logic is recommended"). Within `windowMs` of `since`, a not-found is retried (Temporal's
 * backoff); after it, the resource is taken to be really missing. AWS documents no duration; aws-behaviour.md #6
 * suggests about a minute.
 */
export function notVisibleYet(what: string, since: number, windowMs: number): ApplicationFailure {
  const waited = Date.now() - since;
  if (waited < windowMs) {
    return ApplicationFailure.retryable(
      `${what} is not visible yet (SageMaker's reads are eventually consistent just after a create): retrying`,
      'NotYetVisible',
    );
  }
  return ApplicationFailure.nonRetryable(
    `${what} was still not found ${Math.round(waited / 1000)} s after it was asked for: it does not exist`,
    'NotFound',
  );
}
