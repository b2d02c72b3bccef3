// Endpoints: CreateEndpoint, DescribeEndpoint, UpdateEndpoint (a new config, checked against the instance quotas and
// the autoscaled variants), DeleteEndpoint, ListEndpoints.
import { removeTarget, scalableVariantsOf } from '../autoscaling/registry';
import { validation } from '../errors';
import { checkInstanceQuotas, fleetInstances, fleetProvisioningMs, planFleet, retentionOf } from '../fleet';
import { page } from '../list-pages';
import { arn, type EndpointConfigRecord, type EndpointRecord, type PendingFleet, type RegionState } from '../state';
import { alreadyExists, epoch, getEndpoint, inProgress, limitExceeded, requireName, type Handler } from './common';
import { deploy } from './deploy';
import { getConfig } from './endpoint-configs';
import { describeEndpointBody } from './endpoint-views';

export const createEndpoint: Handler = (ctx, region, input) => {
  const name = requireName(input, 'EndpointName', 'endpointName');
  const configName = requireName(input, 'EndpointConfigName', 'endpointConfigName');
  const endpointArn = arn(ctx.config, region.name, 'endpoint', name);
  if (region.endpoints.has(name.toLowerCase())) throw alreadyExists('endpoint', endpointArn);
  const config = getConfig(ctx, region, configName);
  if (region.endpoints.size >= ctx.config.limits.endpoints) {
    throw limitExceeded('Number of endpoints', ctx.config.limits.endpoints, 'Endpoints');
  }
  const now = Date.now();
  const ep: EndpointRecord = {
    name,
    arn: endpointArn,
    region: region.name,
    configName: config.name,
    status: 'Creating',
    createdAt: now,
    modifiedAt: now,
    variants: [],
    shadows: [],
    byName: new Map(),
    cumulative: [],
    totalWeight: 0,
    token: 0,
    tags: Array.isArray(input.Tags) ? input.Tags : [],
  };
  if (ctx.aws) {
    // A new fleet for every variant, counted against the instance quotas before anything is created.
    const planned = planFleet(config, undefined);
    checkInstanceQuotas(ctx, region, fleetInstances(planned));
    region.endpoints.set(name.toLowerCase(), ep);
    const fleet: PendingFleet = { configName: config.name, startedAt: now, ...planned };
    const delayMs = ctx.faults.endpoint(name)?.updateDelayMs ?? fleetProvisioningMs(ctx, planned);
    deploy(ctx, region, ep, config, 'create', { delayMs, fleet });
    return { body: { EndpointArn: endpointArn }, changed: true, endpointName: name, resourceName: name };
  }
  region.endpoints.set(name.toLowerCase(), ep);
  deploy(ctx, region, ep, config, 'create', { delayMs: ctx.delays().createMs });
  return { body: { EndpointArn: endpointArn }, changed: true, endpointName: name, resourceName: name };
};

export const describeEndpoint: Handler = (ctx, region, input) => {
  const name = requireName(input, 'EndpointName', 'endpointName');
  const ep = getEndpoint(ctx, region, name);
  return {
    body: describeEndpointBody(ep, region, ctx.aws),
    changed: false,
    endpointName: ep.name,
    resourceName: ep.name,
  };
};

/**
 * [DG-AS]: "If the update would change the instance type for any model that is a target for automatic scaling, the
 * update fails … If you are trying to update the endpoint by calling the UpdateEndpoint API, the call fails", and
 * deregistering first is required when "Removing a production variant that has automatic scaling configured".
 * Changing only the model is allowed. AWS's exact message is not documented; this one names the variants and the fix.
 */
function checkAutoscaledVariantsKept(region: RegionState, ep: EndpointRecord, config: EndpointConfigRecord): void {
  const blocked: string[] = [];
  for (const target of scalableVariantsOf(region, ep.name)) {
    const variantName = target.resourceId.split('/')[3];
    const live = ep.byName.get(variantName);
    if (!live) continue;
    const next = [...config.variants, ...config.shadowVariants].find((v) => v.VariantName === variantName);
    if (!next || (typeof next.InstanceType === 'string' && next.InstanceType !== live.instanceType)) {
      blocked.push(variantName);
    }
  }
  if (blocked.length > 0) {
    throw validation(
      `The variant(s) "[${blocked.join(', ')}]" of endpoint "${ep.arn}" are registered for automatic scaling ` +
        '(Application Auto Scaling scalable targets); an update may not remove them or change their instance type. ' +
        'Deregister the scalable target(s) first (DeregisterScalableTarget), then register them again after the update.',
    );
  }
}

