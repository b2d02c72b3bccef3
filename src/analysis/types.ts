// The shapes src/analysis works on and returns. The workflow, the CLI and the report read these; keep them stable.
// Everything here is plain data (JSON-serialisable), because it rides in workflow state, queries and results.

/** One labelled request from replay traffic: the true label (0/1) and the score the variant returned. */
export interface ScoredRequest {
  label: number;
  score: number;
}

/** One CloudWatch period of ModelLatency for one variant, in microseconds (SageMaker's unit). */
export interface LatencyPeriod {
  /** Period start, epoch ms. */
  timestamp: number;
  sampleCount: number;
  average: number;
  p50?: number;
  p90?: number;
  p99?: number;
}

/**
 * Everything known about one variant at an evaluation, as sufficient statistics (bounded however long a rollout runs):
 * CloudWatch sums and its labelled replay results. Latency is paired between the variants: LatencyStatistics.
 */
export interface VariantEvidence {
  variantName: string;
  /** CloudWatch sums since the candidate went live. */
  invocations: number;
  errors4xx: number;
  errors5xx: number;
  /** Labelled replay results since the candidate went live (null or no rows in live-traffic mode). */
  labelled: LabelledSummary | null;
}

/**
 * The complete CloudWatch periods both variants served, folded one at a time (latency.ts `foldLatencyPeriod`): for
 * each, d = log(candidate's period median / baseline's). Plain numbers, JSON-safe.
 */
export interface LatencyStatistics {
  /** Periods folded in which both variants served enough requests (MIN_PERIOD_SAMPLES). */
  periods: number;
  /** Mean of the d's (Welford). */
  meanLogRatio: number;
  /** Σ (d − mean)² (Welford). */
  sumSquaredDeviations: number;
  /** Sum of the lognormal model's sampling variance of d over the periods that have p50 and p90 on both variants. */
  modelVarianceSum: number;
  modelVariancePeriods: number;
  /** Σ log(period value) per variant (µs), for the geometric means. */
  logBaselineSum: number;
  logCandidateSum: number;
  /** Start (epoch ms) of the newest period folded: a period at or before it is never folded again. */
  through?: number;
  /**
   * Folded periods judged by their median (p50 on both variants); the others by their mean, because CloudWatch
   * returned no percentile (it computes none from statistic sets). Absent in statistics folded before it was kept.
   */
  medianPeriods?: number;
  /** 'round trips': minutes of replay traffic's round trips (latency.ts foldRoundTrips), not CloudWatch's periods. */
  source?: 'round trips';
}

/** Per-variant figures for people (summarizeVariant): the evidence plus the window's latency periods. */
export interface VariantFigures extends VariantEvidence {
  latency: readonly LatencyPeriod[];
}

/** Invocations each variant served since the current weights took effect, for the sample-ratio check. */
export interface SplitEvidence {
  /** Percent of traffic the candidate should get (0..100). */
  candidateWeight: number;
  baselineInvocations: number;
  candidateInvocations: number;
}

export interface ToleranceConfig {
  enabled: boolean;
  tolerance: number;
}

export type QualityMetricName = 'accuracy' | 'precision' | 'recall' | 'f1' | 'rocAuc';
export const QUALITY_METRICS: readonly QualityMetricName[] = ['accuracy', 'precision', 'recall', 'f1', 'rocAuc'];

/** The revisions of the guardrails' design (GuardrailConfig.design). */
export type GuardrailDesign = 1 | 2 | 3 | 4;
/** The design new rollouts are judged by (GuardrailConfig.design absent). */
export const GUARDRAIL_DESIGN: GuardrailDesign = 4;

