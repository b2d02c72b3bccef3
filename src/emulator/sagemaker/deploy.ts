// Bringing a config's variants up on an endpoint (CreateEndpoint, UpdateEndpoint): every container started (image
// check, artifact load) while the transition delay runs, then the endpoint's status machine moves on.
import { createHash } from 'node:crypto';
import { checkImage, DeployError } from '../model-loader';
import {
  arn,
  type EmulatorContext,
  type EndpointConfigRecord,
  type EndpointRecord,
  type FleetVariant,
  type Json,
  type LiveVariant,
  type PendingFleet,
  type RegionState,
} from '../state';

/** Routing takes only production variants; byName holds the shadows too (they scale and take weights). */
export function rebuildRouting(ep: EndpointRecord): void {
  ep.byName = new Map([...ep.variants, ...ep.shadows].map((v) => [v.name, v]));
  let total = 0;
  ep.cumulative = ep.variants.map((v) => (total += Math.max(0, v.currentWeight)));
  ep.totalWeight = total;
}

export function resolvedImage(image: string): string {
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

export function deploy(
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
