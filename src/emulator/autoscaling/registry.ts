/**
 * Application Auto Scaling's state, per region like AWS keeps it: scalable targets, their scaling policies and the
 * scaling activities. Held beside the region's SageMaker state (a reset drops both).
 */
import type { Json, RegionState } from '../state';

export const SAGEMAKER_DIMENSION = 'sagemaker:variant:DesiredInstanceCount';

export interface ScalableTarget {
  namespace: string;
  resourceId: string;
  dimension: string;
  arn: string;
  minCapacity: number;
  maxCapacity: number;
  roleArn: string;
  createdAt: number;
  suspended: {
    DynamicScalingInSuspended?: boolean;
    DynamicScalingOutSuspended?: boolean;
    ScheduledScalingSuspended?: boolean;
  };
  tags: Record<string, string>;
  /** Target tracking's memory: recent one-minute datapoints per policy, the counter they come from, cooldowns. */
  tracking: {
    datapoints: Map<string, number[]>;
    lastTotal?: number;
    lastAt?: number;
    scaleOutCooldownUntil: number;
    scaleInCooldownUntil: number;
    /** A scaling change this target asked for is still being applied. */
    inFlight: boolean;
  };
}

export interface ScalingPolicy {
  name: string;
  arn: string;
  namespace: string;
  resourceId: string;
  dimension: string;
  type: string;
  /** As given (TargetTrackingScalingPolicyConfiguration / StepScalingPolicyConfiguration), echoed by Describe. */
  configuration: Json;
  alarms: { AlarmName: string; AlarmARN: string }[];
  createdAt: number;
}

export interface ScalingActivity {
  ActivityId: string;
  ServiceNamespace: string;
  ResourceId: string;
  ScalableDimension: string;
  Description: string;
  Cause: string;
  StartTime: number;
  EndTime?: number;
  StatusCode: 'Pending' | 'InProgress' | 'Successful' | 'Overridden' | 'Unfulfilled' | 'Failed';
  StatusMessage?: string;
}

export interface AutoScalingState {
  targets: Map<string, ScalableTarget>;
  policies: Map<string, ScalingPolicy>;
  activities: ScalingActivity[];
}

const states = new WeakMap<RegionState, AutoScalingState>();

export function autoScaling(region: RegionState): AutoScalingState {
  let s = states.get(region);
  if (!s) {
    s = { targets: new Map(), policies: new Map(), activities: [] };
    states.set(region, s);
  }
  return s;
}

export const targetKey = (namespace: string, resourceId: string, dimension: string) =>
  `${namespace}\u0000${resourceId}\u0000${dimension}`;

export const policyKey = (namespace: string, resourceId: string, dimension: string, name: string) =>
  `${targetKey(namespace, resourceId, dimension)}\u0000${name}`;

/** endpoint/<endpoint>/variant/<variant> → its parts (SageMaker's ResourceId form). */
export function parseVariantResourceId(resourceId: string): { endpoint: string; variant: string } | undefined {
  const m = /^endpoint\/([^/]+)\/variant\/([^/]+)$/.exec(resourceId);
  return m ? { endpoint: m[1], variant: m[2] } : undefined;
}

/** The variants of an endpoint registered as scalable targets (endpoint names are case-insensitive, as SageMaker's). */
export function scalableVariantsOf(region: RegionState, endpointName: string): ScalableTarget[] {
  const wanted = endpointName.toLowerCase();
  return [...autoScaling(region).targets.values()].filter(
    (t) =>
      t.namespace === 'sagemaker' &&
      t.dimension === SAGEMAKER_DIMENSION &&
      parseVariantResourceId(t.resourceId)?.endpoint.toLowerCase() === wanted,
  );
}

/** Removes a target with its policies (DeregisterScalableTarget "deletes the scaling policies … associated with it"). */
export function removeTarget(region: RegionState, target: ScalableTarget): void {
  const s = autoScaling(region);
  s.targets.delete(targetKey(target.namespace, target.resourceId, target.dimension));
  const prefix = `${targetKey(target.namespace, target.resourceId, target.dimension)}\u0000`;
  for (const key of [...s.policies.keys()]) if (key.startsWith(prefix)) s.policies.delete(key);
}