export interface GuardrailConfig {
  /** Rollout-wide chance of a false rollback, shared by all guardrails. */
  alpha: number;
  /** Absolute increase of the 5XX rate allowed. */
  errorRate5xx: ToleranceConfig;
  errorRate4xx: ToleranceConfig;
  /** Relative increase of typical ModelLatency allowed (0.2 = 20% slower). */
  latency: ToleranceConfig & {
    /**
     * The most metric periods the rollout can soak (its steps' maxSoak over the metric period), fixed by the spec:
     * within it latency is also judged by a finite-horizon group-sequential t-test. Absent: the t-mixture alone.
     */
    horizon?: number;
  };
  /** Absolute drop allowed per quality metric; a metric absent here is not judged. */
  quality: Partial<Record<QualityMetricName, { tolerance: number }>>;
  sampleRatio: { enabled: boolean };
  /** Score at or above which a request counts as predicted positive. */
  threshold: number;
  /**
   * The chance to catch a regression as large as a guardrail's tolerance, as a fixed-horizon plan states its power: a
   * guardrail passes once its upper bound at level 1 − power (not its alpha share) is under the tolerance, so a
   * candidate worse by the tolerance passes it with probability at most 1 − power (README.md, "The pass bound").
   * Absent: the pass bound holds at the guardrail's alpha share, like the fail bound.
   */
  power?: number;
  /**
   * Which revision of the guardrails' design judges (absent: the current one, GUARDRAIL_DESIGN below). A
   * rollout keeps the design it started with (the workflow chooses it with `patched` and carries it across
   * continue-as-new), because a design judges the same evidence differently and a replayed rollout must decide as it
   * did:
   *  - 1, before issue 21: error spending of Lan & DeMets's Pocock type; the pass bound at the guardrail's alpha share,
   *    tuned like the fail bound and with its error-spending part (`power` ignored); the label-free guard's indicators
   *    uncentred; paired probes' latency on the pairs as if independent (a normal mixture from 100 pairs);
   *  - 2: error spending alpha·√t; the pass bound at 1 − power with no spending part; the label-free guard's indicators
   *    centred on the earlier periods; paired probes' latency on per-minute batches (README.md);
   *  - 3: design 2, with each rate and quality guardrail's error spending on the larger of the soak fraction and its
   *    information fraction (the information a fixed-horizon test at the tolerance and power needs), and latency's
   *    group-sequential test planned over the steps' soak rather than their maxSoak (the caller's `latency.horizon`,
   *    src/schema/duration.ts latencyHorizon; README.md).
   */
  design?: GuardrailDesign;
  /**
   * Replay probes are paired (each row to both variants): quality and latency are judged on the paired evidence
   * (paired.ts), quality pooled with any unpaired labelled evidence (live traffic).
   */
  paired?: boolean;
  /**
   * The label-free early guard on captured live scores (score-shift.ts): the largest difference of the variants' score
   * distribution functions allowed. Absent or disabled: not judged, and it takes no share of alpha.
   */
  scoreShift?: ToleranceConfig;
  /**
   * A shadow step (the candidate answers mirrored copies of the baseline's requests, no caller): quality is judged on
   * the labelled copies paired with the baseline's answers by InferenceId (paired.ts), the sample-ratio check becomes
   * the copy-ratio check (copy-ratio.ts: `split.candidateWeight` is then the mirrored share), and the score-shift guard
   * reads paired statistics. Latency and error rates stay CloudWatch's, each variant under its own VariantName.
   */
  shadow?: boolean;
  /** Shadow steps: the share of paired answers whose predicted class differs (agreement.ts). Absent: not judged. */
  agreement?: ToleranceConfig;
}

export type GuardrailName =
  | 'errorRate5xx'
  | 'errorRate4xx'
  | 'latency'
  | QualityMetricName
  | 'scoreShift'
  | 'agreement'
  | 'sampleRatio'
  | 'copyRatio';

export type Verdict = 'pass' | 'fail' | 'continue';

/** One guardrail's judgement at one evaluation: what a user sees in `status`, `watch` and the report. */
export interface GuardrailResult {
  guardrail: GuardrailName;
  verdict: Verdict;
  /** The metric on each variant (rate, ms, or score), null when there is no data. */
  baseline: number | null;
  candidate: number | null;
  /**
   * How much worse the candidate is, in the guardrail's unit: candidate − baseline for rates (positive = more
   * errors), baseline − candidate for quality (positive = worse model), relative change for latency (0.1 = 10%
   * slower). Null when not computable yet.
   */
  difference: number | null;
  /** Always-valid confidence interval for `difference` at this guardrail's share of alpha. */
  interval: [number, number] | null;
  tolerance: number;
  /** This guardrail's share of the rollout's alpha. */
  alpha: number;
  /** Observations each side (requests, labelled rows or latency periods, as the method uses). */
  samples: { baseline: number; candidate: number };
  /** The statistic judged, where the guardrail's name does not say it (latency: per-period mean or median). */
  statistic?: string;
  /** The method, named so a reader can look it up (e.g. "mSPRT two proportions (Johari et al. 2017)"). */
  method: string;
  /** One sentence for people. */
  reason: string;
}

