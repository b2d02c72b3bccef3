/**
 * Which IAM actions, on which resource ARNs, each emulated call needs: the Service Authorization Reference's tables
 * (https://docs.aws.amazon.com/service-authorization/latest/reference/) and SageMaker's API permissions reference
 * (https://docs.aws.amazon.com/sagemaker/latest/dg/api-permissions-reference.html). Every listed authorization must
 * be allowed for the call to go ahead.
 */
import { createHash } from 'node:crypto';
import type { Json } from '../state';
import type { AuthorizationRequest } from './policy';

export type AuthorizedCall =
  | { service: 'SageMaker' | 'CloudWatch' | 'ApplicationAutoScaling'; operation: string; input: Json }
  | { service: 'Runtime'; operation: string; endpointName: string }
  | { service: 'S3'; operation: string; bucket: string; key?: string };

export interface Where {
  region: string;
  accountId: string;
  /** The `<group>/<version>` a CreateModelPackage in `group` would make next (its resource). */
  nextModelPackageVersion?: (group: string) => string;
}

const str = (input: Json, key: string): string | undefined =>
  typeof input[key] === 'string' && input[key] !== '' ? (input[key] as string) : undefined;

// SageMaker lower-cases resource names in its ARNs (aws/amazon-sagemaker-examples#293), so a policy naming
// `endpoint/Churn` does not match the endpoint "Churn".
const sagemakerArn = (w: Where, kind: string, name: string) =>
  `arn:aws:sagemaker:${w.region}:${w.accountId}:${kind}/${name.toLowerCase()}`;

const alarmArn = (w: Where, name: string) => `arn:aws:cloudwatch:${w.region}:${w.accountId}:alarm:${name}`;

/** Scalable targets have opaque ARNs (…:scalable-target/<id>); the id here is derived from what identifies one. */
export function scalableTargetArn(w: Where, namespace: string, resourceId: string, dimension: string): string {
  const id = createHash('sha256').update(`${namespace}\u0000${resourceId}\u0000${dimension}`).digest('hex');
  return `arn:aws:application-autoscaling:${w.region}:${w.accountId}:scalable-target/${id.slice(0, 36)}`;
}

/** aws:TagKeys and aws:RequestTag/<key> for tags given as SageMaker's [{Key, Value}] or a {key: value} map. */
function tagContext(tags: unknown): Record<string, string | string[]> {
  const pairs: [string, string][] = Array.isArray(tags)
    ? tags
        .filter((t): t is { Key: string; Value?: unknown } => typeof (t as { Key?: unknown })?.Key === 'string')
        .map((t) => [t.Key, String(t.Value ?? '')])
    : typeof tags === 'object' && tags !== null
      ? Object.entries(tags as Record<string, unknown>).map(([k, v]) => [k, String(v)])
      : [];
  if (pairs.length === 0) return {};
  return {
    'aws:TagKeys': pairs.map(([k]) => k),
    ...Object.fromEntries(pairs.map(([k, v]) => [`aws:RequestTag/${k}`, v])),
  };
}

function hasTags(tags: unknown): boolean {
  return Array.isArray(tags)
    ? tags.length > 0
    : typeof tags === 'object' && tags !== null && Object.keys(tags).length > 0;
}

/**
 * A Create* that carries Tags is also authorized as sagemaker:AddTags on the new resource (aws/aws-cdk#32294: "is not
 * authorized to perform: sagemaker:AddTags on resource: arn:aws:sagemaker:…"; the fix, aws/aws-cdk#32536, grants it).
 */
function withTagging(first: AuthorizationRequest, tags: unknown, resource: string): AuthorizationRequest[] {
  if (!hasTags(tags)) return [first];
  return [first, { action: 'sagemaker:AddTags', resource, context: tagContext(tags) }];
}

