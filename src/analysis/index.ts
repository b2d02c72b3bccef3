// src/analysis: pure, deterministic statistics for the rollout's guardrails (no I/O, no clocks, no randomness), so
// the workflow can call it directly. See README.md beside this file for the methods and their sources.
export * from './types';
export { classificationMetrics, rocCurve, rocAuc } from './classification';
export { delongAuc, compareAuc, type AucComparison } from './delong';
export type { PairedSummary } from './paired';
export type { ScoreShiftStatistics, ScoreShiftPeriod, ScoreCounts, PairedScoreCounts } from './score-shift';
export type { AgreementStatistics } from './agreement';
export { evaluateGuardrails, alphaShares, type AlphaShares } from './guardrails';
export { MAX_SPENDING_LOOKS } from './guardrail-design';
export {
  summarizeLabelled,
  mergeLabelled,
  emptyLabelledSummary,
  LabelledSummaryBuilder,
  classificationMetricsOf,
  binnedAuc,
  binnedRocCurve,
  aucBinningBound,
  scoreBin,
  SCORE_RESOLUTION,
} from './labelled-summary';
export {
  foldLatencyPeriod,
  foldCompletePeriods,
  foldRoundTrips,
  mergeLatencyStatistics,
  NO_LATENCY_PERIODS,
  type RoundTrips,
} from './latency';
export { summarizeVariant } from './summary';
export { normalCdf, normalQuantile } from './normal';
export { PairedSummaryBuilder, emptyPairedSummary, mergePaired, PAIRED_BATCH_ROWS } from './paired';
export { pairedDelong } from './paired-delong';
export {
  SCORE_SHIFT_THRESHOLDS,
  countScore,
  emptyScoreCounts,
  emptyScoreShift,
  foldScoreShift,
  judgeScoreShift,
} from './score-shift';
export { countScorePair, emptyPairedScoreCounts, foldPairedScoreShift } from './score-shift';
export { countPair, emptyAgreement, judgeAgreement, mergeAgreement, MIN_AGREEMENT_PAIRS } from './agreement';
export { compareCopyRatio, judgeCopyRatio } from './copy-ratio';
export {
  compareBakeLatency,
  evaluateBake,
  foldBakePeriod,
  EMPTY_BAKE_STREAM,
  type BakeInput,
  type BakeStream,
} from './bake';
