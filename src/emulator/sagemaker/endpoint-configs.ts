// Endpoint configs: CreateEndpointConfig (production and shadow variants checked as SageMaker checks them),
// DescribeEndpointConfig, DeleteEndpointConfig, ListEndpointConfigs.
import { isVisible, visibleAt } from '../consistency';
import { checkEndpointConfigFields } from '../field-checks';
import { checkShadowVariants } from '../fleet';
import { page } from '../list-pages';
import { arn, type EmulatorContext, type EndpointConfigRecord, type Json, type RegionState } from '../state';
import { validation } from '../errors';
import { alreadyExists, epoch, limitExceeded, notFound, requireName, type Handler } from './common';
import { getModel } from './models';

/** One ProductionVariant of a config (production or shadow): names, instances, weight, and that its model exists. */
function checkVariant(
  ctx: EmulatorContext,
  region: RegionState,
  v: Json,
  member: string,
  seen: Set<string>,
  shadow = false,
): void {
  const variantName = requireName(v, 'VariantName', `${member}.variantName`);
  if (seen.has(variantName.toLowerCase())) {
    throw validation(
      shadow
        ? `Duplicate VariantName "${variantName}" found in ProductionVariants and ShadowProductionVariants. VariantName must be unique.`
        : `Duplicate VariantName "${variantName}" found in ProductionVariants. VariantName must be unique.`,
    );
  }
  seen.add(variantName.toLowerCase());
  const modelName = requireName(v, 'ModelName', `${member}.modelName`);
  const serverless = v.ServerlessConfig !== undefined;
  if (!serverless && typeof v.InstanceType !== 'string') {
    throw validation(`InstanceType is required for production variant ${variantName} (or give ServerlessConfig).`);
  }
  if (!serverless && !(typeof v.InitialInstanceCount === 'number' && v.InitialInstanceCount >= 1)) {
    throw validation(
      `1 validation error detected: Value '${v.InitialInstanceCount ?? null}' at '${member}.initialInstanceCount' ` +
        'failed to satisfy constraint: Member must have value greater than or equal to 1',
    );
  }
  if (
    v.InitialVariantWeight !== undefined &&
    !(typeof v.InitialVariantWeight === 'number' && v.InitialVariantWeight >= 0)
  ) {
    throw validation(
      `1 validation error detected: Value '${v.InitialVariantWeight}' at '${member}.initialVariantWeight' failed ` +
        'to satisfy constraint: Member must have value greater than or equal to 0',
    );
  }
  getModel(ctx, region, modelName);
}

export const createEndpointConfig: Handler = (ctx, region, input) => {
  const name = requireName(input, 'EndpointConfigName', 'endpointConfigName');
  const configArn = arn(ctx.config, region.name, 'endpoint-config', name);
  const variants = input.ProductionVariants;
  if (!Array.isArray(variants) || variants.length === 0) {
    throw validation(
      "1 validation error detected: Value '[]' at 'productionVariants' failed to satisfy constraint: " +
        'Member must have length greater than or equal to 1',
    );
  }
  if (variants.length > 10) {
    throw validation(
      `1 validation error detected: Value at 'productionVariants' failed to satisfy constraint: Member must have ` +
        `length less than or equal to 10`,
    );
  }
  if (ctx.aws) checkEndpointConfigFields(input);
  // Shadow variants are served in both profiles, so both check their shape ([BC-SM] ShadowProductionVariants).
  checkShadowVariants(input);
  const shadows = Array.isArray(input.ShadowProductionVariants) ? (input.ShadowProductionVariants as Json[]) : [];
  const seen = new Set<string>();
  variants.forEach((raw, i) =>
    checkVariant(ctx, region, (raw ?? {}) as Json, `productionVariants.${i + 1}.member`, seen),
  );
  shadows.forEach((raw, i) =>
    checkVariant(ctx, region, (raw ?? {}) as Json, `shadowProductionVariants.${i + 1}.member`, seen, true),
  );
  if (region.configs.has(name.toLowerCase())) throw alreadyExists('endpoint configuration', configArn);
  if (region.configs.size >= ctx.config.limits.endpointConfigs) {
    throw limitExceeded('Number of endpoint configs', ctx.config.limits.endpointConfigs, 'Endpoint Configs');
  }
  const { Tags, ...request } = input;
  const record: EndpointConfigRecord = {
    name,
    arn: configArn,
    createdAt: Date.now(),
    request,
    variants: (variants as Json[]).map((v) => ({ InitialVariantWeight: 1, ...v })),
    shadowVariants: shadows.map((v) => ({ InitialVariantWeight: 1, ...v })),
    tags: Array.isArray(Tags) ? Tags : [],
    visibleAt: visibleAt(ctx),
  };
  region.configs.set(name.toLowerCase(), record);
  return { body: { EndpointConfigArn: configArn }, changed: true, resourceName: name };
};

export function getConfig(ctx: EmulatorContext, region: RegionState, name: string): EndpointConfigRecord {
  const c = region.configs.get(name.toLowerCase());
  if (!c || !isVisible(c))
    throw notFound('endpoint configuration', arn(ctx.config, region.name, 'endpoint-config', name));
  return c;
}

export const describeEndpointConfig: Handler = (ctx, region, input) => {
  const name = requireName(input, 'EndpointConfigName', 'endpointConfigName');
  const c = getConfig(ctx, region, name);
  return {
    body: {
      ...c.request,
      EndpointConfigName: c.name,
      EndpointConfigArn: c.arn,
      ProductionVariants: c.variants,
      ...(c.shadowVariants.length > 0 ? { ShadowProductionVariants: c.shadowVariants } : {}),
      CreationTime: epoch(c.createdAt),
    },
    changed: false,
    resourceName: name,
  };
};

export const deleteEndpointConfig: Handler = (ctx, region, input) => {
  const name = requireName(input, 'EndpointConfigName', 'endpointConfigName');
  getConfig(ctx, region, name);
  region.configs.delete(name.toLowerCase());
  return { body: {}, changed: true, resourceName: name };
};

export const listEndpointConfigs: Handler = (_ctx, region, input) => ({
  body: page(
    input,
    [...region.configs.values()].map((c) => ({
      name: c.name,
      createdAt: c.createdAt,
      summary: { EndpointConfigName: c.name, EndpointConfigArn: c.arn, CreationTime: epoch(c.createdAt) },
    })),
    'EndpointConfigs',
    10,
  ),
  changed: false,
});
