// The rollout, told as a story: preflight → deploy the candidate beside the baseline → for each step
// {shift weights, soak, evaluate, gate} → promote or roll back → clean up.
//
// Deterministic workflow code: every AWS call is an activity, every statistic a pure src/analysis function. State
// that the `status` query returns lives in `state`; what the rollout created lives in `state.resources`, so every
// ending (promotion, rollback, failure, cancellation) cleans up from the same record.
import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  condition,
  isCancellation,
  log,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  sleep,
  upsertMemo,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { RolloutActivities, EndpointView, MetricsOutput, PreflightResult, ProductionVariant } from '../activities';
import {
  evaluateGuardrails,
  foldCompletePeriods,
  mergeLabelled,
  NO_LATENCY_PERIODS,
  summarizeVariant,
  type Evaluation,
  type LabelledSummary,
  type LatencyStatistics,
  type SpendingLook,
} from '../analysis';
// Only zod-free parts of src/spec at run time (zod would be copied into every running workflow): the spec is
// validated by an activity, signals by the zod-free checker that a unit test holds equal to the zod schemas.
import { durationMs, formatDuration, maxSoakMs, soakPeriods, totalMaxSoakMs } from '../schema/duration';
import { checkSignal } from '../schema/signal-check';
import { toGuardrailConfig } from '../schema/guardrail-config';
import type { RolloutSpec } from '../schema';
import { endpointConfigName } from './names';
import {
  approveSignal,
  evaluationsQuery,
  pauseSignal,
  resumeSignal,
  rollbackSignal,
  rolloutWorkflowId,
  RolloutEndpoint,
  RolloutPhase,
  statusQuery,
  type Decision,
  type EvaluationRecord,
  type Outcome,
  type PendingApproval,
  type RolloutResult,
  type RolloutStatus,
  type StepRecord,
} from './shared';

// Activities grouped by how long they may take (as in the saga sample). Quick calls retry throttling and 5xx with
// backoff; validation errors are thrown non-retryable by the activities themselves.
// Quick calls (one or a few AWS requests) are LOCAL activities: they run inside the workflow task that asks for
// them and are recorded as one marker event, so a step costs two workflow tasks and one activity task instead of
// four and three (measured by bench:scale: the Temporal server limited how many rollouts run at once).
// They keep at-least-once semantics, which the idempotent activities are written for; a retry that would wait
// longer than localRetryThreshold becomes a durable timer. Waits and replay traffic stay ordinary activities: a
// local wait would hold one of the worker's workflow-task slots all along (tried: 40% slower at N=1000).
// Timeouts are what bounds recovery after a worker dies mid-activity: a quick call is retried after
// startToCloseTimeout (a local one with its workflow task), a heartbeating one after heartbeatTimeout.
const quick = proxyLocalActivities<RolloutActivities>({
  startToCloseTimeout: '30 seconds',
  scheduleToCloseTimeout: '30 minutes',
  localRetryThreshold: '10 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds' },
});
// The preflight is the exception among quick calls: it asserts the endpoint is in its starting state, so its answer
// must be recorded before the first change. A local activity is recorded only when its workflow task completes; had
// the deploy's calls run in the same task and the task timed out, the retried preflight would see the half-made
// rollout and refuse it (measured under load by bench:scale).
const recorded = proxyActivities<RolloutActivities>({
  startToCloseTimeout: '30 seconds',
  scheduleToCloseTimeout: '30 minutes',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds' },
});
const waits = proxyActivities<RolloutActivities>({
  startToCloseTimeout: '90 minutes',
  heartbeatTimeout: '15 seconds', // waitForEndpoint heartbeats at every poll, at least every 5 s
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds' },
});
const soaks = proxyActivities<RolloutActivities>({
  startToCloseTimeout: '2 hours',
  heartbeatTimeout: '5 seconds', // replayTraffic heartbeats every second
  retry: { initialInterval: '1 second', maximumInterval: '10 seconds' },
});

/** Ends the soak loop with a rollback; carries who asked and why. */
class RollbackNow extends Error {
  constructor(
    readonly by: string,
    readonly why: string,
  ) {
    super(why);
  }
}

