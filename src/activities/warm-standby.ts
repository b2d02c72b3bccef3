// The post-promotion bake keeps the baseline deployed at weight 0 on minimal warm capacity, so that a rollback during
// the bake is a weight shift (seconds) onto instances that are already up, rather than a new fleet (minutes:
// [BC-SM] UpdateEndpoint "Deploys the EndpointConfig … to a new fleet of instances"). One instance is the least a
// variant can run on: UpdateEndpointWeightsAndCapacities' DesiredInstanceCount has a minimum of 1 ([BC-SM]
// DesiredWeightAndCapacity), and it changes capacity in place ([BC-SM] EndpointStatus "Updating: UpdateEndpoint or
// UpdateEndpointWeightsAndCapacities is executing").
import { DescribeEndpointCommand, UpdateEndpointWeightsAndCapacitiesCommand } from '@aws-sdk/client-sagemaker';
import { ApplicationFailure } from '@temporalio/activity';
import { awsErrorMessage, rethrowAws, userError } from './aws-errors';
import type { AwsClients } from './clients';
import { isInProgress } from './sagemaker-errors';

export interface WarmStandbyInput {
  endpointName: string;
  variantName: string;
  instanceCount: number;
  region?: string;
}

export function warmStandbyActivities(clients: AwsClients) {
  return {
    /**
     * Sets a production variant's instance count, leaving its weight as it is. Returns the count it asked for before
     * (its DesiredInstanceCount), or null when it already had `instanceCount` (a retry after a lost response).
     */
    async setVariantInstanceCount(input: WarmStandbyInput): Promise<number | null> {
      const sm = clients.sagemaker(input.region);
      const what = `UpdateEndpointWeightsAndCapacities ${input.endpointName}`;
      let endpoint;
      try {
        endpoint = await sm.send(new DescribeEndpointCommand({ EndpointName: input.endpointName }));
      } catch (err) {
        rethrowAws(err, `DescribeEndpoint ${input.endpointName}`);
      }
      const variant = (endpoint.ProductionVariants ?? []).find((v) => v.VariantName === input.variantName);
      if (!variant) {
        throw userError(`endpoint ${input.endpointName} has no production variant ${input.variantName}`);
      }
      const before = variant.DesiredInstanceCount ?? variant.CurrentInstanceCount;
      if (before === input.instanceCount) return null;
      if (endpoint.EndpointStatus !== 'InService') {
        throw ApplicationFailure.retryable(`endpoint ${input.endpointName} is ${endpoint.EndpointStatus}; waiting`);
      }
      try {
        await sm.send(
          new UpdateEndpointWeightsAndCapacitiesCommand({
            EndpointName: input.endpointName,
            DesiredWeightsAndCapacities: [
              { VariantName: input.variantName, DesiredInstanceCount: input.instanceCount },
            ],
          }),
        );
      } catch (err) {
        // Autoscaling may have started an update between the Describe and this call (aws-behaviour.md #7).
        if (isInProgress(err)) throw ApplicationFailure.retryable(`${what}: ${awsErrorMessage(err)}`);
        rethrowAws(err, what);
      }
      return before ?? null;
    },
  };
}
