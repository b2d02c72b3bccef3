/**
 * SageMaker's control plane (awsJson1_1, `X-Amz-Target: SageMaker.<Op>`): models, endpoint configs and endpoints with
 * SageMaker's status machine and its own error messages.
 *
 * Status machine (delays configurable, see ResolvedConfig.delays and faults.delays):
 * - CreateEndpoint: Creating → InService, or Failed with FailureReason when a variant's container cannot start
 *   (image not XGBoost, artifact missing or unloadable, model deleted meanwhile).
 * - UpdateEndpoint: Updating (the old variants keep serving) → InService on the new config; when the new config cannot
 *   start, SageMaker rolls back: InService on the OLD config with FailureReason set.
 * - UpdateEndpointWeightsAndCapacities: Updating (DesiredWeight set at once, CurrentWeight at the end) → InService.
 * - DeleteEndpoint: Deleting → gone.
 * Only an InService endpoint may be updated; a Creating/Updating/Deleting one answers "Cannot update in-progress
 * endpoint", as SageMaker does.
 */
import { AwsError } from '../errors';
import { MODEL_REGISTRY_OPERATIONS } from '../model-registry';
import type { EmulatorContext, Json, RegionState } from '../state';
import type { Handler, OpResult } from './common';
import {
  createEndpointConfig,
  deleteEndpointConfig,
  describeEndpointConfig,
  listEndpointConfigs,
} from './endpoint-configs';
import { createEndpoint, deleteEndpoint, describeEndpoint, listEndpoints, updateEndpoint } from './endpoints';
import { createModel, deleteModel, describeModel, listModels } from './models';
import { updateEndpointWeightsAndCapacities } from './weights';

export { NAME_PATTERN, type OpResult } from './common';
export { changeWeightsAndCapacities, type CapacityChange } from './weights';

export const SAGEMAKER_OPERATIONS: Record<string, Handler> = {
  CreateModel: createModel,
  DescribeModel: describeModel,
  DeleteModel: deleteModel,
  ListModels: listModels,
  CreateEndpointConfig: createEndpointConfig,
  DescribeEndpointConfig: describeEndpointConfig,
  DeleteEndpointConfig: deleteEndpointConfig,
  ListEndpointConfigs: listEndpointConfigs,
  CreateEndpoint: createEndpoint,
  DescribeEndpoint: describeEndpoint,
  UpdateEndpoint: updateEndpoint,
  UpdateEndpointWeightsAndCapacities: updateEndpointWeightsAndCapacities,
  DeleteEndpoint: deleteEndpoint,
  ListEndpoints: listEndpoints,
  ...MODEL_REGISTRY_OPERATIONS,
};

/** Runs one control-plane call; unknown operations answer as AWS does for an action it does not know. */
export function handleSageMaker(ctx: EmulatorContext, region: RegionState, operation: string, input: Json): OpResult {
  const handler = SAGEMAKER_OPERATIONS[operation];
  if (!handler) {
    throw new AwsError('UnknownOperationException', `The emulator does not implement SageMaker.${operation}.`);
  }
  return handler(ctx, region, input);
}