function sagemaker(w: Where, operation: string, input: Json): AuthorizationRequest[] | undefined {
  const action = `sagemaker:${operation}`;
  const model = str(input, 'ModelName');
  const config = str(input, 'EndpointConfigName');
  const endpoint = str(input, 'EndpointName');
  switch (operation) {
    case 'CreateModel': {
      if (!model) return undefined;
      const arn = sagemakerArn(w, 'model', model);
      const vpc = (input.VpcConfig ?? {}) as Json;
      const context: Record<string, string | string[]> = {
        ...tagContext(input.Tags),
        'sagemaker:NetworkIsolation': String(input.EnableNetworkIsolation === true),
        ...(Array.isArray(vpc.Subnets) ? { 'sagemaker:VpcSubnets': vpc.Subnets.map(String) } : {}),
        ...(Array.isArray(vpc.SecurityGroupIds)
          ? { 'sagemaker:VpcSecurityGroupIds': vpc.SecurityGroupIds.map(String) }
          : {}),
      };
      const out = withTagging({ action, resource: arn, context }, input.Tags, arn);
      const role = str(input, 'ExecutionRoleArn');
      // CreateModel hands SageMaker the execution role: iam:PassRole on it, for the SageMaker service (SageMaker's
      // API permissions reference lists sagemaker:CreateModel with iam:PassRole).
      if (role) {
        out.push({
          action: 'iam:PassRole',
          resource: role,
          context: { 'iam:PassedToService': 'sagemaker.amazonaws.com' },
        });
      }
      return out;
    }
    case 'DescribeModel':
    case 'DeleteModel':
      return model ? [{ action, resource: sagemakerArn(w, 'model', model) }] : undefined;
    case 'CreateEndpointConfig': {
      if (!config) return undefined;
      const arn = sagemakerArn(w, 'endpoint-config', config);
      const variants = Array.isArray(input.ProductionVariants) ? (input.ProductionVariants as Json[]) : [];
      const context: Record<string, string | string[]> = {
        ...tagContext(input.Tags),
        'sagemaker:InstanceTypes': variants
          .map((v) => v?.InstanceType)
          .filter((t): t is string => typeof t === 'string'),
        'sagemaker:ModelArn': variants
          .map((v) => v?.ModelName)
          .filter((m): m is string => typeof m === 'string')
          .map((m) => sagemakerArn(w, 'model', m)),
        ...(str(input, 'KmsKeyId') ? { 'sagemaker:VolumeKmsKey': str(input, 'KmsKeyId')! } : {}),
      };
      return withTagging({ action, resource: arn, context }, input.Tags, arn);
    }
    case 'DescribeEndpointConfig':
    case 'DeleteEndpointConfig':
      return config ? [{ action, resource: sagemakerArn(w, 'endpoint-config', config) }] : undefined;
    case 'CreateEndpoint': {
      if (!endpoint || !config) return undefined;
      const arn = sagemakerArn(w, 'endpoint', endpoint);
      // Both the endpoint and the endpoint config it names (SageMaker's API permissions reference).
      return [
        ...withTagging({ action, resource: arn, context: tagContext(input.Tags) }, input.Tags, arn),
        { action, resource: sagemakerArn(w, 'endpoint-config', config) },
      ];
    }
    case 'UpdateEndpoint':
      if (!endpoint || !config) return undefined;
      // The endpoint config is checked too: aws-controllers-k8s/community#1889 shows "is not authorized to perform:
      // sagemaker:UpdateEndpoint on resource: arn:aws:sagemaker:…:endpoint-config/…".
      return [
        { action, resource: sagemakerArn(w, 'endpoint', endpoint) },
        { action, resource: sagemakerArn(w, 'endpoint-config', config) },
      ];
    case 'DescribeEndpoint':
    case 'DeleteEndpoint':
    case 'UpdateEndpointWeightsAndCapacities':
      return endpoint ? [{ action, resource: sagemakerArn(w, 'endpoint', endpoint) }] : undefined;
    default:
      return modelRegistry(w, operation, input);
  }
}

/** The part of a SageMaker name-or-ARN after `<type>/` (a name stays as it is). */
const resourcePart = (value: string) => (value.startsWith('arn:') ? value.slice(value.indexOf('/') + 1) : value);

/**
 * The Model Registry's calls, on the resources SageMaker's API permissions reference names: model-package-group/<name>
 * for the group calls, model-package/<name> (a version: model-package/<group>/<version>) for the package calls. A new
 * version is authorized as the ARN it will have: the developer guide (model-registry-version.md) grants
 * sagemaker:CreateModelPackage on "model-package/{model_package_group_name}/*". The List calls take "*".
 */
