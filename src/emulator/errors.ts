/**
 * An AWS error as it goes on the wire. Each protocol writes it its own way (awsJson `__type`, restJson
 * `x-amzn-errortype`, CloudWatch's query-compatible header, S3 XML); the code and message are AWS's own.
 */
export class AwsError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
    /** Extra members of the error body (e.g. ModelError's OriginalStatusCode). */
    readonly fields: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = code;
  }
}

/** SageMaker's errors for bad input: ValidationException, HTTP 400. */
export function validation(message: string): AwsError {
  return new AwsError('ValidationException', message);
}

/** A required string member of a request, or AWS's validation error for a missing (or empty) one. */
export function requiredString(input: Record<string, unknown>, key: string, member: string): string {
  const v = input[key];
  if (typeof v !== 'string' || v === '') {
    throw validation(
      `1 validation error detected: Value null at '${member}' failed to satisfy constraint: Member must not be null`,
    );
  }
  return v;
}

/** The message AWS writes for a name that breaks the resource-name pattern. */
export function badName(member: string, value: string, pattern: string, maxLength = 63): AwsError {
  const why =
    value.length > maxLength
      ? `Member must have length less than or equal to ${maxLength}`
      : `Member must satisfy regular expression pattern: ${pattern}`;
  return validation(
    `1 validation error detected: Value '${value}' at '${member}' failed to satisfy constraint: ${why}`,
  );
}
