/**
 * Application Auto Scaling (awsJson1_1, `X-Amz-Target: AnyScaleFrontendService.<Op>`) for SageMaker endpoint variants
 * in the aws profile: scalable targets (ServiceNamespace `sagemaker`, ResourceId `endpoint/<ep>/variant/<v>`,
 * ScalableDimension `sagemaker:variant:DesiredInstanceCount`) and their scaling policies, with the shapes and errors
 * of botocore's application-autoscaling 2016-02-06 model. target-tracking.ts does the scaling.
 */
import { createHash, randomUUID } from 'node:crypto';
import { AwsError, requiredString as required } from '../errors';
import { scalableTargetArn, targetTrackingAlarmNames } from '../iam/actions';
import { changeWeightsAndCapacities, type OpResult } from '../sagemaker';
import type { EmulatorContext, Json, RegionState } from '../state';
import {
  autoScaling,
  parseVariantResourceId,
  policyKey,
  removeTarget,
  SAGEMAKER_DIMENSION,
  targetKey,
  type ScalableTarget,
  type ScalingActivity,
  type ScalingPolicy,
} from './registry';

type Handler = (ctx: EmulatorContext, region: RegionState, input: Json) => OpResult;

const validation = (message: string) => new AwsError('ValidationException', message);
const notFound = (message: string) => new AwsError('ObjectNotFoundException', message);
const epoch = (ms: number) => ms / 1000;

interface TargetId {
  namespace: string;
  resourceId: string;
  dimension: string;
}

/** The three fields that identify a scalable target, limited to what this emulator scales: SageMaker variants. */
function targetId(input: Json): TargetId {
  const namespace = required(input, 'ServiceNamespace', 'serviceNamespace');
  const resourceId = required(input, 'ResourceId', 'resourceId');
  const dimension = required(input, 'ScalableDimension', 'scalableDimension');
  if (namespace !== 'sagemaker') {
    throw validation(
      `This emulator scales SageMaker endpoint variants only (ServiceNamespace sagemaker), not ServiceNamespace ${namespace}.`,
    );
  }
  if (!parseVariantResourceId(resourceId) || dimension !== SAGEMAKER_DIMENSION) {
    throw validation('Unsupported service namespace, resource type or scalable dimension');
  }
  return { namespace, resourceId, dimension };
}

const describeId = (t: TargetId) =>
  `service namespace: ${t.namespace}, resource ID: ${t.resourceId}, scalable dimension: ${t.dimension}`;

function capacity(value: unknown, member: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw validation(
      `1 validation error detected: Value '${String(value)}' at '${member}' failed to satisfy constraint: Member must ` +
        'have value greater than or equal to 0',
    );
  }
  return value;
}

function activity(region: RegionState, target: ScalableTarget, fields: Partial<ScalingActivity>): ScalingActivity {
  const a: ScalingActivity = {
    ActivityId: randomUUID(),
    ServiceNamespace: target.namespace,
    ResourceId: target.resourceId,
    ScalableDimension: target.dimension,
    Description: '',
    Cause: '',
    StartTime: Date.now(),
    StatusCode: 'InProgress',
    ...fields,
  };
  const list = autoScaling(region).activities;
  list.unshift(a);
  if (list.length > 1000) list.length = 1000;
  return a;
}

/** Sets a variant's instance count through SageMaker; records the activity; `done` hears whether it was applied. */
export function scaleVariant(
  ctx: EmulatorContext,
  region: RegionState,
  target: ScalableTarget,
  to: number,
  cause: string,
  done: (ok: boolean) => void = () => undefined,
): boolean {
  const ids = parseVariantResourceId(target.resourceId)!;
  const ep = region.endpoints.get(ids.endpoint.toLowerCase());
  const v = ep?.byName.get(ids.variant);
  if (!ep || !v || ep.status !== 'InService') return false;
  const a = activity(region, target, {
    Description: `Setting desired instance count to ${to}.`,
    Cause: cause,
  });
  try {
    changeWeightsAndCapacities(ctx, region, ep, [{ variant: ids.variant, instanceCount: to }], () => {
      a.StatusCode = 'Successful';
      a.EndTime = Date.now();
      a.StatusMessage = `Successfully set desired instance count to ${to}. Change successfully fulfilled by sagemaker.`;
      done(true);
    });
    return true;
  } catch (err) {
    a.StatusCode = 'Failed';
    a.EndTime = Date.now();
    a.StatusMessage = `Failed to set desired instance count to ${to}. Reason: ${(err as Error).message}`;
    done(false);
    return false;
  }
}

