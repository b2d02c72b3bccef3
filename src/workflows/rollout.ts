// The rollout, told as a story: preflight → deploy the candidate beside the baseline (or as its shadow, for shadow
// steps) → for each step {shift weights, soak, evaluate, gate} → bake (promotion.bake) → promote or roll back → clean
// up. Each part lives in a room of its own around one RolloutContext (context.ts); this file is the entry and the
// story's outline.
//
// Deterministic workflow code: every AWS call is an activity, every statistic a pure src/analysis function.
import {
  ApplicationFailure,
  CancellationScope,
  ContinueAsNew,
  isCancellation,
  patched,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { PreflightResult } from '../activities';
import type { RolloutSpec } from '../schema';
import { durationMs } from '../schema/duration';
import { bakeOf } from '../schema/phases';
import { quick, recorded } from './activities';
import { initialStatus, RollbackNow, RolloutContext, type Ending } from './context';
import { bakeThenPromote } from './bake';
import { restore, type Continuation } from './continue-as-new';
import { deploy } from './deploy';
import { waitForEndpoint } from './endpoint';
import { failureMessage, failureType, promote, rollBack } from './finish';
import { installHandlers } from './handlers';
import { notify, settleNotifications } from './notify';
import { evaluationsQuery, rolloutWorkflowId, statusQuery, type RolloutResult } from './shared';
import { recordVerdict } from './registry';
import { runStep } from './step';

/**
 * @param input the rollout spec, as users start it (`temporal workflow start --input-file spec.json`)
 * @param continued what the previous run carried when this run continues a long rollout (continue-as-new.ts)
 */
export async function modelRollout(input: unknown, continued?: Continuation): Promise<RolloutResult> {
  const info = workflowInfo();
  if (continued) {
    // The previous run validated the spec; this run takes the story up where it was.
    const ctx = new RolloutContext(input as RolloutSpec, continued.rolloutId);
    restore(ctx, continued);
    installHandlers(ctx);
    return await run(ctx);
  }
  // The guardrails' design, chosen once at the start (issue 21 changed how the same evidence is judged): a rollout an
  // older worker started replays without the marker and keeps design 1; its continuations carry it. Asked before
  // the first await: after the validation's local activity, a worker replaying the history from the start (after a
  // crash) met the marker in a later activation than the call and failed with TMPRL1100 (crash.test.ts caught it).
  const guardrailDesign = patched(GUARDRAIL_DESIGN_4_PATCH)
    ? 4
    : patched(GUARDRAIL_DESIGN_3_PATCH)
      ? 3
      : patched(GUARDRAIL_DESIGN_PATCH)
        ? 2
        : 1;
  // Queries are answered from the first moment; signals sent meanwhile wait in Temporal until the rollout's
  // handlers are set (after validation), so none is lost.
  const named = (input as { endpointName?: unknown } | null)?.endpointName;
  const early = initialStatus(typeof named === 'string' ? named : '', 0);
  setHandler(statusQuery, () => early);
  setHandler(evaluationsQuery, () => []);
  const spec = await validated(input);
  const expectedId = rolloutWorkflowId(spec.endpointName);
  if (info.workflowId !== expectedId) {
    throw ApplicationFailure.nonRetryable(
      `workflow id must be "${expectedId}" (one rollout per endpoint at a time): start it with --workflow-id ${expectedId}`,
      'InvalidSpec',
    );
  }
  const ctx = new RolloutContext(spec, info.runId);
  ctx.guardrailDesign = guardrailDesign;
  installHandlers(ctx);
  return await run(ctx);
}

/**
 * The patch that selects guardrail design 2 (GuardrailConfig.design: the pass bound at the spec's power, error spending
 * alpha·√t, the label-free guard's centred indicators, paired latency per minute).
 */
export const GUARDRAIL_DESIGN_PATCH = 'guardrail-design-2';

/**
 * The patch that selects guardrail design 3 (design 2, with each rate and quality guardrail's error spending on its
 * information fraction as well as the soak, and latency's group-sequential test over the steps' soak). A rollout
 * started before it replays with design 2's marker alone, one started before design 2 with neither.
 */
export const GUARDRAIL_DESIGN_3_PATCH = 'guardrail-design-3';

/**
 * The patch that selects guardrail design 4 (design 3, with an error-spending pass boundary beside the fail boundary:
 * verdict.ts judgeComparison). Asked first of the three: a rollout started before it replays with design 3's
 * marker.
 */
export const GUARDRAIL_DESIGN_4_PATCH = 'guardrail-design-4';

/** The spec with its defaults, or the workflow fails with the field-by-field message before any AWS call. */
async function validated(input: unknown): Promise<RolloutSpec> {
  try {
    return await quick.validateSpec(input);
  } catch (err) {
    // A local activity's failure arrives unwrapped (finish.ts failureType).
    if (failureType(err) === 'InvalidSpec') throw ApplicationFailure.nonRetryable(failureMessage(err), 'InvalidSpec');
    throw err;
  }
}

async function run(ctx: RolloutContext): Promise<RolloutResult> {
  ctx.searchAttributes = await quick.searchAttributesAvailable();
  if (!ctx.preflight) {
    ctx.setPhase('preflight');
    // Read-only checks first: a missing endpoint or model fails here, having changed nothing.
    ctx.setPreflight(await preflightWhenSettled(ctx));
    for (const note of ctx.preflight!.notes ?? []) ctx.decide('preflight', 'model-rollout', note);
  }

  let ending: Ending;
  try {
    ending = await deployAndStep(ctx);
  } catch (err) {
    if (err instanceof ContinueAsNew) throw err; // this run hands over to the next; nothing ends
    const why = isCancellation(err) ? 'the workflow was cancelled' : `the rollout failed: ${failureMessage(err)}`;
    ending = await CancellationScope.nonCancellable(() => rollBack(ctx, 'model-rollout', why));
  }
  // A cancelled workflow still writes its verdict: the registry must know what happened to the version.
  await CancellationScope.nonCancellable(() => recordVerdict(ctx, ending));
  ctx.state.outcome = ending.outcome;
  ctx.state.reason = ending.reason;
  ctx.setPhase(ending.outcome === 'promoted' ? 'promoted' : 'rolled-back');
  notify(ctx, ending.outcome === 'promoted' ? 'promoted' : 'rolled-back', ending.reason);
  await settleNotifications(ctx); // an activity of a closed workflow is never delivered
  return {
    outcome: ending.outcome,
    reason: ending.reason,
    endpointName: ctx.endpointName,
    baselineVariant: ctx.baselineName,
    candidateVariant: ctx.candidateName,
    servingVariant: ending.outcome === 'promoted' ? ctx.candidateName : (ctx.baselineName ?? '(endpoint deleted)'),
    steps: ctx.state.steps,
    decisions: ctx.state.decisions,
    evaluations: ctx.evaluations,
    resources: ctx.state.resources,
    cleanupWarnings: ctx.cleanupWarnings,
    ...(ctx.state.liveQuality ? { liveQuality: ctx.state.liveQuality } : {}),
    ...(ctx.state.bake ? { bake: ctx.state.bake } : {}),
  };
}

/**
 * The preflight, after waiting a bounded time (spec.preflight.waitForInService) for an endpoint that is busy with an
 * update: autoscaling sets Updating, maintenance SystemUpdating, and neither is a reason to refuse (aws-behaviour.md
 * #22).
 */
async function preflightWhenSettled(ctx: RolloutContext): Promise<PreflightResult> {
  const check = () => recorded.preflight({ spec: ctx.spec, ...ctx.inRegion });
  try {
    return await check();
  } catch (err) {
    if (failureType(err) !== 'EndpointBusy') throw err;
    const waitFor = ctx.spec.preflight.waitForInService;
    try {
      await waitForEndpoint(ctx, 'preflight: the endpoint is busy with an update', undefined, durationMs(waitFor));
    } catch (waitErr) {
      if (failureType(waitErr) !== 'WaitTimedOut') throw waitErr;
      throw ApplicationFailure.nonRetryable(
        `endpointName: endpoint "${ctx.spec.endpointName}" stayed busy for preflight.waitForInService (${waitFor}): ${failureMessage(waitErr)}; wait for it or fix it first`,
        'InvalidRollout',
      );
    }
    return await check();
  }
}

async function deployAndStep(ctx: RolloutContext): Promise<Ending> {
  if (ctx.bake) return await bakeThenPromote(ctx); // a run continued during the bake (bake.ts)
  // A run continues as new only inside a step, so a continued run is past the deploy, in the step its progress names.
  const resumeAt = ctx.progress?.index;
  if (resumeAt === undefined) {
    const deployed = await deploy(ctx);
    if (!deployed.ok) return await rollBack(ctx, 'model-rollout', deployed.reason);
  }
  for (let i = resumeAt ?? 0; i < ctx.spec.steps.length; i++) {
    const result = await runStep(ctx, i);
    if (result instanceof RollbackNow) return await rollBack(ctx, result.by, result.why, result.identity);
  }
  // promotion.bake: the candidate serves everything while the baseline waits warm, then the promotion (bake.ts).
  return bakeOf(ctx.spec) !== undefined && ctx.baselineName ? await bakeThenPromote(ctx) : await promote(ctx);
}