function modelRegistry(w: Where, operation: string, input: Json): AuthorizationRequest[] | undefined {
  const action = `sagemaker:${operation}`;
  const group = str(input, 'ModelPackageGroupName');
  const name = str(input, 'ModelPackageName');
  switch (operation) {
    case 'CreateModelPackageGroup': {
      if (!group) return undefined;
      const arn = sagemakerArn(w, 'model-package-group', group);
      return withTagging({ action, resource: arn, context: tagContext(input.Tags) }, input.Tags, arn);
    }
    case 'DescribeModelPackageGroup':
    case 'DeleteModelPackageGroup':
      return group ? [{ action, resource: sagemakerArn(w, 'model-package-group', resourcePart(group)) }] : undefined;
    case 'CreateModelPackage': {
      if (group) {
        const key = w.nextModelPackageVersion?.(resourcePart(group)) ?? `${resourcePart(group)}/*`;
        return [{ action, resource: sagemakerArn(w, 'model-package', key) }];
      }
      if (!name) return undefined;
      const arn = sagemakerArn(w, 'model-package', name);
      return withTagging({ action, resource: arn, context: tagContext(input.Tags) }, input.Tags, arn);
    }
    case 'DescribeModelPackage':
    case 'DeleteModelPackage':
      return name ? [{ action, resource: sagemakerArn(w, 'model-package', resourcePart(name)) }] : undefined;
    case 'UpdateModelPackage': {
      const arn = str(input, 'ModelPackageArn');
      return arn ? [{ action, resource: sagemakerArn(w, 'model-package', resourcePart(arn)) }] : undefined;
    }
    default:
      // ListModels, ListEndpointConfigs, ListEndpoints, and anything added later: no resource-level permissions.
      return [{ action, resource: '*' }];
  }
}

function cloudwatch(w: Where, operation: string, input: Json): AuthorizationRequest[] | undefined {
  const action = `cloudwatch:${operation}`;
  switch (operation) {
    case 'PutMetricAlarm':
    case 'SetAlarmState': {
      const name = str(input, 'AlarmName');
      return name ? [{ action, resource: alarmArn(w, name) }] : undefined;
    }
    case 'DeleteAlarms':
    case 'DescribeAlarms': {
      // [BC-CW] DescribeAlarms: "To use this operation and return information about composite alarms, you must be
      // signed on with the cloudwatch:DescribeAlarms permission that is scoped to *".
      const composites =
        (Array.isArray(input.AlarmTypes) && input.AlarmTypes.includes('CompositeAlarm')) ||
        input.ChildrenOfAlarmName !== undefined ||
        input.ParentsOfAlarmName !== undefined;
      if (operation === 'DescribeAlarms' && composites) return [{ action, resource: '*' }];
      const names = Array.isArray(input.AlarmNames) ? input.AlarmNames.filter((n) => typeof n === 'string') : [];
      // Without names DescribeAlarms reads every alarm of the account and region.
      if (names.length === 0) return [{ action, resource: alarmArn(w, '*') }];
      return names.map((n) => ({ action, resource: alarmArn(w, n as string) }));
    }
    case 'PutMetricData':
      return [
        {
          action,
          resource: '*',
          context: str(input, 'Namespace') ? { 'cloudwatch:namespace': str(input, 'Namespace')! } : {},
        },
      ];
    default:
      // GetMetricData, GetMetricStatistics, ListMetrics: no resource-level permissions ("*" only).
      return [{ action, resource: '*' }];
  }
}

function autoscaling(w: Where, operation: string, input: Json): AuthorizationRequest[] | undefined {
  const action = `application-autoscaling:${operation}`;
  if (operation.startsWith('Describe')) return [{ action, resource: '*' }];
  const namespace = str(input, 'ServiceNamespace');
  const resourceId = str(input, 'ResourceId');
  const dimension = str(input, 'ScalableDimension');
  if (!namespace || !resourceId || !dimension) return undefined;
  const resource = scalableTargetArn(w, namespace, resourceId, dimension);
  const context = {
    'application-autoscaling:service-namespace': namespace,
    'application-autoscaling:scalable-dimension': dimension,
    ...(operation === 'RegisterScalableTarget' ? tagContext(input.Tags) : {}),
  };
  const out: AuthorizationRequest[] = [{ action, resource, context }];
  // RegisterScalableTarget with Tags depends on application-autoscaling:TagResource (Service Authorization Reference).
  if (operation === 'RegisterScalableTarget' && hasTags(input.Tags)) {
    out.push({ action: 'application-autoscaling:TagResource', resource, context: tagContext(input.Tags) });
  }
  return out;
}

