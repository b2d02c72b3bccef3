// The Model Registry side of a rollout whose candidate is a model package version (candidate.modelPackageArn): the
// model is created from the package, and the verdict is written back to it so the registry records what each
// version did in production. A rollout without a package never reaches this code.
import { workflowInfo } from '@temporalio/workflow';
import type { ModelToCreate } from '../activities';
import { quick } from './activities';
import type { Ending, RolloutContext } from './context';

/** The candidate's model as CreateModel takes it: from its package, or from its image and data. */
export function candidateModel(ctx: RolloutContext): ModelToCreate {
  const c = ctx.spec.candidate;
  const common = {
    modelName: c.modelName,
    executionRoleArn: c.executionRoleArn!,
    ...(c.environment ? { environment: c.environment } : {}),
  };
  return c.modelPackageArn
    ? { ...common, modelPackageName: c.modelPackageArn }
    : { ...common, image: c.image!, modelDataUrl: c.modelDataUrl! };
}

/**
 * Writes the outcome and the last evaluation's guardrails to the package. Never fails the rollout: the endpoint is
 * already safe, so a registry that cannot be written to is a warning.
 */
export async function recordVerdict(ctx: RolloutContext, ending: Ending): Promise<void> {
  const arn = ctx.spec.candidate.modelPackageArn;
  if (!arn) return;
  const last = ctx.state.lastEvaluation?.evaluation.results ?? [];
  const guardrails = Object.fromEntries(
    last.map((r) => [
      r.guardrail,
      `${r.verdict}; difference ${r.difference ?? '—'}; interval ${JSON.stringify(r.interval)}`,
    ]),
  );
  try {
    await quick.recordVerdictInRegistry({
      modelPackageArn: arn,
      ...ctx.inRegion,
      outcome: ending.outcome,
      reason: ending.reason,
      endpointName: ctx.endpointName,
      workflowId: workflowInfo().workflowId,
      guardrails,
    });
    ctx.decide('registry', 'model-rollout', `wrote the ${ending.outcome} verdict to ${arn}`);
  } catch (err) {
    ctx.cleanupWarnings.push(
      `writing the verdict to ${arn} failed: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
}
