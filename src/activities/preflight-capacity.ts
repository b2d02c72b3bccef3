// What preflight reads about the baseline's capacity: its live instance count (the candidate's default size), its
// model's network settings (the candidate model's defaults), and its Application Auto Scaling, which decides how the
// rollout treats its instance counts (aws-behaviour.md #2, #10, #11).
import type { ProductionVariant } from '@aws-sdk/client-sagemaker';
import type { RolloutSpec } from '../schema';
import { userError } from './aws-errors';
import type { autoscalingActivities, VariantScaling } from './autoscaling';
import type { EndpointView, ModelShape } from './sagemaker';

export interface BaselineCapacity {
  baselineInstances: number;
  baselineModel: Pick<ModelShape, 'vpcConfig' | 'enableNetworkIsolation'>;
  baselineScaling?: VariantScaling;
}

export async function baselineCapacity(
  spec: RolloutSpec,
  endpoint: EndpointView,
  baselineVariant: ProductionVariant,
  baselineModel: ModelShape,
  scaling: ReturnType<typeof autoscalingActivities>,
  region?: string,
): Promise<BaselineCapacity> {
  const variantName = baselineVariant.VariantName!;
  const live = endpoint.variants.find((v) => v.variantName === variantName);
  const found = await scaling.describeVariantScaling({ endpointName: endpoint.endpointName, variantName, region });
  if (found && spec.capacity.followWeights === true) {
    // Application Auto Scaling sets an autoscaled variant's DesiredInstanceCount itself; the rollout writing it too
    // would fight the scaler (and be undone by its next activity).
    throw userError(
      `capacity.followWeights: the baseline "${variantName}" is autoscaled (min ${found.minCapacity}, max ${found.maxCapacity}): its instance count is Application Auto Scaling's to set, so the rollout keeps it and suspends only scale-in; leave capacity.followWeights out or set it false`,
    );
  }
  return {
    baselineInstances: live?.instanceCount ?? baselineVariant.InitialInstanceCount ?? 1,
    baselineModel: {
      ...(baselineModel.vpcConfig ? { vpcConfig: baselineModel.vpcConfig } : {}),
      ...(baselineModel.enableNetworkIsolation !== undefined
        ? { enableNetworkIsolation: baselineModel.enableNetworkIsolation }
        : {}),
    },
    ...(found ? { baselineScaling: found } : {}),
  };
}