/** The CloudWatch alarms a target tracking policy owns (Application Auto Scaling creates and names them). */
export function targetTrackingAlarmNames(resourceId: string, policyName: string): [high: string, low: string] {
  const h = createHash('sha256').update(`${resourceId}\u0000${policyName}`).digest('hex');
  const id = `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
  return [`TargetTracking-${resourceId}-AlarmHigh-${id}`, `TargetTracking-${resourceId}-AlarmLow-${id}`];
}

/**
 * What Application Auto Scaling itself checks the caller may do on the scaled resource and its alarms before going
 * ahead ("Permissions validation for API calls on target resources", Application Auto Scaling User Guide); a missing
 * one fails the call with a ValidationException that lists it. For SageMaker variants these are the permissions the
 * SageMaker Developer Guide's auto scaling prerequisites list.
 */
export function targetPermissionsFor(w: Where, call: AuthorizedCall): AuthorizationRequest[] {
  if (call.service !== 'ApplicationAutoScaling' || str(call.input, 'ServiceNamespace') !== 'sagemaker') return [];
  const resourceId = str(call.input, 'ResourceId') ?? '';
  const endpoint = /^endpoint\/([^/]+)\/variant\/[^/]+$/.exec(resourceId)?.[1];
  const policyName = str(call.input, 'PolicyName') ?? '';
  const alarms = () => targetTrackingAlarmNames(resourceId, policyName).map((n) => alarmArn(w, n));
  switch (call.operation) {
    case 'RegisterScalableTarget':
      if (!endpoint) return [];
      return ['sagemaker:DescribeEndpoint', 'sagemaker:UpdateEndpointWeightsAndCapacities'].map((action) => ({
        action,
        resource: sagemakerArn(w, 'endpoint', endpoint),
      }));
    case 'PutScalingPolicy':
      return ['cloudwatch:PutMetricAlarm', 'cloudwatch:DescribeAlarms'].flatMap((action) =>
        alarms().map((resource) => ({ action, resource })),
      );
    case 'DeleteScalingPolicy':
      return ['cloudwatch:DeleteAlarms', 'cloudwatch:DescribeAlarms'].flatMap((action) =>
        alarms().map((resource) => ({ action, resource })),
      );
    default:
      return [];
  }
}

function s3(operation: string, bucket: string, key: string | undefined): AuthorizationRequest[] {
  const object = `arn:aws:s3:::${bucket}/${key ?? ''}`;
  switch (operation) {
    // HeadObject is authorized as s3:GetObject (S3 API reference, HeadObject: "you must have the s3:GetObject
    // permission").
    case 'GetObject':
    case 'HeadObject':
      return [{ action: 's3:GetObject', resource: object }];
    case 'ListObjectsV2':
    case 'ListObjects':
      return [{ action: 's3:ListBucket', resource: `arn:aws:s3:::${bucket}` }];
    default:
      return [{ action: `s3:${operation}`, resource: key === undefined ? `arn:aws:s3:::${bucket}` : object }];
  }
}

/** The authorizations a call needs; empty when the request is too malformed to name its resource (it fails validation). */
export function authorizationsFor(w: Where, call: AuthorizedCall): AuthorizationRequest[] {
  switch (call.service) {
    case 'SageMaker':
      return sagemaker(w, call.operation, call.input) ?? [];
    case 'CloudWatch':
      return cloudwatch(w, call.operation, call.input) ?? [];
    case 'ApplicationAutoScaling':
      return autoscaling(w, call.operation, call.input) ?? [];
    case 'Runtime':
      return [{ action: 'sagemaker:InvokeEndpoint', resource: sagemakerArn(w, 'endpoint', call.endpointName) }];
    case 'S3':
      return s3(call.operation, call.bucket, call.key);
  }
}
