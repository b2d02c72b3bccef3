// Application Auto Scaling of SageMaker endpoint variants: what the rollout reads in preflight and moves around each
// endpoint update. A variant is a scalable target `endpoint/<endpoint>/variant/<variant>` with dimension
// `sagemaker:variant:DesiredInstanceCount` in namespace `sagemaker` ([DG-AS]; botocore application-autoscaling
// 2016-02-06). Each activity is idempotent: registering and putting a policy overwrite, deregistering what is gone is
// done.
import {
  DeregisterScalableTargetCommand,
  DescribeScalableTargetsCommand,
  DescribeScalingPoliciesCommand,
  PutScalingPolicyCommand,
  RegisterScalableTargetCommand,
  type StepScalingPolicyConfiguration,
  type TargetTrackingScalingPolicyConfiguration,
} from '@aws-sdk/client-application-auto-scaling';
import { ApplicationFailure } from '@temporalio/activity';
import { awsErrorMessage, awsErrorName, rethrowAws } from './aws-errors';
import type { AwsClients } from './clients';

export const SAGEMAKER_VARIANT_DIMENSION = 'sagemaker:variant:DesiredInstanceCount';

/** A scaling policy as PutScalingPolicy takes it again (plain JSON: it travels through the workflow's history). */
export interface ScalingPolicyCopy {
  policyName: string;
  policyType: string;
  targetTracking?: TargetTrackingScalingPolicyConfiguration;
  stepScaling?: StepScalingPolicyConfiguration;
}

/** A variant's scalable target and its policies, as found. */
export interface VariantScaling {
  minCapacity: number;
  maxCapacity: number;
  /** SuspendedState, every flag spelled out (the API's default for each is false). */
  suspended: { dynamicScalingIn: boolean; dynamicScalingOut: boolean; scheduledScaling: boolean };
  policies: ScalingPolicyCopy[];
}

export interface VariantRef {
  endpointName: string;
  variantName: string;
  region?: string;
}

function targetOf(ref: VariantRef) {
  return {
    ServiceNamespace: 'sagemaker' as const,
    ResourceId: `endpoint/${ref.endpointName}/variant/${ref.variantName}`,
    ScalableDimension: SAGEMAKER_VARIANT_DIMENSION as 'sagemaker:variant:DesiredInstanceCount',
  };
}

/**
 * A copy of `policy` for another variant of the same endpoint: a customized metric with a VariantName dimension
 * naming `from` names `to` instead, so the copy tracks the variant it scales, not the one that is gone. Predefined
 * metrics (SageMakerVariantInvocationsPerInstance, …) are the scaled variant's own and need nothing.
 */
export function policyFor(policy: ScalingPolicyCopy, from: string, to: string): ScalingPolicyCopy {
  const custom = policy.targetTracking?.CustomizedMetricSpecification;
  if (!custom) return policy;
  const renamed = <T extends { Name?: string; Value?: string }>(dims: T[] | undefined): T[] | undefined =>
    dims?.map((d) => (d.Name === 'VariantName' && d.Value === from ? { ...d, Value: to } : d));
  return {
    ...policy,
    targetTracking: {
      ...policy.targetTracking!,
      CustomizedMetricSpecification: {
        ...custom,
        ...(custom.Dimensions ? { Dimensions: renamed(custom.Dimensions) } : {}),
        ...(custom.Metrics
          ? {
              Metrics: custom.Metrics.map((q) =>
                q.MetricStat?.Metric
                  ? {
                      ...q,
                      MetricStat: {
                        ...q.MetricStat,
                        Metric: { ...q.MetricStat.Metric, Dimensions: renamed(q.MetricStat.Metric.Dimensions) },
                      },
                    }
                  : q,
              ),
            }
          : {}),
      },
    },
  };
}

/** Concurrent changes to one target are refused until the other finishes (ConcurrentUpdateException): retry. */
function rethrowScaling(err: unknown, action: string): never {
  if (awsErrorName(err) === 'ConcurrentUpdateException') {
    throw ApplicationFailure.retryable(`${action}: ${awsErrorMessage(err)}`, 'ConcurrentUpdateException');
  }
  rethrowAws(err, action);
}

