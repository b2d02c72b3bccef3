// The verdict at one evaluation: every enabled guardrail compares candidate with baseline through an always-valid
// confidence sequence at its share of alpha, then the guardrails' verdicts combine into the step's verdict.
//
// Alpha sharing (Bonferroni, valid whatever the dependence between guardrails): the sample-ratio check gets
// alpha/1000 per step; 2% of alpha is set aside for it, which covers the spec's maximum of 20 steps (the workflow
// restarts the split count at every weight change, so each step runs its own sample-ratio test). The remaining
// 98% is split equally between the other enabled guardrails. Each guardrail's lower bound exceeds the true
// difference, at any evaluation of the whole rollout, with probability at most its share; so for a candidate
// that is not worse on any guardrail the chance of a false rollback is at most alpha in total.
import { compareRocAuc } from './delong';
import type { Comparison } from './comparison';
import { formatDifference, formatLevel, formatValue, groupThousands } from './format';
import { compareLatency, NO_LATENCY_PERIODS } from './latency';
import { compareErrorRates, compareQualityProportion } from './proportions';
import { compareSampleRatio } from './sample-ratio';
import type { PairedSummary } from './paired';
import {
  comparePairedAuc,
  comparePairedLatency,
  comparePairedLatencyPairs,
  comparePairedQuality,
  poolComparisons,
} from './paired-comparison';
import { judgeScoreShift, type ScoreShiftStatistics } from './score-shift';
import { judgeAgreement, type AgreementStatistics } from './agreement';
import { judgeCopyRatio } from './copy-ratio';
import { MIN_TARGET, PLAN_POWER, passError } from './guardrail-design';
import { mixingScaleFor, twoSidedRadius } from './sequential';
import { informationClock, spendingLookAt, spendingOf } from './spending-looks';
import { judgeComparison } from './verdict';
import {
  GUARDRAIL_DESIGN,
  QUALITY_METRICS,
  type Confusion,
  type GuardrailConfig,
  type GuardrailEvaluation,
  type GuardrailName,
  type GuardrailResult,
  type LabelledSummary,
  type LatencyStatistics,
  type SoakSchedule,
  type SpendingLook,
  type SplitEvidence,
  type VariantEvidence,
  type Verdict,
} from './types';

/** The spec allows at most this many steps; the sample-ratio reserve covers one test per step. */
export const MAX_STEPS = 20;
export const SAMPLE_RATIO_SHARE = 1 / 1000;

export interface AlphaShares {
  sampleRatio: number;
  /** Share of each enabled guardrail other than the sample ratio. */
  perGuardrail: number;
  guardrails: GuardrailName[];
}

export function enabledGuardrails(config: GuardrailConfig): GuardrailName[] {
  const names: GuardrailName[] = [];
  if (config.errorRate5xx.enabled) names.push('errorRate5xx');
  if (config.errorRate4xx.enabled) names.push('errorRate4xx');
  if (config.latency.enabled) names.push('latency');
  for (const metric of QUALITY_METRICS) if (config.quality[metric]) names.push(metric);
  if (config.scoreShift?.enabled) names.push('scoreShift');
  if (config.agreement?.enabled) names.push('agreement');
  return names;
}

export function alphaShares(config: GuardrailConfig): AlphaShares {
  const guardrails = enabledGuardrails(config);
  const sampleRatio = config.sampleRatio.enabled ? config.alpha * SAMPLE_RATIO_SHARE : 0;
  const rest = config.alpha - sampleRatio * MAX_STEPS;
  return { sampleRatio, perGuardrail: guardrails.length > 0 ? rest / guardrails.length : 0, guardrails };
}

function judgeSampleRatio(split: SplitEvidence, alpha: number): GuardrailResult {
  const c = compareSampleRatio(split);
  const common = {
    guardrail: 'sampleRatio' as const,
    baseline: c.baseline,
    candidate: c.candidate,
    tolerance: 0,
    alpha,
    samples: c.samples,
    method: c.method,
  };
  if (!c.applicable) {
    return { ...common, verdict: 'pass', difference: null, interval: null, reason: `sampleRatio: ${c.missing}` };
  }
  if (c.missing !== undefined) {
    return { ...common, verdict: 'continue', difference: null, interval: null, reason: `sampleRatio: ${c.missing}` };
  }
  const tau = mixingScaleFor(MIN_TARGET.sampleRatio, alpha);
  const radius = twoSidedRadius(c.variance, tau, alpha);
  const [min, max] = c.range!;
  const lower = Math.max(min, c.estimate - radius);
  const upper = Math.min(max, c.estimate + radius);
  const n = c.samples.baseline + c.samples.candidate;
  const served = `candidate served ${formatValue(c.candidate, 'points', 1)} of ${groupThousands(n)} requests, expected ${split.candidateWeight}%`;
  const cs = `${formatLevel(alpha)} CS for the difference [${formatDifference(lower, 'points', 1, false)}, ${formatDifference(upper, 'points', 1, false)}] pts`;
  const mismatch = lower > 0 || upper < 0;
  return {
    ...common,
    verdict: mismatch ? 'fail' : 'pass',
    difference: c.estimate,
    interval: [lower, upper],
    reason: mismatch
      ? `sample ratio mismatch: ${served} (${cs}); the comparison cannot be trusted`
      : `sampleRatio: ${served}, no mismatch (${cs})`,
  };
}

