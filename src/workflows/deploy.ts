// Deploy: the candidate's model, then either a new endpoint serving it alone (first deployment) or a two-variant
// config with the baseline at 100% and the candidate at weight 0 until the first step.
import type { EndpointConfigSettings, ProductionVariant } from '../activities';
import { quick } from './activities';
import type { RolloutContext } from './context';
import { waitForEndpoint } from './endpoint';
import {
  candidateInstances,
  candidateNetwork,
  candidateSize,
  holdBaselineScaleIn,
  noteInstances,
  planCapacity,
} from './capacity';
import { abDataCapture } from './live-quality';
import { candidateModel } from './registry';
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

export async function deploy(ctx: RolloutContext): Promise<Deployed> {
  ctx.setPhase('deploying');
  abDataCapture(ctx); // a live-quality rollout without data capture to read stops here, before any change
  planCapacity(ctx);
  await holdBaselineScaleIn(ctx);
  const c = ctx.spec.candidate;
  if (ctx.preflight!.createModel) {
    ctx.recordCreated('model', c.modelName); // recorded first: a lost response still gets cleaned up
    await quick.createModel({ ...candidateModel(ctx), ...candidateNetwork(ctx), region: ctx.region });
  }
  return ctx.baselineName ? await deployBesideBaseline(ctx) : await createEndpoint(ctx);
}

/** First deployment: the candidate is the only variant, created with the endpoint. */
async function createEndpoint(ctx: RolloutContext): Promise<Deployed> {
  const configName = endpointConfigName(ctx.endpointName, ctx.rolloutId, 'initial');
  ctx.recordCreated('endpointConfig', configName);
  await quick.createEndpointConfig({ configName, variants: [candidateVariant(ctx, 100)], region: ctx.region });
  ctx.recordCreated('endpoint', ctx.endpointName);
  await quick.createEndpoint({ ...ctx.where, configName });
  const view = await waitForEndpoint(ctx, 'creating the endpoint', 'config');
  if (view?.status !== 'InService') {
    return {
      ok: false,
      reason: `the new endpoint did not come up: ${view?.failureReason ?? view?.status ?? 'missing'}`,
    };
  }
  ctx.state.weights = { [ctx.candidateName]: 100 };
  ctx.decide('deployed', 'model-rollout', `created endpoint ${ctx.endpointName} serving ${ctx.candidateName}`);
  return { ok: true };
}

/** Beside the baseline: a new config with both variants, the candidate at weight 0 until the first step. */
async function deployBesideBaseline(ctx: RolloutContext): Promise<Deployed> {
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
