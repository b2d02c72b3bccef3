// Field validators shaped like the AWS API's own constraints, so a bad name fails here, before any AWS call,
// with a message that says what AWS allows and how to fix it.
import { z } from 'zod';
import { DURATION_PATTERN, durationMs } from './duration';

/** EndpointName, VariantName, ModelName, EndpointConfigName: AWS's pattern ^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}. */
const AWS_NAME = /^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/;

export function awsName(what: string) {
  return z
    .string({ error: `${what} must be a string` })
    .min(1, `${what} is empty: give the ${what} (letters, digits and hyphens)`)
    .max(63, `${what} is longer than 63 characters, the AWS limit: shorten it`)
    .regex(
      AWS_NAME,
      `${what} may hold only letters, digits and hyphens, starting and ending with a letter or digit (AWS's rule): rename it`,
    );
}

export function duration(what: string, min = '1s', max = '30d') {
  const [lo, hi] = [durationMs(min), durationMs(max)];
  return z
    .string({ error: `${what} must be a duration string such as "30s", "10m" or "1h"` })
    .regex(DURATION_PATTERN, `${what} is not a duration: write it like "30s", "10m", "1h" or "1h30m"`)
    .refine((text) => !DURATION_PATTERN.test(text) || (durationMs(text) >= lo && durationMs(text) <= hi), {
      error: `${what} must be between ${min} and ${max}`,
    });
}

/**
 * A data or model location: s3://bucket/key, file:///absolute/path, or https:// (models only, as SageMaker allows).
 * No ".." segments, encoded or not: a spec must never reach outside the place it names.
 */
export function dataUrl(what: string, schemes: readonly string[]) {
  return z
    .string({ error: `${what} must be a URL string such as "s3://bucket/key"` })
    .max(1024, `${what} is longer than 1024 characters, the AWS limit`)
    .superRefine((text, ctx) => {
      const fail = (message: string) => ctx.addIssue({ code: 'custom', message });
      const scheme = /^([a-z0-9]+):\/\//.exec(text)?.[1];
      if (!scheme || !schemes.includes(scheme)) {
        return fail(
          `${what} must start with ${schemes.map((s) => `${s}://`).join(' or ')} (got "${text.slice(0, 40)}")`,
        );
      }
      let decoded: string;
      try {
        decoded = decodeURIComponent(text);
      } catch {
        return fail(`${what} has a malformed %-escape: write the path plainly`);
      }
      if (/(^|[/\\])\.\.([/\\]|$)/.test(decoded.slice(scheme.length + 3))) {
        return fail(`${what} contains a ".." path segment: give the direct location instead`);
      }
      if (/[\0\r\n]/.test(decoded)) return fail(`${what} contains control characters: remove them`);
      if (scheme === 's3' && !/^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]\/.+/.test(text)) {
        return fail(
          `${what} must be s3://<bucket>/<key> with a valid bucket name (lower-case letters, digits, dots, hyphens)`,
        );
      }
      if (scheme === 'file' && !text.startsWith('file:///')) {
        return fail(`${what} must be an absolute file URL, file:///path/to/file`);
      }
    });
}

/**
 * An S3 location that is a prefix, not one object: s3://bucket or s3://bucket/prefix (DataCaptureConfig's
 * DestinationS3Uri and Model Monitor's ground-truth S3Uri, [BC-SM]: pattern ^(https|s3)://([^/])/?(.*)$, at most 512
 * characters). Only s3:// here: the rollout lists and reads it through S3.
 */
export function s3Prefix(what: string) {
  return z
    .string({ error: `${what} must be an S3 location such as "s3://bucket/prefix"` })
    .max(512, `${what} is longer than 512 characters, the AWS limit`)
    .regex(
      /^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](\/[^\0\r\n]*)?$/,
      `${what} must be s3://<bucket> or s3://<bucket>/<prefix> with a valid bucket name (lower-case letters, digits, dots, hyphens)`,
    )
    .refine((text) => !/(^|\/)\.\.(\/|$)/.test(text.slice(5)), {
      error: `${what} contains a ".." path segment: give the direct location instead`,
    });
}