export interface GuardrailInput {
  baseline: VariantEvidence;
  candidate: VariantEvidence;
  /** The complete periods both variants served, folded (latency.ts); absent: none yet. */
  latency?: LatencyStatistics;
  split: SplitEvidence;
  config: GuardrailConfig;
  /**
   * Where this evaluation falls in the planned soak, and the earlier looks: enables the error-spending test of the
   * rate and quality guardrails. Without it they use the normal mixture alone.
   */
  schedule?: SoakSchedule;
  /** Paired probes (config.paired): the replay rows both variants scored, as a paired summary. */
  paired?: PairedSummary | null;
  /** The label-free early guard's folded statistics of captured live scores (config.scoreShift). */
  scoreShift?: ScoreShiftStatistics | null;
  /** Shadow steps: the paired answers' agreement (config.agreement). */
  agreement?: AgreementStatistics | null;
}

/** A guardrail's comparison with the tolerance as the spec states it (relative for latency). */
export interface ConfiguredComparison {
  comparison: Comparison;
  reportedTolerance: number;
}

/**
 * The comparisons behind a verdict, before judging: the sample-ratio result, then one comparison per enabled
 * guardrail, in a stable order. evaluateGuardrails judges exactly these; the benchmark also runs naive fixed-horizon
 * tests on the same numbers.
 */
export function compareGuardrails(input: GuardrailInput): {
  sampleRatio: GuardrailResult | null;
  comparisons: ConfiguredComparison[];
  shares: AlphaShares;
  /** This evaluation's error-spending look (see evaluateGuardrails). */
  spendingLook: SpendingLook | null;
} {
  const { baseline, candidate, split, config } = input;
  const shares = alphaShares(config);
  const comparisons: ConfiguredComparison[] = [];
  for (const kind of ['errorRate5xx', 'errorRate4xx'] as const) {
    if (!config[kind].enabled) continue;
    const errors = kind === 'errorRate5xx' ? 'errors5xx' : 'errors4xx';
    const comparison = compareErrorRates(
      kind,
      { errors: baseline[errors], invocations: baseline.invocations },
      { errors: candidate[errors], invocations: candidate.invocations },
      config[kind].tolerance,
    );
    comparisons.push({ comparison, reportedTolerance: config[kind].tolerance });
  }
  // A shadow step's labelled pairs are paired evidence too (its quality is judged on them alone: the baseline's own
  // labelled rows have no candidate counterpart), but its latency stays CloudWatch's, per variant.
  const paired = config.paired || config.shadow ? (input.paired ?? null) : undefined;
  const source = config.shadow ? 'shadow' : 'probes';
  if (config.latency.enabled) {
    comparisons.push({
      // Paired probes measure both variants on the same rows at the same moment: their round trips replace
      // CloudWatch's per-period medians (which would count the probes of both variants alike).
      comparison:
        paired !== undefined && !config.shadow
          ? (config.design ?? GUARDRAIL_DESIGN) === 1
            ? comparePairedLatencyPairs(paired, config.latency.tolerance)
            : comparePairedLatency(paired, config.latency.tolerance)
          : compareLatency(input.latency ?? NO_LATENCY_PERIODS, config.latency.tolerance, config.latency.horizon),
      reportedTolerance: config.latency.tolerance,
    });
  }
  const confusionB = confusionAt(baseline.labelled, config.threshold);
  const confusionC = confusionAt(candidate.labelled, config.threshold);
  for (const metric of QUALITY_METRICS) {
    const q = config.quality[metric];
    if (!q) continue;
    let comparison =
      metric === 'rocAuc'
        ? compareRocAuc(baseline.labelled, candidate.labelled, q.tolerance)
        : compareQualityProportion(metric, confusionB, confusionC, q.tolerance);
    if (paired !== undefined) {
      // Paired probes, pooled with the unpaired labelled evidence (live traffic's label-complete cohorts) if any.
      const pairedComparison =
        metric === 'rocAuc'
          ? comparePairedAuc(paired, q.tolerance, source)
          : comparePairedQuality(metric, paired, q.tolerance, source);
      const unpaired = (baseline.labelled?.rows ?? 0) > 0 || (candidate.labelled?.rows ?? 0) > 0;
      comparison = unpaired ? poolComparisons(pairedComparison, comparison) : pairedComparison;
    }
    const mismatch = metric === 'rocAuc' ? null : thresholdMismatch(input);
    if (mismatch) comparison = { ...comparison, missing: mismatch, estimate: NaN, variance: NaN };
    comparisons.push({ comparison, reportedTolerance: q.tolerance });
  }
  const spendingLook = input.schedule ? spendingLookAt(input.schedule) : null;
  if (input.schedule) {
    const design = config.design ?? GUARDRAIL_DESIGN;
    // Design 3 runs each guardrail's spending clock on its information as well as the soak (informationClock).
    const clock = design >= 3 ? informationClock(shares.perGuardrail, config.power ?? PLAN_POWER) : null;
    for (const c of comparisons) {
      const spending = spendingOf(c.comparison, input.schedule, spendingLook, clock);
      if (spending) {
        const method = `${c.comparison.method}; within the planned soak, an error-spending group-sequential test (Lan & DeMets 1983)`;
        c.comparison = { ...c.comparison, spending, method };
      }
    }
  }
  return {
    sampleRatio: !config.sampleRatio.enabled
      ? null
      : config.shadow
        ? judgeCopyRatio(split, shares.sampleRatio) // a shadow is not routed: its copies are checked instead
        : judgeSampleRatio(split, shares.sampleRatio),
    comparisons,
    shares,
    spendingLook,
  };
}

