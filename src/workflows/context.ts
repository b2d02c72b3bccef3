// The rollout's one shared context, as Argo Rollouts' rolloutContext: the spec, what `status` answers, the evidence
// the guardrails judge, the ledger of what the rollout created, and the signals received. Every room of the story
// (deploy, step, gates, evaluation, finish) reads and writes the rollout through it, and it is what a
// continue-as-new carries to the next run.
import { log, upsertMemo, upsertSearchAttributes } from '@temporalio/workflow';
import type { EndpointView, PreflightResult } from '../activities';
import {
  NO_LATENCY_PERIODS,
  type Evaluation,
  type GuardrailDesign,
  type LabelledSummary,
  type PairedSummary,
  type SpendingLook,
} from '../analysis';
import type { BakeState, LiveQualityEvidence, ShadowEvidence } from './carried-state';
import type { RolloutSpec } from '../schema';
import type { CloudWatchEvidence } from './cloudwatch-evidence';
import {
  RolloutEndpoint,
  RolloutPhase,
  type Decision,
  type EvaluationRecord,
  type Outcome,
  type RolloutStatus,
} from './shared';

/** How a rollout ended: promoted, rolled back or failed (finish.ts), and why. */
export interface Ending {
  outcome: Outcome;
  reason: string;
}

/** Ends the story with a rollback; carries who asked, why, and the Temporal identity of the client that asked. */
export class RollbackNow extends Error {
  constructor(
    readonly by: string,
    readonly why: string,
    readonly identity?: string,
  ) {
    super(why);
  }
}

/** A person's approve or rollback the story has taken and not acted on yet (handlers.ts). */
export interface HumanRequest {
  by: string;
  reason?: string;
  /** The Temporal identity of the client that sent it (sender.ts). */
  identity?: string;
}

/** The status before anything has happened (also what `status` answers while the spec is being validated). */
export function initialStatus(endpointName: string, totalSteps: number): RolloutStatus {
  return {
    endpointName,
    phase: 'preflight',
    step: 0,
    totalSteps,
    weights: {},
    paused: false,
    pendingApproval: null,
    lastEvaluation: null,
    verdicts: [],
    soak: null,
    waiting: null,
    steps: [],
    decisions: [],
    resources: { models: [], endpointConfigs: [], endpoint: false, deleted: [] },
  };
}

/** What the guardrails judge, gathered since the candidate went live (and, where the step matters, this step). */
export interface Evidence {
  /** Labelled replay results per variant since the candidate went live, as summaries (bounded). */
  labelled: Record<string, LabelledSummary>;
  /** The same, for the current step (the step's summaries). */
  stepLabelled: Record<string, LabelledSummary>;
  /** CloudWatch's settled periods, folded once each (cloudwatch-evidence.ts). */
  cloudwatch: CloudWatchEvidence;
  /** Replay requests answered per variant in the current step: the unit of routing, so the unit of the SRM test. */
  stepRequests: Record<string, number>;
  /** The next row of the replay data set. */
  replayRow: number;
  /** When the candidate first got traffic, and when the current weights took effect (epoch ms). */
  candidateLiveAt: number;
  stepStartedAt: number;
  /** The error-spending test's earlier looks (soak fraction; information and pass crossings per guardrail; ≤ 200). */
  looks: SpendingLook[];
  /** Live traffic's cursors and folded statistics (traffic.capture / traffic.groundTruth; live-quality.ts). */
  live?: LiveQualityEvidence;
  /** Paired probes since the candidate went live (traffic.replay.paired). */
  paired?: PairedSummary;
  /** A shadow step's paired answers, read from data capture (shadow-evidence.ts). */
  shadow?: ShadowEvidence;
}

/** Evidence before the candidate goes live; the live steps start from it again after the shadow steps. */
export function emptyEvidence(replayRow = 0): Evidence {
  return {
    labelled: {},
    stepLabelled: {},
    cloudwatch: { foldedUntil: 0, totals: {}, step: {}, stepLatency: {}, latency: NO_LATENCY_PERIODS },
    stepRequests: {},
    replayRow,
    candidateLiveAt: 0,
    stepStartedAt: 0,
    looks: [],
  };
}

/**
 * Where a step is: soaking, or at one of its gates. A gate's pending approval (and its deadline) is in
 * `state.pendingApproval`, so a continued run waits for the same approval until the same deadline.
 */
export interface StepProgress {
  index: number;
  /** `settling`: the soak passed; waiting out the settle delay so its last minutes are judged too. */
  stage: 'soaking' | 'settling' | 'failure-gate' | 'inconclusive-gate' | 'step-gate';
  soakedMs: number;
  last: Evaluation | null;
}

/** The kinds of endpoint change whose duration the next wait of the same kind sleeps through. */
export type ChangeKind = 'config' | 'weights' | 'capacity';

