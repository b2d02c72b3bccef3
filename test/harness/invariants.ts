// The safety invariant every rollout must leave behind, however it ended:
//   1. the endpoint is InService and serves 100% of traffic from exactly one variant (the expected one);
//   2. nothing the rollout created is left over: every model and endpoint config it made is deleted or in use.
import {
  DescribeEndpointCommand,
  DescribeEndpointConfigCommand,
  DescribeModelCommand,
  type SageMakerClient,
} from '@aws-sdk/client-sagemaker';
import type { RolloutResult } from '../../src/workflows/shared';

export interface InvariantReport {
  servingVariant: string;
  servingModel: string;
  configName: string;
  leftovers: string[];
}

async function exists(call: () => Promise<unknown>): Promise<boolean> {
  try {
    await call();
    return true;
  } catch (err) {
    if (
      /not found|could not find|does not exist/i.test(String((err as Error).message)) ||
      (err as Error).name === 'ResourceNotFound'
    ) {
      return false;
    }
    throw err;
  }
}

export async function checkRolloutInvariants(
  sm: SageMakerClient,
  result: RolloutResult,
  expectServing: string,
): Promise<InvariantReport> {
  const endpoint = await sm.send(new DescribeEndpointCommand({ EndpointName: result.endpointName }));
  if (endpoint.EndpointStatus !== 'InService') {
    throw new Error(`endpoint ${result.endpointName} is ${endpoint.EndpointStatus}, not InService`);
  }
  const variants = endpoint.ProductionVariants ?? [];
  const total = variants.reduce((sum, v) => sum + (v.CurrentWeight ?? 0), 0);
  const serving = variants.filter((v) => (v.CurrentWeight ?? 0) > 0);
  if (serving.length !== 1 || total <= 0) {
    throw new Error(
      `endpoint ${result.endpointName} serves from ${serving.length} variants: ${variants.map((v) => `${v.VariantName}=${v.CurrentWeight}`).join(', ')}`,
    );
  }
  if (variants.length !== 1) {
    // A variant at weight 0 still holds instances (and costs money): the loser must be gone, not just idle.
    throw new Error(
      `endpoint ${result.endpointName} still has ${variants.length} variants: ${variants.map((v) => `${v.VariantName}=${v.CurrentWeight}`).join(', ')}`,
    );
  }
  if (serving[0].VariantName !== expectServing) {
    throw new Error(`endpoint ${result.endpointName} serves ${serving[0].VariantName}, expected ${expectServing}`);
  }
  if (result.servingVariant !== expectServing) {
    throw new Error(`the result says ${result.servingVariant} serves, but the endpoint serves ${expectServing}`);
  }
  const configName = endpoint.EndpointConfigName!;
  const config = await sm.send(new DescribeEndpointConfigCommand({ EndpointConfigName: configName }));
  const inUseModels = (config.ProductionVariants ?? []).map((v) => v.ModelName!);
  const servingModel = (config.ProductionVariants ?? []).find((v) => v.VariantName === expectServing)?.ModelName ?? '';

  const leftovers: string[] = [];
  for (const name of result.resources.endpointConfigs) {
    if (
      name !== configName &&
      (await exists(() => sm.send(new DescribeEndpointConfigCommand({ EndpointConfigName: name }))))
    ) {
      leftovers.push(`endpoint config ${name}`);
    }
  }
  for (const name of result.resources.models) {
    if (!inUseModels.includes(name) && (await exists(() => sm.send(new DescribeModelCommand({ ModelName: name }))))) {
      leftovers.push(`model ${name}`);
    }
  }
  if (leftovers.length > 0) throw new Error(`rollout of ${result.endpointName} left behind: ${leftovers.join(', ')}`);
  return { servingVariant: serving[0].VariantName!, servingModel, configName, leftovers };
}
