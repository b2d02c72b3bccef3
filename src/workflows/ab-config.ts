// The A/B config: the candidate's variant beside the baseline's, in a config that keeps every setting of the one it
// replaces; deployed with the candidate at weight 0 until the first live step (at the start, or after the shadow
// steps: shadow.ts). Promotion builds its final config from the same pieces (finish.ts).
import type { EndpointConfigSettings, ProductionVariant } from '../activities';
import { quick } from './activities';
import { candidateInstances, candidateSize, noteInstances } from './capacity';
import type { RolloutContext } from './context';
import { waitForEndpoint } from './endpoint';
import { abDataCapture } from './live-quality';
import { endpointConfigName } from './names';

export type Deployed = { ok: true } | { ok: false; reason: string };

/** The candidate's variant at `weight`, sized like the baseline unless the spec says otherwise (capacity.ts). */
export function candidateVariant(ctx: RolloutContext, weight: number): ProductionVariant {
  const c = ctx.spec.candidate;
  const size = candidateSize(ctx);
  return {
    VariantName: c.variantName,
    ModelName: c.modelName,
    InstanceType: size.instanceType as ProductionVariant['InstanceType'],
    InitialInstanceCount: candidateInstances(ctx, weight),
    InitialVariantWeight: weight,
    ...size.variant,
  };
}

/**
 * The replaced config's settings (data capture, KMS key, VPC, metrics, …: every CreateEndpointConfig field but the
 * variants), for every config the rollout makes beside or instead of it (aws-behaviour.md #5).
 */
export function originalSettings(ctx: RolloutContext): { settings?: EndpointConfigSettings } {
  const settings = ctx.preflight?.originalConfig?.settings;
  return settings ? { settings } : {};
}

/** The A/B config's settings: the replaced config's, with the data capture the spec asks for (traffic.capture). */
function abSettings(ctx: RolloutContext): { settings?: EndpointConfigSettings } {
  const capture = abDataCapture(ctx);
  const { settings } = originalSettings(ctx);
  if (!capture) return settings ? { settings } : {};
  return { settings: { ...settings, DataCaptureConfig: capture } };
}

/**
 * Beside the baseline: a new config with both variants, the candidate at weight 0 until the first live step (at the
 * start, or after the shadow steps: shadow.ts).
 */
export async function deployBesideBaseline(ctx: RolloutContext): Promise<Deployed> {
  const pre = ctx.preflight!;
  const configName = endpointConfigName(ctx.endpointName, ctx.rolloutId, 'ab');
  ctx.recordCreated('endpointConfig', configName);
  await quick.createEndpointConfig({
    configName,
    variants: [{ ...pre.baselineVariant!, InitialVariantWeight: 100 }, candidateVariant(ctx, 0)],
    ...abSettings(ctx),
    region: ctx.region,
  });
  await quick.updateEndpoint({ ...ctx.where, configName });
  const view = await waitForEndpoint(ctx, 'deploying the candidate beside the baseline', 'config');
  if (!view || view.status !== 'InService' || view.configName !== configName) {
    return {
      ok: false,
      reason: `deploying the candidate failed: ${view?.failureReason ?? `endpoint is ${view?.status ?? 'missing'}`}`,
    };
  }
  ctx.state.weights = ctx.weightsOf(view);
  noteInstances(ctx, view);
  ctx.decide('deployed', 'model-rollout', `${ctx.candidateName} deployed beside ${ctx.baselineName} at weight 0`);
  return { ok: true };
}
