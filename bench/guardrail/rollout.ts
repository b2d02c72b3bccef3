// One simulated rollout: the workflow's step schedule (src/workflows/step.ts) over bench:guardrail's world, judged by
// the real evaluateGuardrails at every evaluation, on the evidence the workflow keeps (src/workflows/evaluation.ts):
// CloudWatch periods folded once they ended the settle delay ago (cloudwatch-evidence.ts itself), labelled replay
// rows, paired probes, captured live scores and label-complete cohorts, and the error-spending looks.
//
// The step machine, as step.ts runs it: a step soaks in evaluation intervals (replay traffic flows only then); a fail
// rolls back at once; before the step's soak (its minimum) nothing else happens; after it, a pass waits out the
// settle delay (no replay traffic, no evaluation) and is judged once more: a fail rolls back, a pass advances (or
// promotes after the last step), anything else soaks on. At maxSoak an undecided step asks a person (the default
// onInconclusive "ask"): the bench counts it and advances, as a person who approves would. Weight changes are
// instantaneous here (on AWS UpdateEndpointWeightsAndCapacities takes about 30 s, during which the workflow sends no
// replay traffic and live captures count for no weight period).
import {
  emptyScoreShift,
  evaluateGuardrails,
  foldRoundTrips,
  foldScoreShift,
  GUARDRAIL_DESIGN,
  NO_LATENCY_PERIODS,
} from '../../src/analysis';
import type {
  GuardrailConfig,
  GuardrailDesign,
  GuardrailEvaluation,
  GuardrailName,
  SpendingLook,
  VariantEvidence,
} from '../../src/analysis';
import type { RolloutSpec } from '../../src/schema';
import { durationMs, latencyHorizon, maxSoakMs, totalMaxSoakMs } from '../../src/schema/duration';
import { toGuardrailConfig } from '../../src/schema/guardrail-config';
import {
  firstPeriodOfStep,
  foldSettledPeriods,
  settledBefore,
  startOfEvidence,
  startStep,
  type CloudWatchEvidence,
} from '../../src/workflows/cloudwatch-evidence';
import { Rng } from './rng';
import type { Truth } from './truth';
import { BASELINE, CANDIDATE, World, type WorldKind } from './world';
import { cohortSliceMs } from '../../src/schema/duration';

const NAMES: [string, string] = ['Champion', 'Challenger'];

export interface RolloutRecord {
  scenario: string;
  rollout: number;
  outcome: 'rolled-back' | 'promoted';
  /** Candidate requests served, and ms since it went live, when the rollout ended (rollback or promotion). */
  endServed: number;
  endMs: number;
  /** The failing guardrails of a rollback. */
  failed: GuardrailName[];
  /** At the rollback: the candidate's evidence of the regressed guardrail (its `samples.candidate`). */
  failEvidence: number | null;
  /** The first evaluation whose verdict was pass: candidate requests served by then, and ms. */
  firstPassServed: number | null;
  firstPassMs: number | null;
  /** The guardrails that had not passed yet at the evaluation before the first pass: the last to pass. */
  lastToPass: GuardrailName[];
  /** Steps that reached maxSoak undecided (a person was asked). */
  inconclusive: number;
  evaluations: number;
}

/**
 * The levers bench:guardrail can switch, one at a time, to say what each gives: the guardrails' design (1: before
 * issue 21; 2: its first revision; 3: error spending on the information clock and latency planned over the steps'
 * soak; 4, current: the pass side's own error spending, latched between looks), the pass bound's power (null: at
 * the alpha share, as without `guardrails.power`), the label-free guard's centring (designs 2 and later), and
 * latency from replay traffic's round trips. Paired probes are a world of their own (the paired scenarios).
 */
export interface Levers {
  design: GuardrailDesign;
  power: number | null;
  centring: boolean;
  replayLatency: boolean;
}

export const DEFAULT_LEVERS: Levers = { design: GUARDRAIL_DESIGN, power: 0.8, centring: true, replayLatency: false };