/**
 * Where an evaluation falls in the rollout's planned soak, and the error-spending looks so far: the error-spending test
 * of the rate and quality guardrails (error-spending.ts) needs both, because its boundary at a look depends on how
 * much alpha it spent at the earlier ones.
 */
export interface SoakSchedule {
  /** Soak time so far (every step's, added up) over the spec's total maxSoak: 1 at the end of the planned soak. */
  soakFraction: number;
  /** Earlier looks, oldest first: the spendingLook of every evaluation that returned one (at most MAX_SPENDING_LOOKS). */
  looks: readonly SpendingLook[];
}

/** One look of the error-spending test: when it was, and the information of each guardrail judged there. */
export interface SpendingLook {
  soakFraction: number;
  /** n_b·n_c/(n_b + n_c) of each rate or quality guardrail that had a difference at this look. */
  information: Partial<Record<GuardrailName, number>>;
  /**
   * Design 3: a guardrail's spending clock at this look where it ran ahead of soakFraction (its information fraction,
   * spending-looks.ts informationClock); absent for a guardrail: soakFraction.
   */
  fraction?: Partial<Record<GuardrailName, number>>;
  /**
   * Design 4: the guardrails that crossed their error-spending pass boundary at this look (verdict.ts judgeComparison,
   * "the pass side"); absent when none did. Between looks such a guardrail may still pass at that look's boundary.
   */
  passed?: GuardrailName[];
}

export interface Evaluation {
  /** fail if any guardrail fails; pass if every enabled guardrail passes; continue otherwise. */
  verdict: Verdict;
  reason: string;
  results: GuardrailResult[];
}

/** evaluateGuardrails' answer: the evaluation, and the look the caller appends to its schedule's looks (or null). */
export interface GuardrailEvaluation extends Evaluation {
  spendingLook: SpendingLook | null;
}

export interface RocCurve {
  fpr: number[];
  tpr: number[];
  thresholds: number[];
}

/** scikit-learn-compatible classification metrics of labelled requests at a threshold. */
export interface ClassificationMetrics {
  n: number;
  positives: number;
  threshold: number;
  accuracy: number;
  precision: number;
  recall: number;
  f1: number;
  /** Null when only one class is present (AUC is undefined). */
  rocAuc: number | null;
  rocCurve: RocCurve | null;
}

/** Per-variant figures at one moment, for people; the guardrails judge the raw evidence, not these. */
export interface VariantSummary {
  variantName: string;
  invocations: number;
  errorRate5xx: number | null;
  errorRate4xx: number | null;
  latencyP50Ms: number | null;
  latencyP99Ms: number | null;
  /** Mean ModelLatency (ms): what there is when CloudWatch returns no percentiles. Absent in older summaries. */
  latencyMeanMs?: number | null;
  quality: ClassificationMetrics | null;
}

/** Confusion counts at a threshold (score ≥ threshold predicts positive). */
export interface Confusion {
  tp: number;
  fp: number;
  fn: number;
  tn: number;
}

/** The non-empty bins in ascending order and the rows in each: (bins[i], counts[i]) pairs. */
export interface ScoreHistogram {
  bins: number[];
  counts: number[];
}

/**
 * A variant's labelled rows as sufficient statistics: exact counts and per-class score histograms (labelled-summary.ts
 * builds them, and says why AUC and DeLong's variance are exact on them).
 */
export interface LabelledSummary {
  /** Usable rows (finite label and score). */
  rows: number;
  /** Rows whose label is 1. */
  positives: number;
  /** The score at or above which a row counted as predicted positive in `confusion`. */
  threshold: number;
  /** Exact confusion counts at `threshold`, from the raw scores. */
  confusion: Confusion;
  /** Bins per unit of score of the histograms (labelled-summary.ts's SCORE_RESOLUTION when built there). */
  resolution: number;
  /** Rows whose score was below 0 or above 1 and was counted in the end bin. */
  clamped: number;
  /** Binned scores of the positive rows and of the negative rows. */
  histogram: { positive: ScoreHistogram; negative: ScoreHistogram };
}

/** One variant's ROC AUC with DeLong's variance (delong.ts). */
export interface AucEstimate {
  auc: number;
  /** DeLong's variance of the AUC: S10/m + S01/n. */
  variance: number;
  positives: number;
  negatives: number;
}