export function autoscalingActivities(clients: AwsClients) {
  const aas = (region?: string) => clients.autoscaling(region);

  return {
    /** The variant's scalable target with its scaling policies, or null when it is not autoscaled. */
    async describeVariantScaling(ref: VariantRef): Promise<VariantScaling | null> {
      const target = targetOf(ref);
      const what = `Application Auto Scaling of ${target.ResourceId}`;
      try {
        const found = await aas(ref.region).send(
          new DescribeScalableTargetsCommand({
            ServiceNamespace: target.ServiceNamespace,
            ResourceIds: [target.ResourceId],
            ScalableDimension: target.ScalableDimension,
          }),
        );
        const t = found.ScalableTargets?.[0];
        if (!t) return null;
        const policies: ScalingPolicyCopy[] = [];
        let next: string | undefined;
        do {
          const page = await aas(ref.region).send(new DescribeScalingPoliciesCommand({ ...target, NextToken: next }));
          for (const p of page.ScalingPolicies ?? []) {
            policies.push({
              policyName: p.PolicyName ?? '',
              policyType: p.PolicyType ?? 'TargetTrackingScaling',
              ...(p.TargetTrackingScalingPolicyConfiguration
                ? { targetTracking: p.TargetTrackingScalingPolicyConfiguration }
                : {}),
              ...(p.StepScalingPolicyConfiguration ? { stepScaling: p.StepScalingPolicyConfiguration } : {}),
            });
          }
          next = page.NextToken;
        } while (next);
        return {
          minCapacity: t.MinCapacity ?? 1,
          maxCapacity: t.MaxCapacity ?? t.MinCapacity ?? 1,
          suspended: {
            dynamicScalingIn: t.SuspendedState?.DynamicScalingInSuspended ?? false,
            dynamicScalingOut: t.SuspendedState?.DynamicScalingOutSuspended ?? false,
            scheduledScaling: t.SuspendedState?.ScheduledScalingSuspended ?? false,
          },
          policies,
        };
      } catch (err) {
        rethrowScaling(err, `reading ${what}`);
      }
    },

    /**
     * Registers (or updates) the variant's scalable target with `scaling`'s range and suspended state, then puts
     * `policies` on it (copied from `policiesFrom` when given: see policyFor). Returns the ARNs of the policies put.
     */
    async registerVariantScaling(
      input: VariantRef & { scaling: VariantScaling; policies?: ScalingPolicyCopy[]; policiesFrom?: string },
    ): Promise<string[]> {
      const target = targetOf(input);
      const s = input.scaling;
      try {
        await aas(input.region).send(
          new RegisterScalableTargetCommand({
            ...target,
            MinCapacity: s.minCapacity,
            MaxCapacity: s.maxCapacity,
            // All three flags, so an update sets exactly the state found and no flag falls back to a default.
            SuspendedState: {
              DynamicScalingInSuspended: s.suspended.dynamicScalingIn,
              DynamicScalingOutSuspended: s.suspended.dynamicScalingOut,
              ScheduledScalingSuspended: s.suspended.scheduledScaling,
            },
          }),
        );
      } catch (err) {
        rethrowScaling(err, `RegisterScalableTarget ${target.ResourceId}`);
      }
      const arns: string[] = [];
      for (const original of input.policies ?? []) {
        const p = input.policiesFrom ? policyFor(original, input.policiesFrom, input.variantName) : original;
        try {
          const out = await aas(input.region).send(
            new PutScalingPolicyCommand({
              ...target,
              PolicyName: p.policyName,
              PolicyType: p.policyType as 'TargetTrackingScaling',
              ...(p.targetTracking ? { TargetTrackingScalingPolicyConfiguration: p.targetTracking } : {}),
              ...(p.stepScaling ? { StepScalingPolicyConfiguration: p.stepScaling } : {}),
            }),
          );
          arns.push(out.PolicyARN ?? '');
        } catch (err) {
          rethrowScaling(err, `PutScalingPolicy ${p.policyName} on ${target.ResourceId}`);
        }
      }
      return arns;
    },

    /** Deregisters the variant's scalable target (and so its policies); false when it was not registered. */
    async deregisterVariantScaling(ref: VariantRef): Promise<boolean> {
      const target = targetOf(ref);
      try {
        await aas(ref.region).send(new DeregisterScalableTargetCommand(target));
        return true;
      } catch (err) {
        if (awsErrorName(err) === 'ObjectNotFoundException') return false;
        rethrowScaling(err, `DeregisterScalableTarget ${target.ResourceId}`);
      }
    },
  };
}