/** What toGuardrailConfig gets from the spec's traffic section (src/workflows/live-quality.ts guardrailTraffic). */
export function configOf(spec: RolloutSpec, levers: Levers = DEFAULT_LEVERS): GuardrailConfig {
  const traffic = spec.traffic;
  const config = toGuardrailConfig(
    spec.guardrails,
    traffic.replay?.threshold ?? 0.5,
    latencyHorizon(spec, levers.design),
    {
      liveCapture: traffic.capture !== undefined || traffic.groundTruth !== undefined,
      paired: traffic.replay?.paired ?? false,
    },
    levers.design,
  );
  if (levers.power === null) delete config.power;
  else config.power = levers.power;
  return config;
}

export function worldKindOf(spec: RolloutSpec): WorldKind {
  if (spec.traffic.replay) return spec.traffic.replay.paired ? 'paired' : 'replay';
  return 'live';
}

export interface RolloutInput {
  scenario: string;
  rollout: number;
  seed: number;
  spec: RolloutSpec;
  /** Live traffic a second (the live world); replay's comes from the spec. */
  liveRate: number;
  candidate: Truth;
  baseline: Truth;
  /** The guardrail whose evidence at a rollback is recorded. */
  regressed: GuardrailName | null;
  /**
   * Judge latency on replay traffic's round trips, minute by minute, instead of CloudWatch's settled periods (a lever:
   * the replay activity would return each variant's round-trip log sums per minute).
   */
  replayLatency?: boolean;
  levers?: Levers;
  /** Sees every evaluation (for looking into one rollout). */
  trace?: (evaluation: GuardrailEvaluation, served: number, ms: number) => void;
}

