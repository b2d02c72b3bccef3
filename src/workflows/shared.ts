// The public contract of the rollout workflow, defined once and imported by the workflow, the worker, the CLI and
// the tests: names, signals, updates, the status query, and the shapes of status and result.
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import type { ApproveSignal, PauseSignal, ResumeSignal, RollbackSignal } from '../schema/signals';
import type { NotificationEvent } from '../schema/notifications';
import type { Evaluation, VariantSummary } from '../analysis';

export type { VariantSummary };

export const WORKFLOW_TYPE = 'modelRollout';
export const TASK_QUEUE = 'model-rollout';

/** One rollout per endpoint at a time: Temporal refuses a second running workflow with the same id. */
export function rolloutWorkflowId(endpointName: string): string {
  return `rollout-${endpointName}`;
}

/**
 * Search attributes a rollout upserts so the Temporal UI and `model-rollout list` can filter rollouts by endpoint and
 * phase. Defined once here: the workflow upserts them, the worker registers them, the dev server is started with them.
 */
export const RolloutEndpoint = defineSearchAttributeKey('RolloutEndpoint', SearchAttributeType.KEYWORD);
export const RolloutPhase = defineSearchAttributeKey('RolloutPhase', SearchAttributeType.KEYWORD);
export const ROLLOUT_SEARCH_ATTRIBUTES = [RolloutEndpoint, RolloutPhase] as const;

export const approveSignal = defineSignal<[ApproveSignal]>('approve');
export const rollbackSignal = defineSignal<[RollbackSignal]>('rollback');
export const pauseSignal = defineSignal<[PauseSignal]>('pause');
export const resumeSignal = defineSignal<[ResumeSignal]>('resume');
/**
 * The same four requests as Workflow Updates, under the same names and payloads: the caller learns at once whether
 * the rollout took the request (the answer) or refused it (an error with the reason: bad input, not an allowed
 * approver, nothing pending), where a signal is always delivered and a refused one only recorded as `signal-ignored`.
 */
export const approveUpdate = defineUpdate<RequestAnswer, [ApproveSignal]>('approve');
export const rollbackUpdate = defineUpdate<RequestAnswer, [RollbackSignal]>('rollback');
export const pauseUpdate = defineUpdate<RequestAnswer, [PauseSignal]>('pause');
export const resumeUpdate = defineUpdate<RequestAnswer, [ResumeSignal]>('resume');
export const statusQuery = defineQuery<RolloutStatus>('status');
/**
 * The evaluations so far (status carries only the latest), for reports of a running rollout: the latest 20 whole,
 * up to 200 older ones compact and spread over the rollout.
 */
export const evaluationsQuery = defineQuery<EvaluationRecord[]>('evaluations');

export type Phase =
  | 'preflight'
  | 'deploying'
  | 'shifting'
  | 'soaking'
  | 'awaiting-approval'
  | 'paused'
  | 'promoting'
  | 'rolling-back'
  | 'promoted'
  | 'rolled-back';

export type Outcome = 'promoted' | 'rolled_back';

/** Who decided what, when and why: the audit trail of a rollout. */
export interface Decision {
  at: string;
  step: number;
  kind:
    | 'deployed'
    | 'advance'
    | 'approve'
    | 'approval-requested'
    | 'approval-timeout'
    | 'rollback'
    | 'pause'
    | 'resume'
    | 'promote'
    | 'inconclusive'
    | 'signal-ignored'
    | 'cleanup'
    /** A check preflight could not make, and why (the rollout goes on). */
    | 'preflight'
    /** The verdict written to the candidate's model package in the Model Registry. */
    | 'registry'
    /** How the rollout sizes the variants: the candidate's size, whether capacity follows the weights, the plan. */
    | 'capacity'
    /** Something the rollout goes on with that may mislead or cost (e.g. the candidate on other hardware). */
    | 'warning';
  by: string;
  reason: string;
  /**
   * The Temporal identity of the client that sent the request this decision acts on (the signal's or update's
   * `identity`, e.g. "temporal-cli:alice@laptop"), beside the `by` it claimed; absent for the rollout's own decisions.
   */
  identity?: string;
}

/** What an accepted update answers. */
export interface RequestAnswer {
  request: 'approve' | 'rollback' | 'pause' | 'resume';
  by: string;
  identity?: string;
  /** The step and phase when the rollout took the request; it acts on it at once. */
  step: number;
  phase: Phase;
  message: string;
}

/** One webhook message the rollout sent or gave up on (the URL is never shown: a Slack webhook URL is a secret). */
export interface NotificationRecord {
  at: string;
  event: NotificationEvent;
  /** The webhook's place in the spec's `notifications` list. */
  webhook: number;
  outcome: 'sent' | 'failed';
  error?: string;
}

export interface PendingApproval {
  step: number;
  /** Why a human is asked: a step that needs approval, a failed guardrail under onFailure "pause", or inconclusive evidence. */
  cause: 'step' | 'failure' | 'inconclusive';
  since: string;
  timeoutAt: string;
  reason: string;
  /** Who may approve (the spec's approval.approvers); absent when anyone may. */
  approvers?: string[];
}