const registerScalableTarget: Handler = (ctx, region, input) => {
  const id = targetId(input);
  const min = capacity(input.MinCapacity, 'minCapacity');
  const max = capacity(input.MaxCapacity, 'maxCapacity');
  const state = autoScaling(region);
  const key = targetKey(id.namespace, id.resourceId, id.dimension);
  const existing = state.targets.get(key);
  if (!existing && (min === undefined || max === undefined)) {
    throw validation('MinCapacity and MaxCapacity are required to register a new scalable target.');
  }
  const nextMin = min ?? existing!.minCapacity;
  const nextMax = max ?? existing!.maxCapacity;
  if (nextMin > nextMax) throw validation('Minimum capacity cannot be greater than maximum capacity');
  const suspended = (input.SuspendedState ?? {}) as ScalableTarget['suspended'];
  const target: ScalableTarget = existing ?? {
    ...id,
    arn: scalableTargetArn(
      { region: region.name, accountId: ctx.config.accountId },
      id.namespace,
      id.resourceId,
      id.dimension,
    ),
    minCapacity: nextMin,
    maxCapacity: nextMax,
    // SageMaker supports a service-linked role, which Application Auto Scaling uses (RoleARN in the model).
    roleArn:
      `arn:aws:iam::${ctx.config.accountId}:role/aws-service-role/sagemaker.application-autoscaling.amazonaws.com/` +
      'AWSServiceRoleForApplicationAutoScaling_SageMakerEndpoint',
    createdAt: Date.now(),
    suspended: {},
    tags: {},
    tracking: { datapoints: new Map(), scaleOutCooldownUntil: 0, scaleInCooldownUntil: 0, inFlight: false },
  };
  target.minCapacity = nextMin;
  target.maxCapacity = nextMax;
  target.suspended = { ...target.suspended, ...suspended };
  if (!existing && typeof input.Tags === 'object' && input.Tags !== null)
    target.tags = { ...(input.Tags as Record<string, string>) };
  state.targets.set(key, target);
  // "If the specified resource is not active in the target service, this operation does not change the resource's
  // current capacity. Otherwise, it changes the resource's current capacity to a value that is inside of this range."
  const ids = parseVariantResourceId(id.resourceId)!;
  const v = region.endpoints.get(ids.endpoint.toLowerCase())?.byName.get(ids.variant);
  if (v) {
    const inside = Math.min(nextMax, Math.max(nextMin, v.desiredInstanceCount, 1));
    if (inside !== v.desiredInstanceCount) {
      scaleVariant(ctx, region, target, inside, 'registering the scalable target moved its capacity into its range');
    }
  }
  return { body: { ScalableTargetARN: target.arn }, changed: true, resourceName: id.resourceId };
};

function getTarget(region: RegionState, id: TargetId, what: 'found' | 'registered'): ScalableTarget {
  const t = autoScaling(region).targets.get(targetKey(id.namespace, id.resourceId, id.dimension));
  if (!t) throw notFound(`No scalable target ${what} for ${describeId(id)}`);
  return t;
}

const deregisterScalableTarget: Handler = (_ctx, region, input) => {
  const id = targetId(input);
  removeTarget(region, getTarget(region, id, 'found'));
  return { body: {}, changed: true, resourceName: id.resourceId };
};

/** NextToken is the offset, opaque to the caller. */
function paginate<T>(items: T[], input: Json, defaultMax: number, maxMax: number): { page: T[]; next?: string } {
  const max = typeof input.MaxResults === 'number' ? input.MaxResults : defaultMax;
  if (!Number.isInteger(max) || max < 1 || max > maxMax) {
    throw validation(`MaxResults must be between 1 and ${maxMax}`);
  }
  let offset = 0;
  if (typeof input.NextToken === 'string' && input.NextToken !== '') {
    offset = Number(Buffer.from(input.NextToken, 'base64url').toString('utf8'));
    if (!Number.isInteger(offset) || offset < 0) throw new AwsError('InvalidNextTokenException', 'Invalid token');
  }
  const page = items.slice(offset, offset + max);
  return offset + max < items.length
    ? { page, next: Buffer.from(String(offset + max), 'utf8').toString('base64url') }
    : { page };
}

function namespaceFilter(input: Json): string {
  return required(input, 'ServiceNamespace', 'serviceNamespace');
}