export function simulateRollout(input: RolloutInput): RolloutRecord {
  const { spec } = input;
  const rng = new Rng(input.seed);
  const kind = worldKindOf(spec);
  const levers = input.levers ?? DEFAULT_LEVERS;
  const config = configOf(spec, levers);
  // The fold of the label-free guard's counts: design 1's (uncentred) when the design or the lever says so.
  const foldDesign: GuardrailDesign = levers.centring ? levers.design : 1;
  const periodMs = durationMs(spec.evaluation.metricPeriod);
  const intervalMs = durationMs(spec.evaluation.interval);
  const settleMs = durationMs(spec.evaluation.settleDelay);
  const plannedSoakMs = totalMaxSoakMs(spec.steps);
  // The candidate goes live at a whole second somewhere in its minute.
  const start = 1_800_000_000_000 + 1000 * Math.floor(rng.uniform() * 60);
  const gt = spec.traffic.groundTruth;
  const world = new World(
    {
      kind,
      rate: kind === 'live' ? input.liveRate : spec.traffic.replay!.ratePerSecond,
      threshold: config.threshold,
      labelDelayMs: gt ? durationMs(gt.labelDelay) : 0,
      maxLabelDelayMs: gt ? durationMs(gt.maxLabelDelay) : 0,
      cohortSliceMs: cohortSliceMs(spec),
    },
    [input.baseline, input.candidate],
    rng,
    start,
  );
  let cloudwatch: CloudWatchEvidence = {
    foldedUntil: startOfEvidence(start, periodMs),
    totals: {},
    step: {},
    stepLatency: {},
    latency: NO_LATENCY_PERIODS,
  };
  let scoreShift = emptyScoreShift();
  let roundTrips = NO_LATENCY_PERIODS;
  const looks: SpendingLook[] = [];
  const record: RolloutRecord = {
    scenario: input.scenario,
    rollout: input.rollout,
    outcome: 'promoted',
    endServed: 0,
    endMs: 0,
    failed: [],
    failEvidence: null,
    firstPassServed: null,
    firstPassMs: null,
    lastToPass: [],
    inconclusive: 0,
    evaluations: 0,
  };
  let soakedMs = 0; // every step's soak so far: the error-spending clock
  let notPassed: GuardrailName[] = [];
  let stepStartedAt = start;

  const evaluate = (weight: number) => {
    const now = world.now;
    const until = settledBefore(now, settleMs, periodMs);
    if (until > cloudwatch.foldedUntil) {
      const metrics = world.cloudwatch(NAMES, cloudwatch.foldedUntil, until);
      const names = { baseline: NAMES[BASELINE], candidate: NAMES[CANDIDATE] };
      cloudwatch = foldSettledPeriods(cloudwatch, metrics, names, until, firstPeriodOfStep(stepStartedAt, periodMs));
    }
    let labelled: [VariantEvidence['labelled'], VariantEvidence['labelled']] = [null, null];
    if (kind === 'replay') labelled = world.replayLabelled();
    if (kind === 'replay' && input.replayLatency) {
      for (const [b, c] of world.newRoundTrips()) roundTrips = foldRoundTrips(roundTrips, b, c);
    }
    if (kind === 'live') {
      labelled = world.liveLabelled();
      for (const period of world.newCaptures()) scoreShift = foldScoreShift(scoreShift, period, foldDesign);
    }
    const evidenceOf = (v: number): VariantEvidence => ({
      variantName: NAMES[v],
      invocations: cloudwatch.totals[NAMES[v]]?.invocations ?? 0,
      errors4xx: cloudwatch.totals[NAMES[v]]?.errors4xx ?? 0,
      errors5xx: cloudwatch.totals[NAMES[v]]?.errors5xx ?? 0,
      labelled: labelled[v],
    });
    const split =
      kind === 'replay'
        ? { baselineInvocations: world.stepRequests[BASELINE], candidateInvocations: world.stepRequests[CANDIDATE] }
        : kind === 'live'
          ? {
              baselineInvocations: cloudwatch.step[NAMES[BASELINE]]?.invocations ?? 0,
              candidateInvocations: cloudwatch.step[NAMES[CANDIDATE]]?.invocations ?? 0,
            }
          : { baselineInvocations: 0, candidateInvocations: 0 }; // paired probes without capture: no split check
    const evaluation = evaluateGuardrails({
      baseline: evidenceOf(BASELINE),
      candidate: evidenceOf(CANDIDATE),
      latency: input.replayLatency && kind === 'replay' ? roundTrips : cloudwatch.latency,
      split: { candidateWeight: weight, ...split },
      config,
      schedule: { soakFraction: soakedMs / plannedSoakMs, looks },
      ...(kind === 'paired' ? { paired: world.pairedSummary() } : {}),
      ...(kind === 'live' ? { scoreShift } : {}),
    });
    if (evaluation.spendingLook) looks.push(evaluation.spendingLook);
    input.trace?.(evaluation, world.served[CANDIDATE], now - start);
    record.evaluations++;
    if (evaluation.verdict === 'pass' && record.firstPassServed === null) {
      record.firstPassServed = world.served[CANDIDATE];
      record.firstPassMs = now - start;
      record.lastToPass = notPassed;
    }
    notPassed = evaluation.results.filter((r) => r.verdict !== 'pass').map((r) => r.guardrail);
    if (evaluation.verdict === 'fail') {
      record.outcome = 'rolled-back';
      record.failed = evaluation.results.filter((r) => r.verdict === 'fail').map((r) => r.guardrail);
      const own = evaluation.results.find((r) => r.guardrail === input.regressed);
      record.failEvidence = own ? own.samples.candidate : null;
    }
    return evaluation.verdict;
  };

  steps: for (const step of spec.steps) {
    const weight = step.candidateWeight;
    stepStartedAt = world.now;
    cloudwatch = startStep(cloudwatch);
    world.startStep();
    const soakMs = durationMs(step.soak);
    const maxMs = maxSoakMs(step);
    let stepSoaked = 0;
    for (;;) {
      const slice = Math.min(intervalMs, Math.max(1_000, maxMs - stepSoaked));
      world.advance(slice, weight, true);
      stepSoaked += slice;
      soakedMs += slice;
      let verdict = evaluate(weight);
      if (verdict === 'fail') break steps;
      if (stepSoaked < soakMs) continue;
      if (verdict === 'pass' && settleMs > 0) {
        world.advance(settleMs, weight, false);
        verdict = evaluate(weight);
        if (verdict === 'fail') break steps;
      }
      if (verdict === 'pass') break;
      if (stepSoaked >= maxMs) {
        record.inconclusive++;
        break;
      }
    }
  }
  record.endServed = world.served[CANDIDATE];
  record.endMs = world.now - start;
  return record;
}
