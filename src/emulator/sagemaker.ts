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
import { createHash } from 'node:crypto';
import { removeTarget, scalableVariantsOf } from './autoscaling/registry';
import { provisioningSeconds } from './aws-behaviour';
import { isVisible, visibleAt } from './consistency';
import { checkEndpointConfigFields, checkModelFields } from './field-checks';
import {
  checkInstanceQuotas,
  checkShadowVariants,
  fleetInstances,
  fleetProvisioningMs,
  planFleet,
  retentionOf,
} from './fleet';
import { AwsError, badName, requiredString, validation } from './errors';
import { page } from './list-pages';
import { containersOfPackage, MODEL_REGISTRY_OPERATIONS } from './model-registry';
import { checkImage, DeployError } from './model-loader';
import {
  arn,
  type EmulatorContext,
  type EndpointConfigRecord,
  type EndpointRecord,
  type FleetVariant,
  type Json,
  type LiveVariant,
  type ModelRecord,
  type PendingFleet,
  type RegionState,
} from './state';

export const NAME_PATTERN = '^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}';
const NAME_RE = /^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/;

export interface OpResult {
  body: Json;
  /** The call changed state (false for reads and for rejected or no-op calls). */
  changed: boolean;
  endpointName?: string;
  resourceName?: string;
  detail?: string;
}

type Handler = (ctx: EmulatorContext, region: RegionState, input: Json) => OpResult;

function requireName(input: Json, key: string, member: string): string {
  const v = requiredString(input, key, member);
  if (!NAME_RE.test(v)) throw badName(member, v, NAME_PATTERN);
  return v;
}

const epoch = (ms: number) => ms / 1000;

function notFound(kind: 'model' | 'endpoint configuration' | 'endpoint', resourceArn: string): AwsError {
  return validation(`Could not find ${kind} "${resourceArn}".`);
}

function alreadyExists(kind: 'model' | 'endpoint configuration' | 'endpoint', resourceArn: string): AwsError {
  return validation(`Cannot create already existing ${kind} "${resourceArn}".`);
}

function limitExceeded(quota: string, limit: number, unit: string): AwsError {
  return new AwsError(
    'ResourceLimitExceeded',
    `The account-level service limit '${quota}' is ${limit} ${unit}, with current utilization of ${limit} ${unit} ` +
      `and a request delta of 1 ${unit}. Please use AWS Service Quotas to request an increase for this quota.`,
  );
}

// ---------------------------------------------------------------------------------------------------------------
// Models