const describeScalableTargets: Handler = (_ctx, region, input) => {
  const namespace = namespaceFilter(input);
  const ids = Array.isArray(input.ResourceIds) ? (input.ResourceIds as string[]) : undefined;
  const dimension = typeof input.ScalableDimension === 'string' ? input.ScalableDimension : undefined;
  const matching = [...autoScaling(region).targets.values()].filter(
    (t) =>
      t.namespace === namespace &&
      (!ids || ids.length === 0 || ids.includes(t.resourceId)) &&
      (!dimension || t.dimension === dimension),
  );
  const { page, next } = paginate(matching, input, 50, 50);
  return {
    body: {
      ScalableTargets: page.map((t) => ({
        ServiceNamespace: t.namespace,
        ResourceId: t.resourceId,
        ScalableDimension: t.dimension,
        MinCapacity: t.minCapacity,
        MaxCapacity: t.maxCapacity,
        RoleARN: t.roleArn,
        CreationTime: epoch(t.createdAt),
        SuspendedState: {
          DynamicScalingInSuspended: t.suspended.DynamicScalingInSuspended ?? false,
          DynamicScalingOutSuspended: t.suspended.DynamicScalingOutSuspended ?? false,
          ScheduledScalingSuspended: t.suspended.ScheduledScalingSuspended ?? false,
        },
        ScalableTargetARN: t.arn,
      })),
      ...(next ? { NextToken: next } : {}),
    },
    changed: false,
  };
};

const POLICY_TYPES = ['TargetTrackingScaling', 'StepScaling', 'PredictiveScaling'];

function checkTargetTracking(config: unknown): Json {
  if (typeof config !== 'object' || config === null) {
    throw validation('TargetTrackingScalingPolicyConfiguration is required for a policy of type TargetTrackingScaling');
  }
  const c = config as Json;
  if (typeof c.TargetValue !== 'number' || !Number.isFinite(c.TargetValue)) {
    throw validation(
      "1 validation error detected: Value null at 'targetTrackingScalingPolicyConfiguration.targetValue' failed to " +
        'satisfy constraint: Member must not be null',
    );
  }
  if ((c.PredefinedMetricSpecification === undefined) === (c.CustomizedMetricSpecification === undefined)) {
    throw validation(
      'Specify either PredefinedMetricSpecification or CustomizedMetricSpecification, not both or neither.',
    );
  }
  for (const key of ['ScaleInCooldown', 'ScaleOutCooldown']) {
    const v = c[key];
    if (v !== undefined && !(Number.isInteger(v) && (v as number) >= 0 && (v as number) <= 31536000)) {
      throw validation(`${key} must be a whole number of seconds from 0 to 31536000`);
    }
  }
  return c;
}

const putScalingPolicy: Handler = (ctx, region, input) => {
  const name = required(input, 'PolicyName', 'policyName');
  const id = targetId(input);
  const target = getTarget(region, id, 'registered');
  const state = autoScaling(region);
  const key = policyKey(id.namespace, id.resourceId, id.dimension, name);
  const existing = state.policies.get(key);
  const type = typeof input.PolicyType === 'string' ? input.PolicyType : existing?.type;
  if (!type) throw validation('PolicyType is required when creating a scaling policy');
  if (!POLICY_TYPES.includes(type)) {
    throw validation(
      `1 validation error detected: Value '${type}' at 'policyType' failed to satisfy constraint: Member must satisfy ` +
        'enum value set: [PredictiveScaling, StepScaling, TargetTrackingScaling]',
    );
  }
  if (type === 'PredictiveScaling') throw validation('PredictiveScaling policies are supported for Amazon ECS only');
  const configuration =
    type === 'TargetTrackingScaling'
      ? {
          TargetTrackingScalingPolicyConfiguration: checkTargetTracking(input.TargetTrackingScalingPolicyConfiguration),
        }
      : { StepScalingPolicyConfiguration: (input.StepScalingPolicyConfiguration ?? {}) as Json };
  const w = { region: region.name, accountId: ctx.config.accountId };
  const alarms =
    type === 'TargetTrackingScaling'
      ? targetTrackingAlarmNames(id.resourceId, name).map((n) => ({
          AlarmName: n,
          AlarmARN: `arn:aws:cloudwatch:${w.region}:${w.accountId}:alarm:${n}`,
        }))
      : [];
  const guid = createHash('sha256').update(key).digest('hex');
  const policy: ScalingPolicy = {
    name,
    arn:
      existing?.arn ??
      `arn:aws:autoscaling:${w.region}:${w.accountId}:scalingPolicy:${guid.slice(0, 8)}-${guid.slice(8, 12)}-` +
        `${guid.slice(12, 16)}-${guid.slice(16, 20)}-${guid.slice(20, 32)}:resource/${id.namespace}/${id.resourceId}:` +
        `policyName/${name}`,
    ...id,
    type,
    configuration,
    alarms,
    createdAt: existing?.createdAt ?? Date.now(),
  };
  state.policies.set(key, policy);
  target.tracking.datapoints.delete(name);
  return { body: { PolicyARN: policy.arn, Alarms: alarms }, changed: true, resourceName: id.resourceId };
};