export class RolloutContext {
  readonly baselineName: string | null;
  readonly candidateName: string;
  readonly region?: string;
  readonly state: RolloutStatus;
  readonly evaluations: EvaluationRecord[] = [];
  readonly cleanupWarnings: string[] = [];
  preflight?: PreflightResult;
  /** How long the last wait for each kind of endpoint change took (ms); the next wait sleeps through most of it. */
  settleMs: Partial<Record<ChangeKind, number>> = {};
  evidence: Evidence = emptyEvidence();
  /** The post-promotion bake, once it began (bake.ts); carried across runs. */
  bake: BakeState | null = null;
  /** Where the story is in the current step, so a continued run picks the step up where this one left it. */
  progress: StepProgress | null = null;
  rollbackRequest: (HumanRequest & { reason: string }) | null = null;
  approval: HumanRequest | null = null;
  /** Webhook messages on their way (notify.ts): a run lets them finish before it continues as new. */
  readonly notifying = new Set<Promise<void>>();
  searchAttributes = true;
  /** Ends a live-traffic soak early (set while one runs), so a rollback signal need not wait for the timer. */
  cancelSoak: (() => void) | null = null;
  /** Runs of this rollout before the current one (it continues as new when its history grows long). */
  runs = 0;
  /**
   * The guardrails' design this rollout is judged by (GuardrailConfig.design), chosen once when it starts
   * (rollout.ts, GUARDRAIL_DESIGN_4_PATCH and the earlier ones) and carried across continue-as-new: a rollout
   * keeps one design for its whole life, so a rollout an older worker started still decides as it did when replayed.
   * 1 until chosen.
   */
  guardrailDesign: GuardrailDesign = 1;
  /** The step the memo last recorded (−1: nothing tagged yet): setPhase writes only what changed. */
  private memoStep = -1;
  private readonly createdAt = new Map<string, number>();

  constructor(
    readonly spec: RolloutSpec,
    readonly rolloutId: string,
  ) {
    this.baselineName = spec.baseline?.variantName ?? null;
    this.region = spec.region;
    this.candidateName = spec.candidate.variantName;
    this.state = initialStatus(spec.endpointName, spec.steps.length);
  }

  /** Preflight's answer: from here on the endpoint goes by SageMaker's spelling of its name. */
  setPreflight(result: PreflightResult): void {
    this.preflight = result;
    this.state.endpointName = result.endpointName ?? this.spec.endpointName;
  }

  /**
   * The endpoint's name as SageMaker spells it, once preflight has read it: every call, config name and CloudWatch
   * dimension uses it, since CloudWatch matches dimension values case-sensitively (aws-behaviour.md #18).
   */
  get endpointName(): string {
    return this.preflight?.endpointName ?? this.spec.endpointName;
  }

  /** The endpoint and region every endpoint-level activity takes. */
  get where(): { endpointName: string; region?: string } {
    return { endpointName: this.endpointName, ...(this.region ? { region: this.region } : {}) };
  }

  /**
   * Records a resource the rollout is about to create, before the call (a lost response still gets cleaned up), and
   * when: a delete that meets "not found" just after the create is SageMaker's eventual consistency, not proof the
   * resource is gone (aws-behaviour.md #6). The times stay with this run; a continued run is past its creates.
   */
  recordCreated(kind: 'model' | 'endpointConfig' | 'endpoint', name: string): void {
    if (kind === 'model') this.state.resources.models.push(name);
    else if (kind === 'endpointConfig') this.state.resources.endpointConfigs.push(name);
    else this.state.resources.endpoint = true;
    this.createdAt.set(`${kind}:${name}`, Date.now());
  }

  /** When this run created the resource ({} when it did not), for the delete activities' `createdAt`. */
  createdWhen(kind: 'model' | 'endpointConfig' | 'endpoint', name: string): { createdAt?: number } {
    const at = this.createdAt.get(`${kind}:${name}`);
    return at === undefined ? {} : { createdAt: at };
  }

  /** The region, for activities that take it alongside other fields. */
  get inRegion(): { region?: string } {
    return this.region ? { region: this.region } : {};
  }

  isFinishing(): boolean {
    return ['promoting', 'rolling-back', 'promoted', 'rolled-back'].includes(this.state.phase);
  }

  decide(kind: Decision['kind'], by: string, reason: string, identity?: string): void {
    const at = new Date().toISOString();
    this.state.decisions.push({ at, step: this.state.step, kind, by, reason, ...(identity ? { identity } : {}) });
    log.info(`decision ${kind} by ${by}${identity ? ` (${identity})` : ''}: ${reason}`);
  }

  setPhase(phase: RolloutStatus['phase']): void {
    this.state.phase = phase;
    if (!this.searchAttributes) {
      upsertMemo({ endpointName: this.spec.endpointName, phase, step: this.state.step });
      return;
    }
    // With search attributes the phase lives there alone, and the memo keeps only what they lack (the step): each
    // upsert is a history event the server stores and replays, so a rollout writes the memo once per step, not per
    // phase.
    const endpoint = this.memoStep === -1 ? [{ key: RolloutEndpoint, value: this.spec.endpointName }] : [];
    if (this.memoStep !== this.state.step) {
      upsertMemo({ endpointName: this.spec.endpointName, step: this.state.step, phase: undefined });
      this.memoStep = this.state.step;
    }
    upsertSearchAttributes([...endpoint, { key: RolloutPhase, value: phase }]);
  }

  /** A rollback the rollout decides on itself. */
  rollbackNow(why: string): RollbackNow {
    return new RollbackNow('model-rollout', why);
  }

  /** A rollback someone asked for and the story has not acted on yet. */
  pendingRollback(): RollbackNow | null {
    const asked = this.rollbackRequest;
    return asked ? new RollbackNow(asked.by, asked.reason, asked.identity) : null;
  }

  weightsOf(view: EndpointView): Record<string, number> {
    return Object.fromEntries(view.variants.map((v) => [v.variantName, v.currentWeight]));
  }

  /** The score at or above which a labelled row counts as predicted positive: guardrails and summaries alike. */
  get qualityThreshold(): number {
    return this.spec.traffic.replay?.threshold ?? this.spec.traffic.groundTruth?.threshold ?? 0.5;
  }
}