/** A variant's confusion counts, null without labelled rows. */
function confusionAt(labelled: LabelledSummary | null, threshold: number): Confusion | null {
  return labelled && labelled.rows > 0 && labelled.threshold === threshold ? labelled.confusion : null;
}

/**
 * The confusion counts were counted at the summary's threshold: a summary counted at another threshold than the
 * config's cannot judge accuracy, precision, recall or F1 (a caller's mistake, shown rather than thrown, so that a
 * rollout reports it instead of failing its workflow task).
 */
function thresholdMismatch({ baseline, candidate, config, paired }: GuardrailInput): string | null {
  if ((config.paired || config.shadow) && paired && paired.rows > 0 && paired.threshold !== config.threshold) {
    return `the paired summary counted predictions at threshold ${paired.threshold}, not the spec's ${config.threshold}`;
  }
  for (const v of [baseline, candidate]) {
    if (v.labelled && v.labelled.rows > 0 && v.labelled.threshold !== config.threshold) {
      return (
        `the ${v.variantName} labelled summary counted predictions at threshold ${v.labelled.threshold}, not the ` +
        `spec's ${config.threshold}`
      );
    }
  }
  return null;
}

/**
 * Every enabled guardrail's result, the step's verdict, and the error-spending look to append to the schedule's looks
 * (null when this evaluation is no look, or without a schedule). Pure and deterministic (runs in workflow code).
 */
export function evaluateGuardrails(input: GuardrailInput): GuardrailEvaluation {
  const { sampleRatio, comparisons, shares, spendingLook } = compareGuardrails(input);
  const results: GuardrailResult[] = sampleRatio ? [sampleRatio] : [];
  const pass = passError(input.config, shares.perGuardrail);
  const design = input.config.design ?? GUARDRAIL_DESIGN;
  for (const { comparison, reportedTolerance } of comparisons) {
    const { result, crossedPass } = judgeComparison(comparison, shares.perGuardrail, reportedTolerance, pass, design);
    results.push(result);
    if (crossedPass && spendingLook) (spendingLook.passed ??= []).push(comparison.guardrail);
  }
  const shift = input.config.scoreShift;
  if (shift?.enabled) {
    results.push(judgeScoreShift(input.scoreShift ?? null, shares.perGuardrail, shift.tolerance, pass, design));
  }
  const agreement = input.config.agreement;
  if (agreement?.enabled) {
    results.push(judgeAgreement(input.agreement ?? null, shares.perGuardrail, agreement.tolerance));
  }
  return { ...combine(results), results, spendingLook };
}

/** fail if any fails; pass if all pass; continue otherwise, saying what is still undecided. */
export function combine(results: GuardrailResult[]): { verdict: Verdict; reason: string } {
  const failed = results.filter((r) => r.verdict === 'fail');
  if (failed.length > 0) return { verdict: 'fail', reason: failed.map((r) => r.reason).join('; ') };
  const open = results.filter((r) => r.verdict === 'continue');
  if (open.length > 0) {
    return { verdict: 'continue', reason: `waiting for evidence: ${open.map((r) => r.reason).join('; ')}` };
  }
  // Nothing enabled is the user's choice not to judge: the soak time alone decides.
  if (results.length === 0) return { verdict: 'pass', reason: 'no guardrail is enabled: the soak time alone decides' };
  return {
    verdict: 'pass',
    reason: `all ${results.length} guardrails pass: ${results.map((r) => r.guardrail).join(', ')}`,
  };
}