export interface EvaluationRecord {
  at: string;
  step: number;
  /** Soak time so far, every step's added up, over the spec's total maxSoak (the guardrails' error spending). */
  soakFraction?: number;
  /** The evaluation's number in the rollout, from 0 (older ones are thinned out of the log; the numbers say where). */
  seq?: number;
  /** CloudWatch periods that started before this moment were judged (the rest had not settled yet). */
  settledUntil?: string;
  /** An older evaluation kept without its words (reasons, methods) so the log stays bounded (evaluation-log.ts). */
  compact?: true;
  evaluation: Evaluation;
  alarms: { name: string; state: string }[];
}

export interface StepRecord {
  step: number;
  candidateWeight: number;
  startedAt: string;
  endedAt?: string;
  soakedMs: number;
  evaluations: number;
  verdict?: Evaluation['verdict'];
  ended?: 'advanced' | 'rolled-back' | 'promoted';
  variants: VariantSummary[];
}

export interface RolloutStatus {
  endpointName: string;
  phase: Phase;
  /** 1-based index of the current step; 0 before the first. */
  step: number;
  totalSteps: number;
  weights: Record<string, number>;
  paused: boolean;
  pendingApproval: PendingApproval | null;
  /** The latest evaluation of each guardrail, with statistic, interval and verdict. */
  lastEvaluation: EvaluationRecord | null;
  /** Every evaluation's verdict so far (most recent last; older ones trimmed past 200). */
  verdicts: { at: string; step: number; verdict: Evaluation['verdict']; reason: string }[];
  soak: { startedAt: string; minEndsAt: string; maxEndsAt: string } | null;
  /** What the rollout waits on right now (an endpoint update), so long waits show progress; null otherwise. */
  waiting: { what: string; since: string } | null;
  steps: StepRecord[];
  decisions: Decision[];
  resources: CreatedResources;
  /** Webhook messages sent or given up on (the latest 50); absent before the first. */
  notifications?: NotificationRecord[];
  outcome?: Outcome;
  reason?: string;
  /** Live traffic's predictions and their delayed labels (traffic.capture / traffic.groundTruth); absent otherwise. */
  liveQuality?: LiveQualityStatus;
  /** The variants' instances and what the rollout does with them; absent for a first deployment. */
  capacity?: CapacityStatus;
}

/** How the rollout sizes the variants (src/workflows/capacity.ts). */
export interface CapacityStatus {
  /** Whether each variant's instance count follows its share of traffic (capacity.followWeights). */
  followWeights: boolean;
  /** Each variant's full size: the baseline's live count at preflight, the candidate's (the baseline's by default). */
  fullSize: Record<string, number>;
  /** Each variant's instances as last seen (CurrentInstanceCount). */
  instances: Record<string, number>;
  /**
   * The baseline's Application Auto Scaling, when it has it: `suspended` while the rollout holds its scale-in,
   * `moved` once promotion gave it to the candidate, `restored` once the baseline has it back as it was.
   */
  autoscaling?: 'as-found' | 'suspended' | 'moved' | 'restored';
}

/** How many live predictions are captured, labelled and still waiting for their label window to close. */
export interface LiveQualityStatus {
  /** Per variant, since the candidate went live (the rollout's own replay requests not counted). */
  variants: Record<
    string,
    {
      /** Live predictions captured with a score. */
      captured: number;
      /** Of those whose label window closed: with a label in time (judged by the quality guardrails) … */
      labelled: number;
      /** … and without one (never judged: inconclusive, not a pass); `lateLabels` of them got one too late. */
      unlabelled: number;
      lateLabels: number;
      /** Captured predictions whose label window is still open: not counted anywhere yet. */
      waiting: number;
    }
  >;
  /** Live predictions made before this instant have had their whole label window (ISO); null before the first cohort. */
  labelledThrough: string | null;
  /** When the next cohort's window closes (ISO); null without ground truth. */
  nextCohortAt: string | null;
  labelDelay?: string;
  maxLabelDelay?: string;
}

export interface RolloutResult {
  outcome: Outcome;
  reason: string;
  endpointName: string;
  baselineVariant: string | null;
  candidateVariant: string;
  /** The variant serving 100% when the rollout ended. */
  servingVariant: string;
  steps: StepRecord[];
  decisions: Decision[];
  /** Time series for reports: every evaluation the rollout made. */
  evaluations: EvaluationRecord[];
  resources: CreatedResources;
  /** Problems met while cleaning up (the endpoint is safe; these resources may need a hand). */
  cleanupWarnings: string[];
  /** Live traffic's predictions and labels when the rollout ended (traffic.capture / traffic.groundTruth). */
  liveQuality?: LiveQualityStatus;
}

/** What this rollout created, recorded as it happens, so any ending can clean up from the record. */
export interface CreatedResources {
  models: string[];
  endpointConfigs: string[];
  endpoint: boolean;
  deleted: string[];
}