/** The status before anything has happened (also what `status` answers while the spec is being validated). */
function initialStatus(endpointName: string, totalSteps: number): RolloutStatus {
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

export async function modelRollout(input: unknown): Promise<RolloutResult> {
  // Queries are answered from the first moment; signals sent meanwhile wait in Temporal until the rollout's
  // handlers are set (after validation), so none is lost.
  const named = (input as { endpointName?: unknown } | null)?.endpointName;
  const early = initialStatus(typeof named === 'string' ? named : '', 0);
  setHandler(statusQuery, () => early);
  setHandler(evaluationsQuery, () => []);
  let spec: RolloutSpec;
  try {
    spec = await quick.validateSpec(input);
  } catch (err) {
    // Rejected before any AWS call: the workflow fails with the field-by-field message.
    if (err instanceof ActivityFailure && err.cause instanceof ApplicationFailure && err.cause.type === 'InvalidSpec') {
      throw ApplicationFailure.nonRetryable(err.cause.message, 'InvalidSpec');
    }
    throw err;
  }
  const info = workflowInfo();
  const expectedId = rolloutWorkflowId(spec.endpointName);
  if (info.workflowId !== expectedId) {
    throw ApplicationFailure.nonRetryable(
      `workflow id must be "${expectedId}" (one rollout per endpoint at a time): start it with --workflow-id ${expectedId}`,
      'InvalidSpec',
    );
  }
  return await new Rollout(spec, info.runId).run();
}

class Rollout {
  private readonly baselineName: string | null;
  private readonly candidateName: string;
  private readonly region?: string;
  private readonly state: RolloutStatus;
  private readonly evaluations: EvaluationRecord[] = [];
  private readonly cleanupWarnings: string[] = [];
  private preflight?: PreflightResult;
  /** How long the last wait for each kind of endpoint change took (ms); the next wait sleeps through most of it. */
  private settleMs: Partial<Record<'config' | 'weights', number>> = {};
  /** Labelled replay results since the candidate went live (cumulative evidence), and for the current step. */
  private readonly labelled: Record<string, LabelledSummary> = {};
  private stepLabelled: Record<string, LabelledSummary> = {};
  /** Latency's complete CloudWatch periods, folded; and the error-spending looks so far (at most 200). */
  private latency: LatencyStatistics = NO_LATENCY_PERIODS;
  private readonly spendingLooks: SpendingLook[] = [];
  /** Replay requests answered per variant in the current step: the unit of routing, so the unit of the SRM test. */
  private stepRequests: Record<string, number> = {};
  private replayRow = 0;
  private candidateLiveAt = 0;
  private stepStartedAt = 0;
  private rollbackRequest: { by: string; reason: string } | null = null;
  private approval: { by: string; reason?: string } | null = null;
  private searchAttributes = true;
  /** Ends a live-traffic soak early (set while one runs), so a rollback signal need not wait for the timer. */
  private cancelSoak: (() => void) | null = null;
  /** The step the memo last recorded (−1: nothing tagged yet): setPhase writes only what changed. */
  private memoStep = -1;

  constructor(
    private readonly spec: RolloutSpec,
    private readonly runId: string,
  ) {
    this.baselineName = spec.baseline?.variantName ?? null;
    this.region = spec.region;
    this.candidateName = spec.candidate.variantName;
    this.state = initialStatus(spec.endpointName, spec.steps.length);
    this.installHandlers();
  }

  // ---------------------------------------------------------------- signals and queries

  private installHandlers(): void {
    setHandler(statusQuery, () => this.state);
    setHandler(evaluationsQuery, () => this.evaluations);
    setHandler(approveSignal, (raw) => {
      const s = this.validSignal('approve', raw);
      if (!s) return;
      if (!this.state.pendingApproval) {
        this.decide('signal-ignored', s.by, 'approve ignored: nothing is pending approval');
        return;
      }
      this.approval = { by: s.by, ...(s.reason ? { reason: s.reason } : {}) };
    });
    setHandler(rollbackSignal, (raw) => {
      const s = this.validSignal('rollback', raw);
      if (!s) return;
      if (this.isFinishing()) {
        this.decide('signal-ignored', s.by, `rollback ignored: the rollout is already ${this.state.phase}`);
        return;
      }
      this.rollbackRequest ??= { by: s.by, reason: s.reason };
      this.cancelSoak?.();
    });
    setHandler(pauseSignal, (raw) => {
      const s = this.validSignal('pause', raw);
      if (!s) return;
      if (this.state.paused || this.isFinishing()) {
        this.decide(
          'signal-ignored',
          s.by,
          `pause ignored: the rollout is ${this.state.paused ? 'already paused' : this.state.phase}`,
        );
        return;
      }
      this.state.paused = true;
      this.decide('pause', s.by, s.reason ?? 'paused by request');
    });
    setHandler(resumeSignal, (raw) => {
      const s = this.validSignal('resume', raw);
      if (!s) return;
      if (!this.state.paused) {
        this.decide('signal-ignored', s.by, 'resume ignored: the rollout is not paused');
        return;
      }
      this.state.paused = false;
      this.decide('resume', s.by, 'resumed by request');
    });
  }

  /** A signal cannot be refused, so a malformed one is recorded (with the reason) and otherwise ignored. */
  private validSignal<N extends 'approve' | 'rollback' | 'pause' | 'resume'>(
    name: N,
    raw: unknown,
  ): (N extends 'rollback' ? { by: string; reason: string } : { by: string; reason?: string }) | null {
    const check = checkSignal(name, raw);
    if (check.ok)
      return check.value as N extends 'rollback' ? { by: string; reason: string } : { by: string; reason?: string };
    const by =
      typeof (raw as { by?: unknown })?.by === 'string' ? String((raw as { by: string }).by).slice(0, 128) : 'unknown';
    this.decide(
      'signal-ignored',
      by,
      `${name} signal rejected: invalid ${name} signal:\n  - ${check.issues.join('\n  - ')}`,
    );
    return null;
  }

  private isFinishing(): boolean {
    return ['promoting', 'rolling-back', 'promoted', 'rolled-back'].includes(this.state.phase);
  }

  private decide(kind: Decision['kind'], by: string, reason: string): void {
    this.state.decisions.push({ at: new Date().toISOString(), step: this.state.step, kind, by, reason });
    log.info(`decision ${kind} by ${by}: ${reason}`);
  }

  private setPhase(phase: RolloutStatus['phase']): void {
    this.state.phase = phase;
    if (!this.searchAttributes) {
      upsertMemo({ endpointName: this.spec.endpointName, phase, step: this.state.step });
      return;
    }
    // With search attributes the phase lives there alone, and the memo keeps only what they lack (the step): each
    // upsert is a history event the server stores and replays, so a rollout writes the memo once per step, not per
    // phase (bench:scale: 75 → 69 events per rollout).
    const endpoint = this.memoStep === -1 ? [{ key: RolloutEndpoint, value: this.spec.endpointName }] : [];
    if (this.memoStep !== this.state.step) {
      upsertMemo({ endpointName: this.spec.endpointName, step: this.state.step, phase: undefined });
      this.memoStep = this.state.step;
    }
    upsertSearchAttributes([...endpoint, { key: RolloutPhase, value: phase }]);
  }

  // ---------------------------------------------------------------- the story

  async run(): Promise<RolloutResult> {
    this.searchAttributes = await quick.searchAttributesAvailable();
    this.setPhase('preflight');
    // Read-only checks first: a missing endpoint or model fails here, having changed nothing.
    this.preflight = await recorded.preflight({ spec: this.spec, ...(this.region ? { region: this.region } : {}) });

    let outcome: { outcome: Outcome; reason: string };
    try {
      outcome = await this.deployAndStep();
    } catch (err) {
      if (isCancellation(err)) {
        outcome = await CancellationScope.nonCancellable(() =>
          this.rollBack('model-rollout', 'the workflow was cancelled'),
        );
      } else {
        const why = err instanceof Error ? err.message : String(err);
        outcome = await CancellationScope.nonCancellable(() =>
          this.rollBack('model-rollout', `the rollout failed: ${why}`),
        );
      }
    }
    this.state.outcome = outcome.outcome;
    this.state.reason = outcome.reason;
    this.setPhase(outcome.outcome === 'promoted' ? 'promoted' : 'rolled-back');
    return {
      outcome: outcome.outcome,
      reason: outcome.reason,
      endpointName: this.spec.endpointName,
      baselineVariant: this.baselineName,
      candidateVariant: this.candidateName,
      servingVariant: outcome.outcome === 'promoted' ? this.candidateName : (this.baselineName ?? '(endpoint deleted)'),
      steps: this.state.steps,
      decisions: this.state.decisions,
      evaluations: this.evaluations,
      resources: this.state.resources,
      cleanupWarnings: this.cleanupWarnings,
    };
  }

  private async deployAndStep(): Promise<{ outcome: Outcome; reason: string }> {
    const deployed = await this.deploy();
    if (!deployed.ok) return await this.rollBack('model-rollout', deployed.reason);

    for (let i = 0; i < this.spec.steps.length; i++) {
      const result = await this.runStep(i);
      if (result instanceof RollbackNow) return await this.rollBack(result.by, result.why);
    }
    return await this.promote();
  }

  // ---------------------------------------------------------------- deploy

  private candidateVariant(weight: number): ProductionVariant {
    const c = this.spec.candidate;
    return {
      VariantName: c.variantName,
      ModelName: c.modelName,
      InstanceType: c.instanceType as ProductionVariant['InstanceType'],
      InitialInstanceCount: c.instanceCount,
      InitialVariantWeight: weight,
    };
  }

  private async deploy(): Promise<{ ok: true } | { ok: false; reason: string }> {
    this.setPhase('deploying');
    const spec = this.spec;
    const region = this.region;
    const c = spec.candidate;
    if (this.preflight!.createModel) {
      this.state.resources.models.push(c.modelName); // recorded first: a lost response still gets cleaned up
      await quick.createModel({
        modelName: c.modelName,
        image: c.image!,
        modelDataUrl: c.modelDataUrl!,
        executionRoleArn: c.executionRoleArn!,
        ...(c.environment ? { environment: c.environment } : {}),
        region,
      });
    }

    if (!this.baselineName) {
      // First deployment: the candidate is the only variant, created with the endpoint.
      const configName = endpointConfigName(spec.endpointName, this.runId, 'initial');
      this.state.resources.endpointConfigs.push(configName);
      await quick.createEndpointConfig({ configName, variants: [this.candidateVariant(100)], region });
      this.state.resources.endpoint = true;
      await quick.createEndpoint({ endpointName: spec.endpointName, configName, region });
      const view = await this.waitForEndpoint('creating the endpoint', 'config');
      if (view?.status !== 'InService') {
        return {
          ok: false,
          reason: `the new endpoint did not come up: ${view?.failureReason ?? view?.status ?? 'missing'}`,
        };
      }
      this.state.weights = { [this.candidateName]: 100 };
      this.decide('deployed', 'model-rollout', `created endpoint ${spec.endpointName} serving ${this.candidateName}`);
      return { ok: true };
    }

    // Beside the baseline: a new config with both variants, the candidate at weight 0 until the first step.
    const pre = this.preflight!;
    const configName = endpointConfigName(spec.endpointName, this.runId, 'ab');
    this.state.resources.endpointConfigs.push(configName);
    await quick.createEndpointConfig({
      configName,
      variants: [{ ...pre.baselineVariant!, InitialVariantWeight: 100 }, this.candidateVariant(0)],
      ...(pre.originalConfig?.dataCaptureConfig ? { dataCaptureConfig: pre.originalConfig.dataCaptureConfig } : {}),
      ...(pre.originalConfig?.kmsKeyId ? { kmsKeyId: pre.originalConfig.kmsKeyId } : {}),
      region,
    });
    await quick.updateEndpoint({ endpointName: spec.endpointName, configName, region });
    const view = await this.waitForEndpoint('deploying the candidate beside the baseline', 'config');
    if (!view || view.status !== 'InService' || view.configName !== configName) {
      return {
        ok: false,
        reason: `deploying the candidate failed: ${view?.failureReason ?? `endpoint is ${view?.status ?? 'missing'}`}`,
      };
    }
    this.state.weights = this.weightsOf(view);
    this.decide('deployed', 'model-rollout', `${this.candidateName} deployed beside ${this.baselineName} at weight 0`);
    return { ok: true };
  }

  /** Waits for InService; the status says what the rollout is waiting for meanwhile (updates take minutes). */
  private async waitForEndpoint(why: string, change?: 'config' | 'weights'): Promise<EndpointView | null> {
    this.state.waiting = {
      what: `${why}: waiting for endpoint ${this.spec.endpointName} to be InService`,
      since: new Date().toISOString(),
    };
    try {
      const where = { endpointName: this.spec.endpointName, ...(this.region ? { region: this.region } : {}) };
      // The same kind of change on the same endpoint takes about as long as the last one: sleep through most of
      // that instead of polling (bench:scale: 25 DescribeEndpoint calls per rollout before, 14 after).
      const expectedMs = change && this.settleMs[change];
      const view = await waits.waitForEndpoint({ ...where, ...(expectedMs !== undefined ? { expectedMs } : {}) });
      if (view && change) this.settleMs[change] = view.waitedMs;
      return view;
    } finally {
      this.state.waiting = null;
    }
  }

  private weightsOf(view: EndpointView): Record<string, number> {
    return Object.fromEntries(view.variants.map((v) => [v.variantName, v.currentWeight]));
  }

  // ---------------------------------------------------------------- one step: shift, soak, evaluate, gate

  private async runStep(index: number): Promise<RollbackNow | void> {
    const step = this.spec.steps[index];
    this.state.step = index + 1;
    const record: StepRecord = {
      step: index + 1,
      candidateWeight: step.candidateWeight,
      startedAt: new Date().toISOString(),
      soakedMs: 0,
      evaluations: 0,
      variants: [],
    };
    this.state.steps.push(record);

    const early = this.pendingRollback();
    if (early) return early;
    if (this.baselineName) {
      this.setPhase('shifting');
      await this.setWeights(step.candidateWeight);
    }
    this.stepStartedAt = Date.now();
    if (!this.candidateLiveAt) this.candidateLiveAt = this.stepStartedAt;
    this.stepLabelled = {};
    this.stepRequests = {};

    const soakMs = durationMs(step.soak);
    const maxMs = maxSoakMs(step);
    const intervalMs = durationMs(this.spec.evaluation.interval);
    let soakedMs = 0;
    let last: Evaluation | null = null;
    this.setPhase('soaking');
    const soakStarted = Date.now();
    this.state.soak = {
      startedAt: new Date(soakStarted).toISOString(),
      minEndsAt: new Date(soakStarted + soakMs).toISOString(),
      maxEndsAt: new Date(soakStarted + maxMs).toISOString(),
    };

    for (;;) {
      const paused = await this.waitWhilePaused();
      if (paused) return paused;
      const slice = Math.min(intervalMs, Math.max(1_000, maxMs - soakedMs));
      const interrupted = await this.soakFor(slice);
      soakedMs += slice;
      record.soakedMs = soakedMs;
      if (interrupted) return this.closeStep(record, last, interrupted);

      last = await this.evaluate(record);
      if (last.verdict === 'fail') {
        const failed = await this.onFailure(last);
        if (failed) return this.closeStep(record, last, failed);
        continue; // a human chose to keep soaking
      }
      if (soakedMs < soakMs) continue; // the soak is a minimum: always watch this long
      if (last.verdict === 'pass') break;
      if (soakedMs >= maxMs) {
        const inconclusive = await this.onInconclusive(last, soakedMs);
        if (inconclusive) return this.closeStep(record, last, inconclusive);
        break;
      }
    }

    if (step.approval === 'required') {
      const gate = await this.awaitApproval(
        'step',
        `step ${index + 1} (${step.candidateWeight}% candidate) needs approval`,
      );
      if (gate) return this.closeStep(record, last, gate);
    }
    this.closeStep(record, last);
    this.decide('advance', 'model-rollout', `step ${index + 1} passed: ${last?.reason ?? 'soak complete'}`);
  }

  private closeStep(record: StepRecord, last: Evaluation | null, rollback?: RollbackNow): RollbackNow | undefined {
    record.endedAt = new Date().toISOString();
    record.ended = rollback ? 'rolled-back' : 'advanced';
    if (last) record.verdict = last.verdict;
    this.state.soak = null;
    return rollback;
  }

  private pendingRollback(): RollbackNow | null {
    return this.rollbackRequest ? new RollbackNow(this.rollbackRequest.by, this.rollbackRequest.reason) : null;
  }

  private async waitWhilePaused(): Promise<RollbackNow | null> {
    if (this.state.paused) {
      const before = this.state.phase;
      this.setPhase('paused');
      await condition(() => !this.state.paused || this.rollbackRequest !== null);
      this.setPhase(before);
    }
    return this.pendingRollback();
  }

  /** Drives replay traffic (or just waits, for live traffic) for one evaluation interval; a rollback cuts it short. */
  private async soakFor(ms: number): Promise<RollbackNow | null> {
    const replay = this.spec.traffic.replay;
    if (!replay) {
      // A plain timer that the rollback signal cancels, not condition(fn, ms): the SDK keeps a stack trace of every
      // pending promise of a cached rollout (28% of its heap in bench:scale's heap snapshots), and condition's race
      // holds about ten promises through the whole soak; a timer in a scope holds two or three.
      if (this.rollbackRequest) return this.pendingRollback();
      const soak = new CancellationScope();
      this.cancelSoak = () => soak.cancel();
      try {
        await soak.run(() => sleep(ms));
      } catch (err) {
        // Only our own cancel ends the soak quietly; a cancelled workflow still unwinds to run()'s rollback.
        if (!(isCancellation(err) && this.rollbackRequest)) throw err;
      } finally {
        this.cancelSoak = null;
      }
      return this.pendingRollback();
    }
    const scope = new CancellationScope();
    const traffic = scope.run(() =>
      soaks.replayTraffic({
        endpointName: this.spec.endpointName,
        ...(this.region ? { region: this.region } : {}),
        dataUrl: replay.dataUrl,
        ...(replay.format ? { format: replay.format } : {}),
        ratePerSecond: replay.ratePerSecond,
        rowsPerRequest: replay.rowsPerRequest,
        startRow: this.replayRow,
        durationMs: ms,
        threshold: this.qualityThreshold(),
      }),
    );
    const stopped = condition(() => this.rollbackRequest !== null);
    await Promise.race([traffic.catch(() => undefined), stopped]);
    if (this.rollbackRequest) {
      scope.cancel();
      await traffic.catch(() => undefined);
      return this.pendingRollback();
    }
    const result = await traffic;
    this.replayRow = result.nextRow;
    for (const [variant, replayed] of Object.entries(result.byVariant)) {
      const add = (into: Record<string, LabelledSummary>) =>
        (into[variant] = into[variant] ? mergeLabelled(into[variant], replayed.labelled) : replayed.labelled);
      add(this.labelled);
      add(this.stepLabelled);
      this.stepRequests[variant] = (this.stepRequests[variant] ?? 0) + replayed.requests;
    }
    return null;
  }

  private async evaluate(record: StepRecord): Promise<Evaluation> {
    const now = Date.now();
    const variants = this.baselineName ? [this.baselineName, this.candidateName] : [this.candidateName];
    const periodSeconds = Math.max(1, Math.round(durationMs(this.spec.evaluation.metricPeriod) / 1000));
    const [metrics, alarms] = await Promise.all([
      quick.fetchVariantMetrics({
        endpointName: this.spec.endpointName,
        variantNames: variants,
        ...(this.region ? { region: this.region } : {}),
        startTime: this.candidateLiveAt,
        endTime: now,
        periodSeconds,
      }),
      this.spec.guardrails.alarms.length > 0
        ? quick.alarmStates({
            alarmNames: this.spec.guardrails.alarms,
            ...(this.region ? { region: this.region } : {}),
          })
        : Promise.resolve([]),
    ]);
    const byName = (name: string) => metrics.variants.find((v) => v.variantName === name)!;
    const candidate = byName(this.candidateName);
    const baseline = this.baselineName ? byName(this.baselineName) : null;

    // Soak time is the error-spending test's clock: fixed by the spec, unlike time spent shifting weights or waiting.
    const soaked = this.state.steps.reduce((sum, step) => sum + step.soakedMs, 0);
    const soakFraction = soaked / totalMaxSoakMs(this.spec.steps);
    let evaluation: Evaluation;
    if (baseline) {
      const stepCounts = this.stepInvocations(metrics, periodSeconds);
      // Complete periods are folded once: every period both variants report except the newest either reports (the
      // current, partial one), as latency judged them before.
      const newest = Math.max(...[...baseline.latency, ...candidate.latency].map((p) => p.timestamp));
      this.latency = foldCompletePeriods(this.latency, baseline.latency, candidate.latency, newest);
      const { spendingLook, ...judged } = evaluateGuardrails({
        baseline: { ...baseline, labelled: this.labelled[baseline.variantName] ?? null },
        candidate: { ...candidate, labelled: this.labelled[candidate.variantName] ?? null },
        latency: this.latency,
        split: { candidateWeight: this.spec.steps[this.state.step - 1].candidateWeight, ...stepCounts },
        config: toGuardrailConfig(this.spec.guardrails, this.qualityThreshold(), soakPeriods(this.spec)),
        schedule: { soakFraction, looks: this.spendingLooks },
      });
      if (spendingLook) this.spendingLooks.push(spendingLook);
      evaluation = judged;
    } else {
      evaluation = {
        verdict: candidate.invocations > 0 || this.spec.traffic.replay === undefined ? 'pass' : 'continue',
        reason: 'first deployment: no baseline to compare with; alarms only',
        results: [],
      };
    }
    const firing = alarms.filter((a) => a.state === 'ALARM');
    if (firing.length > 0) {
      evaluation = {
        ...evaluation,
        verdict: 'fail',
        reason: `CloudWatch alarm ${firing.map((a) => a.name).join(', ')} is in ALARM`,
      };
    }

    const evalRecord: EvaluationRecord = {
      at: new Date(now).toISOString(),
      step: this.state.step,
      soakFraction,
      evaluation,
      alarms: alarms.map((a) => ({ name: a.name, state: a.state })),
    };
    this.evaluations.push(evalRecord);
    this.state.lastEvaluation = evalRecord;
    this.state.verdicts.push({
      at: evalRecord.at,
      step: this.state.step,
      verdict: evaluation.verdict,
      reason: evaluation.reason,
    });
    if (this.state.verdicts.length > 200) this.state.verdicts.shift();
    record.evaluations++;
    record.variants = metrics.variants.map((v) =>
      summarizeVariant({ ...v, labelled: this.stepLabelled[v.variantName] ?? null }),
    );
    return evaluation;
  }

  /** The score at or above which a labelled row counts as predicted positive: guardrails and summaries alike. */
  private qualityThreshold(): number {
    return this.spec.traffic.replay?.threshold ?? 0.5;
  }

  /**
   * Invocations per variant since the current weights took effect, for the sample-ratio check. Replay traffic
   * knows exactly who answered; live traffic uses the CloudWatch periods that started after the shift.
   */
  private stepInvocations(metrics: MetricsOutput, periodSeconds: number) {
    const b = this.baselineName!;
    const c = this.candidateName;
    if (this.spec.traffic.replay) {
      return {
        baselineInvocations: this.stepRequests[b] ?? 0,
        candidateInvocations: this.stepRequests[c] ?? 0,
      };
    }
    const from = Math.ceil(this.stepStartedAt / (periodSeconds * 1000)) * periodSeconds * 1000;
    const count = (name: string) =>
      metrics.variants
        .find((v) => v.variantName === name)!
        .invocationsByPeriod.filter((p) => p.timestamp >= from)
        .reduce((sum, p) => sum + p.count, 0);
    return { baselineInvocations: count(b), candidateInvocations: count(c) };
  }

  private async onFailure(evaluation: Evaluation): Promise<RollbackNow | null> {
    if (this.spec.onFailure === 'rollback') {
      return new RollbackNow('model-rollout', `guardrail failed: ${evaluation.reason}`);
    }
    return await this.awaitApproval(
      'failure',
      `guardrail failed: ${evaluation.reason}. Approve to keep soaking, or roll back`,
    );
  }

  private async onInconclusive(evaluation: Evaluation, soakedMs: number): Promise<RollbackNow | null> {
    const why = `guardrails still inconclusive after ${formatDuration(soakedMs)} (maxSoak): ${evaluation.reason}`;
    const policy = this.spec.evaluation.onInconclusive;
    this.decide('inconclusive', 'model-rollout', `${why}; policy: ${policy}`);
    if (policy === 'pass') return null;
    if (policy === 'fail') return new RollbackNow('model-rollout', why);
    return await this.awaitApproval('inconclusive', `${why}. Approve to advance, or roll back`);
  }

  /** Holds until someone approves, rolls back, or the approval times out (then the spec's policy decides). */
  private async awaitApproval(cause: PendingApproval['cause'], reason: string): Promise<RollbackNow | null> {
    const timeoutMs = durationMs(this.spec.approval.timeout);
    const before = this.state.phase;
    this.approval = null;
    this.state.pendingApproval = {
      step: this.state.step,
      cause,
      since: new Date().toISOString(),
      timeoutAt: new Date(Date.now() + timeoutMs).toISOString(),
      reason,
    };
    this.setPhase('awaiting-approval');
    this.decide('approval-requested', 'model-rollout', reason);
    const answered = await condition(() => this.approval !== null || this.rollbackRequest !== null, timeoutMs);
    this.state.pendingApproval = null;
    this.setPhase(before);
    if (this.rollbackRequest) return this.pendingRollback();
    // Read through a cast: TypeScript narrowed `approval` to null above and cannot see the signal handler set it.
    const approval = this.approval as { by: string; reason?: string } | null;
    if (answered && approval) {
      this.decide('approve', approval.by, approval.reason ?? reason);
      return null;
    }
    const policy = this.spec.approval.onTimeout;
    this.decide(
      'approval-timeout',
      'model-rollout',
      `no approval within ${this.spec.approval.timeout}; policy: ${policy}`,
    );
    return policy === 'approve'
      ? null
      : new RollbackNow('model-rollout', `no approval within ${this.spec.approval.timeout}`);
  }

  private async setWeights(candidateWeight: number): Promise<void> {
    const weights = { [this.baselineName!]: 100 - candidateWeight, [this.candidateName]: candidateWeight };
    await quick.setWeights({
      endpointName: this.spec.endpointName,
      weights,
      ...(this.region ? { region: this.region } : {}),
    });
    const view = await this.waitForEndpoint(`shifting weights to ${candidateWeight}% candidate`, 'weights');
    if (!view || view.status !== 'InService') {
      throw ApplicationFailure.nonRetryable(
        `setting weights failed: endpoint is ${view?.status ?? 'missing'} (${view?.failureReason ?? ''})`,
      );
    }
    this.state.weights = this.weightsOf(view);
  }

  // ---------------------------------------------------------------- endings

  private async promote(): Promise<{ outcome: Outcome; reason: string }> {
    this.setPhase('promoting');
    const spec = this.spec;
    const region = this.region;
    const reason = `all ${spec.steps.length} steps passed${this.state.decisions.some((d) => d.kind === 'approve') ? ' and were approved' : ''}`;
    this.decide('promote', 'model-rollout', reason);
    if (!this.baselineName) return { outcome: 'promoted', reason };

    if (this.state.weights[this.candidateName] !== 100) await this.setWeights(100);
    // Replace the two-variant config with one that holds the candidate alone: the baseline's instances go away.
    const finalConfig = endpointConfigName(spec.endpointName, this.runId, 'final');
    this.state.resources.endpointConfigs.push(finalConfig);
    await quick.createEndpointConfig({ configName: finalConfig, variants: [this.candidateVariant(100)], region });
    let view: EndpointView | null = null;
    for (let attempt = 1; attempt <= 2; attempt++) {
      await quick.updateEndpoint({ endpointName: spec.endpointName, configName: finalConfig, region });
      view = await this.waitForEndpoint('replacing the two-variant config with the candidate alone', 'config');
      if (view?.status === 'InService' && view.configName === finalConfig) break;
    }
    if (view?.status === 'InService' && view.configName === finalConfig) {
      this.state.weights = this.weightsOf(view);
      this.setPhase('promoting');
      await this.cleanUp([finalConfig], false);
      if (spec.cleanup.deleteReplacedEndpointConfig && this.preflight?.originalConfig) {
        await this.deleteConfig(this.preflight.originalConfig.configName);
      }
      return { outcome: 'promoted', reason };
    }
    // The candidate serves 100% already; only removing the idle baseline failed. Say so rather than roll back a
    // model that passed every guardrail.
    this.cleanupWarnings.push(
      `removing the baseline variant failed (${view?.failureReason ?? view?.status ?? 'endpoint missing'}): it stays deployed at weight 0`,
    );
    await this.cleanUp([view?.configName ?? '', finalConfig], false);
    return {
      outcome: 'promoted',
      reason: `${reason}; the baseline variant could not be removed (see cleanupWarnings)`,
    };
  }

  private async rollBack(by: string, why: string): Promise<{ outcome: Outcome; reason: string }> {
    this.setPhase('rolling-back');
    this.decide('rollback', by, why);
    const spec = this.spec;
    const region = this.region;
    const reason = by === 'model-rollout' ? why : `rolled back by ${by}: ${why}`;

    if (!this.baselineName) {
      // First deployment: nothing served before us, so rolling back removes the endpoint we created.
      if (this.state.resources.endpoint) {
        await quick.deleteEndpoint({ endpointName: spec.endpointName, region });
        this.state.resources.deleted.push(`endpoint ${spec.endpointName}`);
      }
      await this.cleanUp([], true);
      return { outcome: 'rolled_back', reason };
    }

    const original = this.preflight!.originalConfig!;
    const current = await quick.describeEndpoint(spec.endpointName, region);
    if (current && current.configName !== original.configName) {
      if (current.status === 'InService' && current.variants.some((v) => v.variantName === this.candidateName)) {
        // Traffic first: weights change in seconds, a config update takes minutes.
        try {
          await this.setWeights(0);
        } catch (err) {
          this.cleanupWarnings.push(`shifting traffic back first failed: ${String(err)}; restoring the config instead`);
        }
      }
      await this.restoreOriginal(original);
    } else if (current && current.status !== 'InService') {
      await this.waitForEndpoint('letting an update in progress finish before rolling back');
    }
    await this.cleanUp([original.configName], true);
    return { outcome: 'rolled_back', reason };
  }

  /** Puts the endpoint back on the config it had before the rollout (re-created if someone deleted it). */
  private async restoreOriginal(original: NonNullable<PreflightResult['originalConfig']>): Promise<void> {
    const region = this.region;
    let target = original.configName;
    if (!(await quick.describeEndpointConfig({ configName: target, region }))) {
      target = endpointConfigName(this.spec.endpointName, this.runId, 'restore');
      this.state.resources.endpointConfigs.push(target);
      await quick.createEndpointConfig({ ...original, configName: target, region });
    }
    for (let attempt = 1; attempt <= 3; attempt++) {
      await quick.updateEndpoint({ endpointName: this.spec.endpointName, configName: target, region });
      const view = await this.waitForEndpoint(`restoring the original config ${target}`, 'config');
      if (view?.status === 'InService' && view.configName === target) {
        this.state.weights = this.weightsOf(view);
        return;
      }
      this.cleanupWarnings.push(
        `restoring ${target} failed (attempt ${attempt}): ${view?.failureReason ?? view?.status}`,
      );
      await sleep('5 seconds');
    }
    throw ApplicationFailure.nonRetryable(
      `could not restore endpoint ${this.spec.endpointName} to ${target}; the baseline still serves ${this.state.weights[this.baselineName!] ?? '?'}%`,
    );
  }

  /** Deletes what the rollout created and the endpoint no longer uses. */
  private async cleanUp(inUse: string[], candidateLost: boolean): Promise<void> {
    for (const config of this.state.resources.endpointConfigs) {
      if (!inUse.includes(config)) await this.deleteConfig(config);
    }
    if (candidateLost && this.spec.cleanup.deleteCandidateModel) {
      for (const model of this.state.resources.models) {
        try {
          await quick.deleteModel({ modelName: model, ...(this.region ? { region: this.region } : {}) });
          this.state.resources.deleted.push(`model ${model}`);
        } catch (err) {
          this.cleanupWarnings.push(`deleting model ${model} failed: ${String(err)}`);
        }
      }
    }
    this.decide('cleanup', 'model-rollout', `deleted ${this.state.resources.deleted.join(', ') || 'nothing'}`);
  }

  private async deleteConfig(configName: string): Promise<void> {
    if (this.state.resources.deleted.includes(`endpoint config ${configName}`)) return;
    try {
      await quick.deleteEndpointConfig({ configName, ...(this.region ? { region: this.region } : {}) });
      this.state.resources.deleted.push(`endpoint config ${configName}`);
    } catch (err) {
      this.cleanupWarnings.push(`deleting endpoint config ${configName} failed: ${String(err)}`);
    }
  }
}
