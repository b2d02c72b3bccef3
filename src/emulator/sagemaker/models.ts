// Models: CreateModel (a container may name a model package version), DescribeModel, DeleteModel, ListModels.
import { isVisible, visibleAt } from '../consistency';
import { checkModelFields } from '../field-checks';
import { page } from '../list-pages';
import { containersOfPackage } from '../model-registry';
import { arn, type EmulatorContext, type Json, type ModelRecord, type RegionState } from '../state';
import { validation } from '../errors';
import { alreadyExists, epoch, limitExceeded, notFound, requireName, type Handler } from './common';

export const createModel: Handler = (ctx, region, input) => {
  const name = requireName(input, 'ModelName', 'modelName');
  const modelArn = arn(ctx.config, region.name, 'model', name);
  const primary = input.PrimaryContainer as Json | undefined;
  const containers = input.Containers as Json[] | undefined;
  if (!primary && (!Array.isArray(containers) || containers.length === 0)) {
    throw validation('Either PrimaryContainer or Containers must be specified.');
  }
  if (ctx.aws) checkModelFields(input);
  if (region.models.has(name.toLowerCase())) throw alreadyExists('model', modelArn);
  if (region.models.size >= ctx.config.limits.models)
    throw limitExceeded('Number of models', ctx.config.limits.models, 'Models');
  // A container naming a model package runs that package's containers (image and artifact): the developer guide's
  // model-registry-deploy.md creates a model from a version with Containers [{ ModelPackageName: <version ARN> }].
  let packageArn: string | undefined;
  const given = primary ? [primary] : containers!;
  const running = given.flatMap((c, i) => {
    if (typeof c?.ModelPackageName !== 'string') return [c ?? {}];
    const member = primary ? 'primaryContainer.modelPackageName' : `containers.${i + 1}.member.modelPackageName`;
    const pkg = containersOfPackage(ctx, region, c.ModelPackageName, member);
    packageArn ??= pkg.arn;
    return pkg.containers;
  });
  const container = running[0];
  const { Tags, ...request } = input;
  const record: ModelRecord = {
    name,
    arn: modelArn,
    createdAt: Date.now(),
    request,
    image: typeof container.Image === 'string' ? container.Image : undefined,
    modelDataUrl: typeof container.ModelDataUrl === 'string' ? container.ModelDataUrl : undefined,
    containerCount: running.length,
    ...(packageArn !== undefined ? { modelPackageArn: packageArn } : {}),
    tags: Array.isArray(Tags) ? Tags : [],
    visibleAt: visibleAt(ctx),
  };
  region.models.set(name.toLowerCase(), record);
  return { body: { ModelArn: modelArn }, changed: true, resourceName: name };
};

export function getModel(ctx: EmulatorContext, region: RegionState, name: string): ModelRecord {
  const m = region.models.get(name.toLowerCase());
  if (!m || !isVisible(m)) throw notFound('model', arn(ctx.config, region.name, 'model', name));
  return m;
}

export const describeModel: Handler = (ctx, region, input) => {
  const name = requireName(input, 'ModelName', 'modelName');
  const m = getModel(ctx, region, name);
  return {
    body: {
      ...m.request,
      ModelName: m.name,
      ModelArn: m.arn,
      CreationTime: epoch(m.createdAt),
      EnableNetworkIsolation: m.request.EnableNetworkIsolation ?? false,
    },
    changed: false,
    resourceName: name,
  };
};

export const deleteModel: Handler = (ctx, region, input) => {
  const name = requireName(input, 'ModelName', 'modelName');
  getModel(ctx, region, name);
  // SageMaker lets a model be deleted while a config or endpoint still names it; running endpoints keep serving.
  region.models.delete(name.toLowerCase());
  return { body: {}, changed: true, resourceName: name };
};

export const listModels: Handler = (_ctx, region, input) => ({
  body: page(
    input,
    [...region.models.values()].map((m) => ({
      name: m.name,
      createdAt: m.createdAt,
      summary: { ModelName: m.name, ModelArn: m.arn, CreationTime: epoch(m.createdAt) },
    })),
    'Models',
    10,
  ),
  changed: false,
});
