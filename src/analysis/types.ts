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

/** Everything known about one variant at an evaluation: CloudWatch aggregates plus labelled replay results. */
export interface VariantEvidence {
  variantName: string;
  /** CloudWatch sums since the candidate went live. */
  invocations: number;
  errors4xx: number;
  errors5xx: number;
  latency: LatencyPeriod[];
  /** Labelled replay results since the candidate went live (empty in live-traffic mode). */
  labelled: ScoredRequest[];
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
}

export type GuardrailName = 'errorRate5xx' | 'errorRate4xx' | 'latency' | QualityMetricName | 'sampleRatio';

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
  /** The method, named so a reader can look it up (e.g. "mSPRT two proportions (Johari et al. 2017)"). */
  method: string;
  /** One sentence for people. */
  reason: string;
}

/**
 * Where an evaluation falls in the rollout's planned soak, and every earlier evaluation of the same rollout: the
 * error-spending test of the rate and quality guardrails (error-spending.ts) needs both, because its boundary at a
 * look depends on how much alpha it spent at the earlier ones.
 */
export interface SoakSchedule {
  /** Soak time so far (every step's, added up) over the spec's total maxSoak: 1 at the end of the planned soak. */
  soakFraction: number;
  /** Earlier evaluations, oldest first. */
  earlier: readonly EarlierEvaluation[];
}

export interface EarlierEvaluation {
  soakFraction: number;
  /** What the error-spending test reads of each guardrail's result at that look. */
  results: readonly Pick<GuardrailResult, 'guardrail' | 'difference' | 'samples'>[];
}

export interface Evaluation {
  /** fail if any guardrail fails; pass if every enabled guardrail passes; continue otherwise. */
  verdict: Verdict;
  reason: string;
  results: GuardrailResult[];
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
  quality: ClassificationMetrics | null;
}