const createModel: Handler = (ctx, region, input) => {
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

function getModel(ctx: EmulatorContext, region: RegionState, name: string): ModelRecord {
  const m = region.models.get(name.toLowerCase());
  if (!m || !isVisible(m)) throw notFound('model', arn(ctx.config, region.name, 'model', name));
  return m;
}

const describeModel: Handler = (ctx, region, input) => {
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

const deleteModel: Handler = (ctx, region, input) => {
  const name = requireName(input, 'ModelName', 'modelName');
  getModel(ctx, region, name);
  // SageMaker lets a model be deleted while a config or endpoint still names it; running endpoints keep serving.
  region.models.delete(name.toLowerCase());
  return { body: {}, changed: true, resourceName: name };
};

// ---------------------------------------------------------------------------------------------------------------
// Endpoint configs

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

const createEndpointConfig: Handler = (ctx, region, input) => {
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

function getConfig(ctx: EmulatorContext, region: RegionState, name: string): EndpointConfigRecord {
  const c = region.configs.get(name.toLowerCase());
  if (!c || !isVisible(c))
    throw notFound('endpoint configuration', arn(ctx.config, region.name, 'endpoint-config', name));
  return c;
}

const describeEndpointConfig: Handler = (ctx, region, input) => {
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

const deleteEndpointConfig: Handler = (ctx, region, input) => {
  const name = requireName(input, 'EndpointConfigName', 'endpointConfigName');
  getConfig(ctx, region, name);
  region.configs.delete(name.toLowerCase());
  return { body: {}, changed: true, resourceName: name };
};

// ---------------------------------------------------------------------------------------------------------------
// Endpoints

function getEndpoint(ctx: EmulatorContext, region: RegionState, name: string): EndpointRecord {
  const e = region.endpoints.get(name.toLowerCase());
  if (!e) throw notFound('endpoint', arn(ctx.config, region.name, 'endpoint', name));
  return e;
}

/** Routing takes only production variants; byName holds the shadows too (they scale and take weights). */
export function rebuildRouting(ep: EndpointRecord): void {
  ep.byName = new Map([...ep.variants, ...ep.shadows].map((v) => [v.name, v]));
  let total = 0;
  ep.cumulative = ep.variants.map((v) => (total += Math.max(0, v.currentWeight)));
  ep.totalWeight = total;
}

function resolvedImage(image: string): string {
  const digest = createHash('sha256').update(image).digest('hex');
  return `${image.split('@')[0]}@sha256:${digest}`;
}

/**
 * Starts every variant of a config, its shadow variants too (each runs on its own fleet): image check, artifact load.
 * Rejects with the first DeployError.
 */
async function startVariants(
  ctx: EmulatorContext,
  region: RegionState,
  config: EndpointConfigRecord,
  retained?: Map<string, LiveVariant>,
  plan?: { variants: FleetVariant[]; shadowVariants: FleetVariant[] },
): Promise<{ variants: LiveVariant[]; shadows: LiveVariant[] }> {
  const planned = new Map([...(plan?.variants ?? []), ...(plan?.shadowVariants ?? [])].map((p) => [p.name, p]));
  const start = async (v: Json, shadow: boolean): Promise<LiveVariant> => {
    const variantName = String(v.VariantName);
    const modelName = String(v.ModelName);
    const model = region.models.get(modelName.toLowerCase());
    if (!model) {
      throw new DeployError(`Could not find model "${arn(ctx.config, region.name, 'model', modelName)}".`);
    }
    if (model.containerCount > 1) {
      throw new DeployError(
        `Model ${modelName} is an inference pipeline (${model.containerCount} containers); this emulator ` +
          'serves single-container XGBoost models.',
      );
    }
    checkImage(model.image, variantName);
    if (!model.modelDataUrl) throw new DeployError(`Model ${modelName} has no ModelDataUrl to load.`);
    const loaded = await ctx.loader.load(model.modelDataUrl);
    const keep = retained?.get(variantName);
    const fleet = planned.get(variantName);
    const weight = fleet ? fleet.weight : keep ? keep.currentWeight : Number(v.InitialVariantWeight ?? 1);
    const count = fleet ? fleet.instanceCount : keep ? keep.currentInstanceCount : Number(v.InitialInstanceCount ?? 1);
    return {
      name: variantName,
      modelName,
      image: model.image!,
      resolvedImage: resolvedImage(model.image!),
      modelDataUrl: model.modelDataUrl,
      model: loaded,
      instanceType: typeof v.InstanceType === 'string' ? v.InstanceType : undefined,
      currentWeight: weight,
      desiredWeight: weight,
      currentInstanceCount: count,
      desiredInstanceCount: count,
      deployedAt: Date.now(),
      ...(fleet ? { spec: fleet.spec } : {}),
      ...(shadow ? { shadow: true } : {}),
    };
  };
  const [variants, shadows] = await Promise.all([
    Promise.all(config.variants.map((v) => start(v, false))),
    Promise.all(config.shadowVariants.map((v) => start(v, true))),
  ]);
  return { variants, shadows };
}

function reasonOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function deploy(
  ctx: EmulatorContext,
  region: RegionState,
  ep: EndpointRecord,
  config: EndpointConfigRecord,
  kind: 'create' | 'update',
  options: {
    delayMs: number;
    injectedFailure?: string;
    injectedEnding?: 'UpdateRollbackFailed' | 'OutOfService';
    retain?: boolean;
    fleet?: PendingFleet;
  },
): void {
  const token = ++ep.token;
  ep.fleet = options.fleet;
  // Loading starts at once and overlaps the transition delay, as a real deployment pulls while it provisions.
  const started = startVariants(ctx, region, config, options.retain ? ep.byName : undefined, options.fleet).then(
    (started) => ({ ok: true as const, ...started }),
    (err: unknown) => ({ ok: false as const, reason: reasonOf(err) }),
  );
  ctx.timers.after(options.delayMs, () => {
    void started.then((outcome) => {
      if (ep.token !== token || region.endpoints.get(ep.name.toLowerCase()) !== ep) return; // superseded or deleted
      const now = Date.now();
      ep.modifiedAt = now;
      const failure = !outcome.ok ? outcome.reason : options.injectedFailure;
      // The new fleet either serves now or is gone (a failed one is torn down; the old one keeps serving).
      ep.fleet = undefined;
      if (kind === 'create') {
        if (failure !== undefined) {
          ep.status = 'Failed';
          ep.failureReason = failure;
          ep.variants = [];
          ep.shadows = [];
        } else if (outcome.ok) {
          ep.status = 'InService';
          ep.failureReason = undefined;
          ep.variants = outcome.variants;
          ep.shadows = outcome.shadows;
        }
      } else if (options.injectedEnding) {
        // A stable status that needs a person: the old fleet keeps what it served, the update is over.
        ep.status = options.injectedEnding;
        ep.failureReason = failure ?? `The update ended ${options.injectedEnding} (injected fault).`;
        ep.pending = undefined;
      } else if (failure !== undefined) {
        // SageMaker rolls a failed update back: the endpoint keeps serving its previous config.
        ep.status = 'InService';
        ep.failureReason = failure;
        ep.configName = ep.pending?.previousConfigName ?? ep.configName;
        ep.pending = undefined;
      } else if (outcome.ok) {
        // The new config's variants replace the old ones, shadows included: a config without a shadow removes it.
        ep.status = 'InService';
        ep.failureReason = undefined;
        ep.variants = outcome.variants;
        ep.shadows = outcome.shadows;
        ep.pending = undefined;
      }
      rebuildRouting(ep);
    });
  });
}

function inProgress(ep: EndpointRecord): AwsError {
  return validation(`Cannot update in-progress endpoint "${ep.arn}".`);
}

const createEndpoint: Handler = (ctx, region, input) => {
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

function variantView(v: LiveVariant): Json {
  const serverless = v.spec?.ServerlessConfig;
  if (serverless !== undefined) {
    // A serverless variant has no instances: [BC-SM] ProductionVariantSummary's Current/DesiredServerlessConfig.
    return {
      VariantName: v.name,
      DeployedImages: [
        { SpecifiedImage: v.image, ResolvedImage: v.resolvedImage, ResolutionTime: epoch(v.deployedAt) },
      ],
      CurrentWeight: v.currentWeight,
      DesiredWeight: v.desiredWeight,
      CurrentServerlessConfig: serverless,
      DesiredServerlessConfig: serverless,
    };
  }
  return {
    VariantName: v.name,
    DeployedImages: [{ SpecifiedImage: v.image, ResolvedImage: v.resolvedImage, ResolutionTime: epoch(v.deployedAt) }],
    CurrentWeight: v.currentWeight,
    DesiredWeight: v.desiredWeight,
    CurrentInstanceCount: v.currentInstanceCount,
    DesiredInstanceCount: v.desiredInstanceCount,
  };
}

/** A planned variant as DescribeEndpoint shows it (shadow variants, and the fleet being brought up). */
function fleetVariantView(region: RegionState, v: FleetVariant, pending?: { startedAt: number }): Json {
  const image = region.models.get(v.modelName.toLowerCase())?.image;
  const serverless = v.spec.ServerlessConfig;
  return {
    VariantName: v.name,
    ...(image
      ? {
          DeployedImages: [
            {
              SpecifiedImage: image,
              ResolvedImage: resolvedImage(image),
              ResolutionTime: epoch(pending?.startedAt ?? Date.now()),
            },
          ],
        }
      : {}),
    CurrentWeight: pending ? 0 : v.weight,
    DesiredWeight: v.weight,
    ...(serverless !== undefined
      ? { ...(pending ? {} : { CurrentServerlessConfig: serverless }), DesiredServerlessConfig: serverless }
      : { CurrentInstanceCount: pending ? 0 : v.instanceCount, DesiredInstanceCount: v.instanceCount }),
    ...(pending && v.instanceType ? { InstanceType: v.instanceType } : {}),
    ...(pending
      ? {
          VariantStatus: [
            {
              Status: 'Creating',
              StatusMessage: `Launching ${v.instanceCount} instance(s).`,
              StartTime: epoch(pending.startedAt),
            },
          ],
        }
      : {}),
  };
}

/**
 * What the aws profile adds to DescribeEndpoint ([BC-SM] DescribeEndpointOutput): the fleet being brought up as
 * PendingDeploymentSummary (while Creating too: "only returned when the endpoint is creating or updating with a new
 * endpoint configuration"; shape as the [ACK] testdata update_deployment_config.json shows), the serving config's
 * shadow variants, data capture and async inference settings.
 */
function awsEndpointExtras(ep: EndpointRecord, region: RegionState, body: Json): void {
  if (ep.fleet) {
    body.PendingDeploymentSummary = {
      EndpointConfigName: ep.fleet.configName,
      StartTime: epoch(ep.fleet.startedAt),
      ProductionVariants: ep.fleet.variants.map((v) => fleetVariantView(region, v, ep.fleet)),
      ...(ep.fleet.shadowVariants.length > 0
        ? { ShadowProductionVariants: ep.fleet.shadowVariants.map((v) => fleetVariantView(region, v, ep.fleet)) }
        : {}),
    };
  }
  // The settings of the config that serves (the previous one while an update is in flight).
  const servingName = ep.pending?.previousConfigName ?? ep.configName;
  const serving = ep.variants.length > 0 ? region.configs.get(servingName.toLowerCase()) : undefined;
  const capture = serving?.request.DataCaptureConfig as Json | undefined;
  if (capture) {
    const enabled = capture.EnableCapture !== false;
    body.DataCaptureConfig = {
      EnableCapture: enabled,
      CaptureStatus: enabled ? 'Started' : 'Stopped',
      CurrentSamplingPercentage: capture.InitialSamplingPercentage,
      DestinationS3Uri: capture.DestinationS3Uri,
      ...(capture.KmsKeyId !== undefined ? { KmsKeyId: capture.KmsKeyId } : {}),
    };
  }
  if (serving?.request.AsyncInferenceConfig !== undefined)
    body.AsyncInferenceConfig = serving.request.AsyncInferenceConfig;
}

const pendingView = (v: Json): Json => ({
  VariantName: v.VariantName,
  DesiredWeight: v.InitialVariantWeight,
  DesiredInstanceCount: v.InitialInstanceCount,
  InstanceType: v.InstanceType,
});

export function describeEndpointBody(ep: EndpointRecord, region: RegionState, aws = false): Json {
  const body: Json = {
    EndpointName: ep.name,
    EndpointArn: ep.arn,
    EndpointConfigName: ep.configName,
    EndpointStatus: ep.status,
    CreationTime: epoch(ep.createdAt),
    LastModifiedTime: epoch(ep.modifiedAt),
  };
  // A creating (or failed-to-create) endpoint has no production variants yet.
  if (ep.variants.length > 0) body.ProductionVariants = ep.variants.map(variantView);
  // [BC-SM] DescribeEndpointOutput.ShadowProductionVariants: ProductionVariantSummary objects, as production's.
  if (ep.shadows.length > 0) body.ShadowProductionVariants = ep.shadows.map(variantView);
  if (ep.failureReason !== undefined) body.FailureReason = ep.failureReason;
  if (aws) {
    awsEndpointExtras(ep, region, body);
  } else if (ep.pending) {
    const pendingConfig = region.configs.get(ep.pending.configName.toLowerCase());
    body.PendingDeploymentSummary = {
      EndpointConfigName: ep.pending.configName,
      StartTime: epoch(ep.modifiedAt),
      ProductionVariants: (pendingConfig?.variants ?? []).map(pendingView),
      ...(pendingConfig && pendingConfig.shadowVariants.length > 0
        ? { ShadowProductionVariants: pendingConfig.shadowVariants.map(pendingView) }
        : {}),
    };
  }
  return body;
}

const describeEndpoint: Handler = (ctx, region, input) => {
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

const updateEndpoint: Handler = (ctx, region, input) => {
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

/** The weights after a change, for the request log: production variants, then shadows (their sampling weight). */
const weightsDetail = (ep: EndpointRecord) =>
  `weights ${[...ep.variants, ...ep.shadows].map((v) => `${v.name}=${v.desiredWeight}`).join(',')}`;

const updateEndpointWeightsAndCapacities: Handler = (ctx, region, input) => {
  const name = requireName(input, 'EndpointName', 'endpointName');
  const ep = getEndpoint(ctx, region, name);
  const desired = input.DesiredWeightsAndCapacities;
  if (!Array.isArray(desired) || desired.length === 0) {
    throw validation(
      "1 validation error detected: Value '[]' at 'desiredWeightsAndCapacities' failed to satisfy constraint: " +
        'Member must have length greater than or equal to 1',
    );
  }
  if (ep.status === 'Failed') {
    throw validation(`Cannot update endpoint "${ep.arn}" because it is in Failed state.`);
  }
  if (ep.status !== 'InService') throw inProgress(ep);
  const missing = desired.map((d) => String((d as Json).VariantName)).filter((v) => !ep.byName.has(v));
  if (missing.length > 0) {
    throw validation(
      `The variant name(s) "[${missing.join(', ')}]" is/are not present within endpoint configuration ` +
        `"${ep.configName}".`,
    );
  }
  desired.forEach((raw, i) => {
    const d = raw as Json;
    const member = `desiredWeightsAndCapacities.${i + 1}.member`;
    if (
      d.DesiredWeight === undefined &&
      d.DesiredInstanceCount === undefined &&
      d.ServerlessUpdateConfig === undefined
    ) {
      throw validation(`Either DesiredWeight or DesiredInstanceCount must be specified for variant ${d.VariantName}.`);
    }
    if (d.DesiredWeight !== undefined && !(typeof d.DesiredWeight === 'number' && d.DesiredWeight >= 0)) {
      throw validation(
        `1 validation error detected: Value '${d.DesiredWeight}' at '${member}.desiredWeight' failed to satisfy ` +
          'constraint: Member must have value greater than or equal to 0',
      );
    }
    if (
      d.DesiredInstanceCount !== undefined &&
      !(
        typeof d.DesiredInstanceCount === 'number' &&
        Number.isInteger(d.DesiredInstanceCount) &&
        d.DesiredInstanceCount >= 1
      )
    ) {
      throw validation(
        `1 validation error detected: Value '${d.DesiredInstanceCount}' at '${member}.desiredInstanceCount' failed ` +
          'to satisfy constraint: Member must have value greater than or equal to 1',
      );
    }
  });
  if (ctx.aws) {
    changeWeightsAndCapacities(
      ctx,
      region,
      ep,
      desired.map((raw) => {
        const d = raw as Json;
        return {
          variant: String(d.VariantName),
          ...(typeof d.DesiredWeight === 'number' ? { weight: d.DesiredWeight } : {}),
          ...(typeof d.DesiredInstanceCount === 'number' ? { instanceCount: d.DesiredInstanceCount } : {}),
        };
      }),
      undefined,
      () => ctx.faults.takeCapacityUpdateFailure(ep.name),
    );
    return {
      body: { EndpointArn: ep.arn },
      changed: true,
      endpointName: ep.name,
      resourceName: ep.name,
      detail: weightsDetail(ep),
    };
  }
  const failureReason = ctx.faults.takeCapacityUpdateFailure(ep.name);
  for (const raw of desired) {
    const d = raw as Json;
    const v = ep.byName.get(String(d.VariantName))!;
    if (typeof d.DesiredWeight === 'number') v.desiredWeight = d.DesiredWeight;
    if (typeof d.DesiredInstanceCount === 'number') v.desiredInstanceCount = d.DesiredInstanceCount;
  }
  ep.status = 'Updating';
  ep.failureReason = undefined;
  ep.modifiedAt = Date.now();
  const token = ++ep.token;
  const delay = ctx.faults.endpoint(ep.name)?.updateDelayMs ?? ctx.delays().updateMs;
  ctx.timers.after(delay, () => {
    if (ep.token !== token || region.endpoints.get(ep.name.toLowerCase()) !== ep) return;
    if (failureReason !== undefined) return failCapacityUpdate(ep, failureReason);
    for (const v of ep.byName.values()) {
      v.currentWeight = v.desiredWeight;
      v.currentInstanceCount = v.desiredInstanceCount;
    }
    ep.status = 'InService';
    ep.modifiedAt = Date.now();
    rebuildRouting(ep);
  });
  return {
    body: { EndpointArn: ep.arn },
    changed: true,
    endpointName: ep.name,
    resourceName: ep.name,
    detail: weightsDetail(ep),
  };
};

export interface CapacityChange {
  variant: string;
  weight?: number;
  instanceCount?: number;
}

/**
 * An accepted UpdateEndpointWeightsAndCapacities that failed (the capacityUpdateFails fault): nothing of it took effect,
 * and the endpoint is InService on what it had, with the FailureReason until the next update ([BC-SM] DescribeEndpoint
 * FailureReason: "If the status of the endpoint is Failed, or the status is InService but update operation fails, this
 * provides the reason why it failed"; aws-controllers-k8s/sagemaker-controller#7: "If an update fails, the endpoint
 * goes back to InService state with a FailureReason about the error").
 */
function failCapacityUpdate(ep: EndpointRecord, reason: string): void {
  for (const v of ep.byName.values()) {
    v.desiredWeight = v.currentWeight;
    v.desiredInstanceCount = v.currentInstanceCount;
  }
  ep.status = 'InService';
  ep.failureReason = reason;
  ep.modifiedAt = Date.now();
}

/**
 * The aws profile's UpdateEndpointWeightsAndCapacities (also how Application Auto Scaling scales a variant): checked
 * against the instance quotas at once, then the endpoint is Updating while each part takes its time ([BC-SM]
 * EndpointStatus "Updating: UpdateEndpoint or UpdateEndpointWeightsAndCapacities is executing"): new instances take
 * their type's provisioning time, removing instances awsBehaviour.scaleInSeconds, a weight change
 * awsBehaviour.weightChangeSeconds. InService again when all parts are done; `onDone` hears of it. Once the update
 * is accepted (within the quotas), `takeFailure` says whether it is to fail (the capacityUpdateFails fault): then no
 * part takes effect, and when the last would have, an autoscaled endpoint is RollingBack (for a weight change's time:
 * AWS gives no duration)
 * ([BC-SM] EndpointStatus: "RollingBack: Endpoint fails to scale up or down or change its variant weight and is in
 * the process of rolling back to its previous configuration … only applies to an endpoint that has autoscaling
 * enabled"), then the update has failed (failCapacityUpdate).
 */
export function changeWeightsAndCapacities(
  ctx: EmulatorContext,
  region: RegionState,
  ep: EndpointRecord,
  changes: CapacityChange[],
  onDone?: () => void,
  takeFailure: () => string | undefined = () => undefined,
): void {
  const delta = new Map<string, number>();
  for (const c of changes) {
    const v = ep.byName.get(c.variant);
    if (!v || c.instanceCount === undefined || !v.instanceType) continue;
    const more = c.instanceCount - Math.max(v.currentInstanceCount, v.desiredInstanceCount);
    if (more > 0) delta.set(v.instanceType, (delta.get(v.instanceType) ?? 0) + more);
  }
  checkInstanceQuotas(ctx, region, delta);
  const failureReason = takeFailure();
  const behaviour = ctx.config.awsBehaviour;
  const override = ctx.faults.endpoint(ep.name)?.updateDelayMs;
  const parts: { afterMs: number; apply: () => void }[] = [];
  for (const c of changes) {
    const v = ep.byName.get(c.variant)!;
    if (c.weight !== undefined) {
      v.desiredWeight = c.weight;
      parts.push({
        afterMs: ctx.scaled(behaviour.weightChangeSeconds * 1000),
        apply: () => (v.currentWeight = v.desiredWeight),
      });
    }
    if (c.instanceCount !== undefined) {
      const growing = c.instanceCount > v.currentInstanceCount;
      v.desiredInstanceCount = c.instanceCount;
      const seconds = growing ? provisioningSeconds(behaviour, v.instanceType) : behaviour.scaleInSeconds;
      parts.push({
        afterMs: ctx.scaled(seconds * 1000),
        apply: () => (v.currentInstanceCount = v.desiredInstanceCount),
      });
    }
  }
  ep.status = 'Updating';
  ep.failureReason = undefined;
  ep.modifiedAt = Date.now();
  const token = ++ep.token;
  const current = () => ep.token === token && region.endpoints.get(ep.name.toLowerCase()) === ep; // not deleted meanwhile
  let left = parts.length;
  const finish = () => {
    ep.status = 'InService';
    ep.modifiedAt = Date.now();
    rebuildRouting(ep);
    onDone?.();
  };
  const fail = (reason: string) => {
    if (scalableVariantsOf(region, ep.name).length === 0) return failCapacityUpdate(ep, reason);
    ep.status = 'RollingBack';
    ep.modifiedAt = Date.now();
    ctx.timers.after(ctx.scaled(behaviour.weightChangeSeconds * 1000), () => {
      if (current()) failCapacityUpdate(ep, reason);
    });
  };
  if (left === 0) {
    ctx.timers.after(ctx.scaled(behaviour.weightChangeSeconds * 1000), () => {
      if (current()) finish();
    });
    return;
  }
  for (const part of parts) {
    ctx.timers.after(override ?? part.afterMs, () => {
      if (!current()) return;
      if (failureReason === undefined) {
        part.apply();
        rebuildRouting(ep);
      }
      if (--left > 0) return;
      if (failureReason === undefined) finish();
      else fail(failureReason);
    });
  }
}

const deleteEndpoint: Handler = (ctx, region, input) => {
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

// ---------------------------------------------------------------------------------------------------------------
// Lists

const listEndpoints: Handler = (_ctx, region, input) => ({
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

const listModels: Handler = (_ctx, region, input) => ({
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

const listEndpointConfigs: Handler = (_ctx, region, input) => ({
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