const describeScalingPolicies: Handler = (_ctx, region, input) => {
  const namespace = namespaceFilter(input);
  const names = Array.isArray(input.PolicyNames) ? (input.PolicyNames as string[]) : undefined;
  const resourceId = typeof input.ResourceId === 'string' ? input.ResourceId : undefined;
  const dimension = typeof input.ScalableDimension === 'string' ? input.ScalableDimension : undefined;
  const matching = [...autoScaling(region).policies.values()].filter(
    (p) =>
      p.namespace === namespace &&
      (!names || names.length === 0 || names.includes(p.name)) &&
      (!resourceId || p.resourceId === resourceId) &&
      (!dimension || p.dimension === dimension),
  );
  const { page, next } = paginate(matching, input, 10, 10);
  return {
    body: {
      ScalingPolicies: page.map((p) => ({
        PolicyARN: p.arn,
        PolicyName: p.name,
        ServiceNamespace: p.namespace,
        ResourceId: p.resourceId,
        ScalableDimension: p.dimension,
        PolicyType: p.type,
        ...p.configuration,
        Alarms: p.alarms,
        CreationTime: epoch(p.createdAt),
      })),
      ...(next ? { NextToken: next } : {}),
    },
    changed: false,
  };
};

const deleteScalingPolicy: Handler = (_ctx, region, input) => {
  const name = required(input, 'PolicyName', 'policyName');
  const id = targetId(input);
  const state = autoScaling(region);
  const key = policyKey(id.namespace, id.resourceId, id.dimension, name);
  if (!state.policies.has(key)) throw notFound(`No scaling policy found for ${describeId(id)}, policy name: ${name}`);
  state.policies.delete(key);
  return { body: {}, changed: true, resourceName: id.resourceId };
};

const describeScalingActivities: Handler = (_ctx, region, input) => {
  const namespace = namespaceFilter(input);
  const resourceId = typeof input.ResourceId === 'string' ? input.ResourceId : undefined;
  const matching = autoScaling(region).activities.filter(
    (a) => a.ServiceNamespace === namespace && (!resourceId || a.ResourceId === resourceId),
  );
  const { page, next } = paginate(matching, input, 50, 50);
  return {
    body: {
      ScalingActivities: page.map((a) => ({
        ...a,
        StartTime: epoch(a.StartTime),
        ...(a.EndTime !== undefined ? { EndTime: epoch(a.EndTime) } : {}),
      })),
      ...(next ? { NextToken: next } : {}),
    },
    changed: false,
  };
};

const OPERATIONS: Record<string, Handler> = {
  RegisterScalableTarget: registerScalableTarget,
  DeregisterScalableTarget: deregisterScalableTarget,
  DescribeScalableTargets: describeScalableTargets,
  PutScalingPolicy: putScalingPolicy,
  DescribeScalingPolicies: describeScalingPolicies,
  DeleteScalingPolicy: deleteScalingPolicy,
  DescribeScalingActivities: describeScalingActivities,
};

/**
 * Runs one Application Auto Scaling call. The ideal profile has no autoscaling: nothing can be registered there, so
 * its Describe* calls answer what AWS answers an account without scalable targets (empty lists) and every other call
 * is refused.
 */
export function handleApplicationAutoScaling(
  ctx: EmulatorContext,
  region: RegionState,
  operation: string,
  input: Json,
): OpResult {
  if (!ctx.aws && !operation.startsWith('Describe')) {
    throw new AwsError(
      'UnknownOperationException',
      'Application Auto Scaling is emulated in the aws profile only (model-rollout emulator --profile aws).',
    );
  }
  const handler = OPERATIONS[operation];
  if (!handler) {
    throw new AwsError(
      'UnknownOperationException',
      `The emulator does not implement AnyScaleFrontendService.${operation}.`,
    );
  }
  return handler(ctx, region, input);
}
