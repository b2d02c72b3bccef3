/**
 * IAM in the `aws` profile: every call of every service is authorized against the configured policy before it runs,
 * so a denied call changes nothing. The caller is the access key id of the SigV4 `Authorization` header's Credential;
 * the key id `admin` is the account administrator and is never denied (seeding, tests); every other key is bound by
 * the policy, as the worker's role would be.
 *
 * Denials are AWS's: the message form of the IAM User Guide's access denied errors
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_access-denied.html), e.g. "User:
 * arn:aws:sts::123456789012:assumed-role/model-rollout-worker/AKID is not authorized to perform: sagemaker:AddTags on
 * resource: arn:aws:sagemaker:… because no identity-based policy allows the sagemaker:AddTags action", with each
 * protocol's code and status (see deniedError).
 */
import type { IncomingMessage } from 'node:http';
import { AwsError } from '../errors';
import { nextVersionKey } from '../model-registry';
import { S3Error } from '../s3';
import type { EmulatorContext } from '../state';
import { authorizationsFor, targetPermissionsFor, type AuthorizedCall, type Where } from './actions';
import { evaluate, type AuthorizationRequest, type Decision, type Policy } from './policy';

/** The access key id of the account administrator: never denied. */
export const ADMIN_ACCESS_KEY_ID = 'admin';

/**
 * The role every other caller is taken to have assumed (its session named after the access key id): the worker's
 * role as docs/production.md names it (`aws iam put-role-policy --role-name model-rollout-worker`).
 */
export const CALLER_ROLE_NAME = 'model-rollout-worker';

const policies = new WeakMap<EmulatorContext, Policy>();

/** Binds every non-admin caller of this emulator to `policy` (the aws profile). */
export function installIamPolicy(ctx: EmulatorContext, policy: Policy): void {
  policies.set(ctx, policy);
}

const CREDENTIAL = /Credential=([^/,\s]+)\//;

/** The SigV4 access key id of a request, or undefined when it is not signed. */
export function accessKeyIdOf(req: IncomingMessage): string | undefined {
  const auth = req.headers.authorization;
  const m = typeof auth === 'string' ? CREDENTIAL.exec(auth) : null;
  return m ? m[1] : undefined;
}

export function principalArn(ctx: EmulatorContext, accessKeyId: string): string {
  return `arn:aws:sts::${ctx.config.accountId}:assumed-role/${CALLER_ROLE_NAME}/${accessKeyId}`;
}

function deniedMessage(principal: string, req: AuthorizationRequest, decision: Decision, service: string): string {
  // Actions without resource-level permissions name no resource; S3 quotes its resource.
  const on = req.resource === '*' ? '' : ` on resource: ${service === 'S3' ? `"${req.resource}"` : req.resource}`;
  const why =
    decision === 'explicitDeny'
      ? 'with an explicit deny in an identity-based policy'
      : `because no identity-based policy allows the ${req.action} action`;
  return `User: ${principal} is not authorized to perform: ${req.action}${on} ${why}`;
}

/**
 * The denial as each protocol carries it: SageMaker, SageMaker Runtime and Application Auto Scaling answer
 * AccessDeniedException with HTTP 400 (the common errors of their API references); CloudWatch's query-compatible
 * protocol answers AccessDenied with 403 (its query error code, as aws-sdk-go reports "AccessDenied: … status code:
 * 403"); S3 answers AccessDenied with 403 (S3 API reference, error responses), and a HEAD carries no body.
 */
function deniedError(service: AuthorizedCall['service'], message: string): AwsError {
  switch (service) {
    case 'CloudWatch':
      return new AwsError('AccessDenied', message, 403);
    case 'S3':
      return new S3Error('AccessDenied', message, 403, {});
    default:
      return new AwsError('AccessDeniedException', message, 400);
  }
}

function unsignedError(service: AuthorizedCall['service']): AwsError {
  if (service === 'S3') return new S3Error('AccessDenied', 'Access Denied', 403, {});
  return new AwsError('MissingAuthenticationTokenException', 'Request is missing Authentication Token', 400);
}

/** True when `accessKeyId` may do all of `requests` (the admin always may; no policy installed: everyone may). */
export function isAllowed(
  ctx: EmulatorContext,
  accessKeyId: string | undefined,
  requests: AuthorizationRequest[],
): boolean {
  const policy = policies.get(ctx);
  if (!policy || accessKeyId === ADMIN_ACCESS_KEY_ID) return true;
  if (accessKeyId === undefined) return false;
  return requests.every((r) => evaluate(policy, r) === 'allow');
}

/** Throws the protocol's denial when the caller may not make this call; does nothing outside the aws profile. */
export function authorize(
  ctx: EmulatorContext,
  region: string,
  accessKeyId: string | undefined,
  call: AuthorizedCall,
): void {
  const policy = policies.get(ctx);
  if (!policy || accessKeyId === ADMIN_ACCESS_KEY_ID) return;
  if (accessKeyId === undefined) throw unsignedError(call.service);
  const where: Where = {
    region,
    accountId: ctx.config.accountId,
    nextModelPackageVersion: (group) => nextVersionKey(ctx.regions.get(region), group),
  };
  const principal = principalArn(ctx, accessKeyId);
  for (const req of authorizationsFor(where, call)) {
    const decision = evaluate(policy, req);
    if (decision !== 'allow') throw deniedError(call.service, deniedMessage(principal, req, decision, call.service));
  }
  const missing = [
    ...new Set(
      targetPermissionsFor(where, call)
        .filter((req) => evaluate(policy, req) !== 'allow')
        .map((req) => req.action),
    ),
  ];
  if (missing.length > 0) {
    throw new AwsError('ValidationException', `User is missing the following permissions: ${missing.join(', ')}`);
  }
}