export const updateEndpoint: Handler = (ctx, region, input) => {
  const name = requireName(input, 'EndpointName', 'endpointName');
  const configName = requireName(input, 'EndpointConfigName', 'endpointConfigName');
  const ep = getEndpoint(ctx, region, name);
  if (ep.status === 'Failed') {
    throw validation(
      `Cannot update endpoint "${ep.arn}" because it is in Failed state: DeleteEndpoint is the only operation ` +
        'allowed on a failed endpoint.',
    );
  }
  if (ep.status !== 'InService') throw inProgress(ep);
  const config = getConfig(ctx, region, configName);
  const faults = ctx.faults.endpoint(ep.name);
  let fleet: PendingFleet | undefined;
  if (ctx.aws) {
    checkAutoscaledVariantsKept(region, ep, config);
    const planned = planFleet(config, ep, retentionOf(input));
    // The new fleet comes on top of the serving one, which keeps serving until the new one is InService.
    checkInstanceQuotas(ctx, region, fleetInstances(planned));
    fleet = { configName: config.name, startedAt: Date.now(), ...planned };
  }
  const injectedFailure = ctx.faults.takeUpdateFailure(ep.name);
  const injectedEnding = ctx.faults.takeUpdateEnding(ep.name);
  ep.pending = { configName: config.name, previousConfigName: ep.configName };
  ep.configName = config.name;
  ep.status = 'Updating';
  ep.failureReason = undefined;
  ep.modifiedAt = Date.now();
  deploy(ctx, region, ep, config, 'update', {
    delayMs: faults?.updateDelayMs ?? (fleet ? fleetProvisioningMs(ctx, fleet) : ctx.delays().updateMs),
    injectedFailure,
    ...(injectedEnding ? { injectedEnding } : {}),
    retain: input.RetainAllVariantProperties === true,
    ...(fleet ? { fleet } : {}),
  });
  return {
    body: { EndpointArn: ep.arn },
    changed: true,
    endpointName: ep.name,
    resourceName: ep.name,
    detail: `config ${config.name}`,
  };
};

export const deleteEndpoint: Handler = (ctx, region, input) => {
  const name = requireName(input, 'EndpointName', 'endpointName');
  const ep = getEndpoint(ctx, region, name);
  if (['Creating', 'Updating', 'RollingBack', 'Deleting'].includes(ep.status)) throw inProgress(ep);
  if (ctx.aws) {
    // [DG-AS]: "If you delete an endpoint, Application Auto Scaling checks to see whether any of the models on that
    // endpoint are targets for automatic scaling … deregisters those models as scalable targets without notifying you."
    for (const target of scalableVariantsOf(region, ep.name)) removeTarget(region, target);
  }
  ep.status = 'Deleting';
  ep.modifiedAt = Date.now();
  const token = ++ep.token;
  ctx.timers.after(ctx.delays().deleteMs, () => {
    if (ep.token === token && region.endpoints.get(ep.name.toLowerCase()) === ep) {
      region.endpoints.delete(ep.name.toLowerCase());
    }
  });
  return { body: {}, changed: true, endpointName: ep.name, resourceName: ep.name };
};

export const listEndpoints: Handler = (_ctx, region, input) => ({
  body: page(
    input,
    [...region.endpoints.values()].map((e) => ({
      name: e.name,
      createdAt: e.createdAt,
      status: e.status,
      summary: {
        EndpointName: e.name,
        EndpointArn: e.arn,
        CreationTime: epoch(e.createdAt),
        LastModifiedTime: epoch(e.modifiedAt),
        EndpointStatus: e.status,
      },
    })),
    'Endpoints',
    10,
  ),
  changed: false,
});
