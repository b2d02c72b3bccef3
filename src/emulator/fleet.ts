/**
 * Fleets and instance quotas in the aws profile.
 *
 * [BC-SM] UpdateEndpoint: "Deploys the EndpointConfig specified in the request to a new fleet of instances. SageMaker
 * shifts endpoint traffic to the new instances … and then deletes the old instances using the previous
 * EndpointConfig", so while an update runs the account holds both fleets. Instance quotas ("<type> for endpoint
 * usage", Service Quotas) count every instance of every endpoint of the region, old and new fleets alike; a request
 * beyond one answers ResourceLimitExceeded synchronously with AWS's message (aws-samples/aws-genai-llm-chatbot#244,
 * aws-samples/sagemaker-custom-project-templates#51).
 */
import { provisioningSeconds } from './aws-behaviour';
import { AwsError, validation } from './errors';
import type { EmulatorContext, EndpointConfigRecord, EndpointRecord, FleetVariant, Json, RegionState } from './state';

/** Which retained properties an UpdateEndpoint keeps from the live variants ([BC-SM] UpdateEndpointInput). */
export interface Retention {
  weight: boolean;
  instanceCount: boolean;
}

/**
 * RetainAllVariantProperties (default false) keeps each same-named variant's weight and instance count;
 * ExcludeRetainedVariantProperties lists the ones taken from the new config instead ([BC-SM] VariantProperty:
 * DesiredInstanceCount, DesiredWeight; DataCaptureConfig "Not currently supported"). The kept values are the live
 * Desired ones: "updated with the most recent DesiredInstanceCount from the response from the call to
 * DescribeEndpoint" ([DG-AS]).
 */
export function retentionOf(input: Json): Retention {
  if (input.RetainAllVariantProperties !== true) return { weight: false, instanceCount: false };
  const excluded = new Set(
    (Array.isArray(input.ExcludeRetainedVariantProperties) ? input.ExcludeRetainedVariantProperties : []).map(
      (p) => (p as Json)?.VariantPropertyType,
    ),
  );
  return { weight: !excluded.has('DesiredWeight'), instanceCount: !excluded.has('DesiredInstanceCount') };
}

function planVariant(v: Json, live: EndpointRecord | undefined, keep: Retention): FleetVariant {
  const name = String(v.VariantName);
  const serverless = v.ServerlessConfig !== undefined;
  const current = live?.byName.get(name);
  return {
    name,
    modelName: String(v.ModelName),
    ...(serverless || typeof v.InstanceType !== 'string' ? {} : { instanceType: v.InstanceType }),
    instanceCount: serverless
      ? 0
      : keep.instanceCount && current
        ? current.desiredInstanceCount
        : Number(v.InitialInstanceCount ?? 1),
    weight: keep.weight && current ? current.desiredWeight : Number(v.InitialVariantWeight ?? 1),
    spec: v,
  };
}

/** The fleet a config asks for, with the live endpoint's retained properties where asked. */
export function planFleet(
  config: EndpointConfigRecord,
  live: EndpointRecord | undefined,
  keep: Retention = { weight: false, instanceCount: false },
): { variants: FleetVariant[]; shadowVariants: FleetVariant[] } {
  // A same-named live variant's properties are retained whichever list it is in (a promoted shadow keeps its own).
  return {
    variants: config.variants.map((v) => planVariant(v, live, keep)),
    shadowVariants: config.shadowVariants.map((v) => planVariant(v, live, keep)),
  };
}

function add(counts: Map<string, number>, type: string | undefined, n: number): void {
  if (type === undefined || n <= 0) return;
  counts.set(type, (counts.get(type) ?? 0) + n);
}

/** Instances per type the region's endpoints hold now: serving fleets (scaling ones at their larger count) and fleets being brought up. */
export function instancesInUse(region: RegionState): Map<string, number> {
  const counts = new Map<string, number>();
  for (const ep of region.endpoints.values()) {
    for (const v of [...ep.variants, ...ep.shadows]) {
      if (v.spec?.ServerlessConfig !== undefined) continue;
      add(counts, v.instanceType, Math.max(v.currentInstanceCount, v.desiredInstanceCount));
    }
    for (const v of [...(ep.fleet?.variants ?? []), ...(ep.fleet?.shadowVariants ?? [])]) {
      add(counts, v.instanceType, v.instanceCount);
    }
  }
  return counts;
}

/** Instances per type a fleet needs. */
export function fleetInstances(fleet: {
  variants: FleetVariant[];
  shadowVariants: FleetVariant[];
}): Map<string, number> {
  const counts = new Map<string, number>();
  for (const v of [...fleet.variants, ...fleet.shadowVariants]) add(counts, v.instanceType, v.instanceCount);
  return counts;
}

/** Throws ResourceLimitExceeded when adding `delta` instances would pass a configured quota. */
export function checkInstanceQuotas(ctx: EmulatorContext, region: RegionState, delta: Map<string, number>): void {
  const inUse = instancesInUse(region);
  for (const [type, n] of delta) {
    const limit = ctx.config.quotas[type];
    if (limit === undefined || n <= 0) continue;
    const used = inUse.get(type) ?? 0;
    if (used + n > limit) {
      throw new AwsError(
        'ResourceLimitExceeded',
        `The account-level service limit '${type} for endpoint usage' is ${limit} Instances, with current ` +
          `utilization of ${used} Instances and a request delta of ${n} Instances. Please use AWS Service Quotas to ` +
          'request an increase for this quota. If AWS Service Quotas is not available, contact AWS support to request ' +
          'an increase for this quota.',
      );
    }
  }
}

/** How long (ms, scaled) a fleet takes to come up: its slowest instance type. */
export function fleetProvisioningMs(
  ctx: EmulatorContext,
  fleet: { variants: FleetVariant[]; shadowVariants: FleetVariant[] },
): number {
  const all = [...fleet.variants, ...fleet.shadowVariants];
  const seconds = Math.max(0, ...all.map((v) => provisioningSeconds(ctx.config.awsBehaviour, v.instanceType)));
  return ctx.scaled(seconds * 1000);
}

/** [BC-SM] ShadowProductionVariants: "If you use this field, you can only specify one variant for ProductionVariants and one variant for ShadowProductionVariants." */
export function checkShadowVariants(input: Json): void {
  if (input.ShadowProductionVariants === undefined) return;
  const shadow = input.ShadowProductionVariants;
  const production = Array.isArray(input.ProductionVariants) ? input.ProductionVariants : [];
  if (!Array.isArray(shadow) || shadow.length !== 1 || production.length !== 1) {
    throw validation(
      'When ShadowProductionVariants is specified, ProductionVariants and ShadowProductionVariants must each hold exactly one variant.',
    );
  }
}
