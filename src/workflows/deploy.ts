// Deploy: the candidate's model, then either a new endpoint serving it alone (first deployment), a shadow config
// (shadow steps first: shadow.ts), or the A/B config with the baseline at 100% and the candidate at weight 0 until the
// first step (ab-config.ts).
import { quick } from './activities';
import { candidateVariant, deployBesideBaseline, type Deployed } from './ab-config';
import type { RolloutContext } from './context';
import { waitForEndpoint } from './endpoint';
import { holdBaselineScaleIn } from './baseline-scaling';
import { candidateNetwork, planCapacity } from './capacity';
import { abDataCapture } from './live-quality';
import { candidateModel } from './registry';
import { endpointConfigName } from './names';
import { deployShadow, shadowDataCapture, startsInShadow } from './shadow';

export async function deploy(ctx: RolloutContext): Promise<Deployed> {
  ctx.setPhase('deploying');
  abDataCapture(ctx); // a live-quality rollout without data capture to read stops here, before any change
  if (startsInShadow(ctx)) shadowDataCapture(ctx); // so do shadow steps without capture to pair the answers
  planCapacity(ctx);
  await holdBaselineScaleIn(ctx);
  const c = ctx.spec.candidate;
  if (ctx.preflight!.createModel) {
    ctx.recordCreated('model', c.modelName); // recorded first: a lost response still gets cleaned up
    await quick.createModel({ ...candidateModel(ctx), ...candidateNetwork(ctx), region: ctx.region });
  }
  if (startsInShadow(ctx)) return await deployShadow(ctx); // shadow steps first: the candidate answers no caller yet
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
