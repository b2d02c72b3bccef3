// Rollouts of any length: a run whose history grows long continues as new, carrying everything the story needs to
// go on where it was (phase, step and its progress, weights, the ledger of created resources, decisions, pending
// approval and its deadline, pause, evidence (a shadow step's paired answers among it), signals received and not yet
// acted on, and the post-promotion bake with its reference and progress). Temporal caps a history at
// 51,200 events and 50 MB and suggests continuing as new well before (workflowInfo().continueAsNewSuggested, from the
// server's limit.historyCount.suggestContinueAsNew and limit.historySize.suggestContinueAsNew).
import { makeContinueAsNewFunc, workflowInfo } from '@temporalio/workflow';
import type { PreflightResult } from '../activities';
import type { BakeState } from './carried-state';
import type { GuardrailDesign } from '../analysis';
import type { ChangeKind, Evidence, HumanRequest, RolloutContext, StepProgress } from './context';
import { settleNotifications } from './notify';
import type { modelRollout } from './rollout';
import type { EvaluationRecord, RolloutStatus } from './shared';

/**
 * A run continues as new at the latest after this many events, whatever the server suggests (a cluster may set its
 * suggestion high): it bounds a run's history, and so its replay time after a worker restart.
 */
export const MAX_EVENTS_PER_RUN = 10_000;

/** What one run hands the next: the spec is passed beside it, already validated. */
export interface Continuation {
  /** The shape's version: a new worker reads what an older one carried. */
  version: 1;
  /** The first run's id: names of what the rollout creates stay the same across runs. */
  rolloutId: string;
  state: RolloutStatus;
  evaluations: EvaluationRecord[];
  evidence: Evidence;
  progress: StepProgress | null;
  preflight?: PreflightResult;
  settleMs: Partial<Record<ChangeKind, number>>;
  cleanupWarnings: string[];
  rollbackRequest: (HumanRequest & { reason: string }) | null;
  approval: HumanRequest | null;
  /** How many runs came before this one's (1 for the first continuation). */
  runs: number;
  /** The post-promotion bake, when the run continued during it (absent in what older workers carried). */
  bake?: BakeState;
  /** The guardrails' design the rollout started with; absent (an older worker's continuation): design 1. */
  guardrailDesign?: GuardrailDesign;
}

export function continueAsNewSuggested(): boolean {
  const info = workflowInfo();
  return info.continueAsNewSuggested || info.historyLength >= MAX_EVENTS_PER_RUN;
}

/** Continues as new when the history is long; called only where no activity or timer of the story is in flight. */
export async function continueAsNewIfDue(ctx: RolloutContext): Promise<void> {
  if (!continueAsNewSuggested() || ctx.isFinishing()) return;
  // A webhook message still in flight would die with this run, and the next run does not send it again.
  await settleNotifications(ctx);
  const info = workflowInfo();
  ctx.runs++;
  const next = makeContinueAsNewFunc<typeof modelRollout>({
    memo: info.memo,
    typedSearchAttributes: info.typedSearchAttributes,
  });
  await next(ctx.spec, toContinuation(ctx));
}

function toContinuation(ctx: RolloutContext): Continuation {
  return {
    version: 1,
    rolloutId: ctx.rolloutId,
    state: ctx.state,
    evaluations: ctx.evaluations,
    evidence: ctx.evidence,
    progress: ctx.progress,
    ...(ctx.preflight ? { preflight: ctx.preflight } : {}),
    settleMs: ctx.settleMs,
    cleanupWarnings: ctx.cleanupWarnings,
    rollbackRequest: ctx.rollbackRequest,
    approval: ctx.approval,
    runs: ctx.runs,
    ...(ctx.bake ? { bake: ctx.bake } : {}),
    guardrailDesign: ctx.guardrailDesign,
  };
}

/** Puts a continuation back into a fresh context (the inverse of toContinuation). */
export function restore(ctx: RolloutContext, c: Continuation): void {
  if (c.version !== 1) throw new Error(`cannot continue a rollout carried in version ${String(c.version)}`);
  Object.assign(ctx.state, c.state);
  ctx.evaluations.push(...c.evaluations);
  ctx.evidence = c.evidence;
  ctx.progress = c.progress;
  if (c.preflight) ctx.preflight = c.preflight;
  ctx.settleMs = c.settleMs;
  ctx.cleanupWarnings.push(...c.cleanupWarnings);
  ctx.rollbackRequest = c.rollbackRequest;
  ctx.approval = c.approval;
  ctx.runs = c.runs;
  ctx.bake = c.bake ?? null;
  ctx.guardrailDesign = c.guardrailDesign ?? 1;
}
