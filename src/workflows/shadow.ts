// Shadow steps on the endpoint: before any caller is answered by the candidate, it runs as a SageMaker shadow variant
// beside the baseline. The first config holds the baseline as the only production variant (serving 100%) and the
// candidate in ShadowProductionVariants, its InitialVariantWeight the mirrored share: SageMaker copies the shadow's
// weight over the production variant's share of the requests to it and drops its answers (AWS's shadow example,
// aws/amazon-sagemaker-examples archived/shadow-console/Shadow_variant.ipynb: weights 1 and 0.5 "to sample and send
// 50% of the production variant requests to the shadow variant"; the developer guide's shadow tests: "Only the
// responses of the production variant are returned to the calling application"). The baseline's weight is 100, so a
// step's candidateWeight is the shadow's weight as it is. Data capture of both variants gives the paired answers.
//
// A failing shadow step rolls back (finish.ts) to the original config before any caller got an answer from the
// candidate. A passing one goes on to the live steps through the A/B config (ab-config.ts): an UpdateEndpoint, so the
// fleet moves ([BC-SM] UpdateEndpoint "Deploys the EndpointConfig … to a new fleet of instances"): both variants come
// up on new instances beside the old ones for the minutes the update takes, about 2N + 2M instances at the peak for a
// baseline of N and a candidate of M (docs/production.md). SageMaker has no in-place way to turn a shadow into a
// production variant: a config may hold only one production variant beside a shadow ([BC-SM]
// ShadowProductionVariants), and the candidate must be routed beside the baseline.
import { ApplicationFailure } from '@temporalio/workflow';
import { quick } from './activities';
import { failedUpdate } from './capacity';
import type { RolloutContext } from './context';
import { emptyEvidence, type RollbackNow } from './context';
import { candidateVariant, deployBesideBaseline, originalSettings, type Deployed } from './ab-config';
import { setWeights, waitForEndpoint } from './endpoint';
import { abDataCapture } from './live-quality';
import { endpointConfigName } from './names';
import { shadowCaptureUri, shadowHasLabels } from './shadow-evidence';
import { isShadowStep } from '../schema/phases';

/** Whether the rollout starts with shadow steps (the spec puts them first, and only beside a baseline). */
export function startsInShadow(ctx: RolloutContext): boolean {
  return ctx.baselineName !== null && isShadowStep(ctx.spec.steps[0]);
}

/**
 * The shadow config's data capture: the spec's traffic.capture, else the endpoint's own (it must record output). A
 * rollout without either stops here, before any change: the shadow's answers would go nowhere the rollout can read.
 */
export function shadowDataCapture(ctx: RolloutContext) {
  const capture = abDataCapture(ctx);
  const modes = (capture?.CaptureOptions ?? []).map((o) => o.CaptureMode);
  if (!capture || capture.EnableCapture === false || !(modes.includes('Output') || modes.includes('InputAndOutput'))) {
    throw ApplicationFailure.nonRetryable(
      "steps[0].shadow: a shadow step compares the candidate's answers with the baseline's from data capture, and " +
        `the endpoint's config ${capture ? 'does not capture model output' : 'has no data capture'}: add ` +
        'traffic.capture { "s3Uri": … } to the spec',
      'InvalidRollout',
    );
  }
  return capture;
}

/** Deploys the candidate as the baseline's shadow, mirroring the first step's share. */
export async function deployShadow(ctx: RolloutContext): Promise<Deployed> {
  const pre = ctx.preflight!;
  const share = ctx.spec.steps[0].candidateWeight;
  const capture = shadowDataCapture(ctx);
  const configName = endpointConfigName(ctx.endpointName, ctx.rolloutId, 'shadow');
  ctx.recordCreated('endpointConfig', configName);
  await quick.createEndpointConfig({
    configName,
    variants: [{ ...pre.baselineVariant!, InitialVariantWeight: 100 }],
    settings: {
      ...originalSettings(ctx).settings,
      DataCaptureConfig: capture,
      ShadowProductionVariants: [candidateVariant(ctx, share)],
    },
    region: ctx.region,
  });
  await quick.updateEndpoint({ ...ctx.where, configName });
  const view = await waitForEndpoint(ctx, 'deploying the candidate as a shadow of the baseline', 'config');
  if (!view || view.status !== 'InService' || view.configName !== configName) {
    return {
      ok: false,
      reason: `deploying the shadow failed: ${view?.failureReason ?? `endpoint is ${view?.status ?? 'missing'}`}`,
    };
  }
  ctx.state.weights = ctx.weightsOf(view);
  setShadowStatus(ctx, share);
  const quality = shadowHasLabels(ctx)
    ? ''
    : '; quality is not judged in the shadow steps: no labels (one-row traffic.replay or traffic.groundTruth)';
  ctx.decide(
    'deployed',
    'model-rollout',
    `${ctx.candidateName} deployed as a shadow of ${ctx.baselineName}: ${share}% of its requests mirrored, every ` +
      `caller answered by ${ctx.baselineName}; both captured to ${shadowCaptureUri(ctx)}${quality}`,
  );
  return { ok: true };
}

function setShadowStatus(ctx: RolloutContext, share: number): void {
  ctx.state.shadow = {
    variantName: ctx.candidateName,
    mirroredPercent: share,
    pairs: ctx.state.shadow?.pairs ?? 0,
    labelledPairs: ctx.state.shadow?.labelledPairs ?? 0,
    baselineOnly: ctx.state.shadow?.baselineOnly ?? 0,
    pairedThrough: ctx.state.shadow?.pairedThrough ?? null,
  };
}

/**
 * Moves the endpoint to step `index`: a shadow step sets the mirrored share (the shadow's weight, in seconds); the
 * first live step after shadow steps moves to the A/B config first, and the live steps' evidence starts afresh (the
 * candidate goes live only now); a live step sets the weights, as always.
 */
export async function shiftForStep(ctx: RolloutContext, index: number): Promise<RollbackNow | null> {
  const step = ctx.spec.steps[index];
  if (isShadowStep(step)) {
    if (ctx.state.shadow?.mirroredPercent !== step.candidateWeight) {
      await quick.setWeights({ ...ctx.where, weights: { [ctx.candidateName]: step.candidateWeight } });
      const view = await waitForEndpoint(
        ctx,
        `mirroring ${step.candidateWeight}% of requests to the shadow`,
        'weights',
      );
      if (view?.status !== 'InService') {
        return ctx.rollbackNow(`setting the shadow's share failed: endpoint is ${view?.status ?? 'missing'}`);
      }
      const failed = failedUpdate(view, { [ctx.candidateName]: step.candidateWeight }, (v) => v.currentWeight);
      if (failed) return ctx.rollbackNow(`setting the shadow's share to ${step.candidateWeight}%: ${failed}`);
      setShadowStatus(ctx, step.candidateWeight);
    }
    return null;
  }
  if (index > 0 && isShadowStep(ctx.spec.steps[index - 1])) {
    const live = await deployBesideBaseline(ctx);
    if (!live.ok) return ctx.rollbackNow(`moving from the shadow to the live steps failed: ${live.reason}`);
    delete ctx.state.shadow;
    ctx.evidence = emptyEvidence(ctx.evidence.replayRow);
  }
  await setWeights(ctx, step.candidateWeight);
  return null;
}
