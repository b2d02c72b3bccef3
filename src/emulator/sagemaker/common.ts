// What every SageMaker operation of the emulator shares: the result shape, name checks and SageMaker's own errors.
import { AwsError, badName, requiredString, validation } from '../errors';
import { arn, type EmulatorContext, type EndpointRecord, type Json, type RegionState } from '../state';

export const NAME_PATTERN = '^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}';
const NAME_RE = /^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/;

export interface OpResult {
  body: Json;
  /** The call changed state (false for reads and for rejected or no-op calls). */
  changed: boolean;
  endpointName?: string;
  resourceName?: string;
  detail?: string;
}

export type Handler = (ctx: EmulatorContext, region: RegionState, input: Json) => OpResult;

export function requireName(input: Json, key: string, member: string): string {
  const v = requiredString(input, key, member);
  if (!NAME_RE.test(v)) throw badName(member, v, NAME_PATTERN);
  return v;
}

export const epoch = (ms: number) => ms / 1000;

export function notFound(kind: 'model' | 'endpoint configuration' | 'endpoint', resourceArn: string): AwsError {
  return validation(`Could not find ${kind} "${resourceArn}".`);
}

export function alreadyExists(kind: 'model' | 'endpoint configuration' | 'endpoint', resourceArn: string): AwsError {
  return validation(`Cannot create already existing ${kind} "${resourceArn}".`);
}

export function limitExceeded(quota: string, limit: number, unit: string): AwsError {
  return new AwsError(
    'ResourceLimitExceeded',
    `The account-level service limit '${quota}' is ${limit} ${unit}, with current utilization of ${limit} ${unit} ` +
      `and a request delta of 1 ${unit}. Please use AWS Service Quotas to request an increase for this quota.`,
  );
}

export function getEndpoint(ctx: EmulatorContext, region: RegionState, name: string): EndpointRecord {
  const e = region.endpoints.get(name.toLowerCase());
  if (!e) throw notFound('endpoint', arn(ctx.config, region.name, 'endpoint', name));
  return e;
}

export function inProgress(ep: EndpointRecord): AwsError {
  return validation(`Cannot update in-progress endpoint "${ep.arn}".`);
}
