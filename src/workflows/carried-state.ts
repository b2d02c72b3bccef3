// What a rollout carries in its state from one evaluation to the next, and across continue-as-new, beyond CloudWatch's
// (cloudwatch-evidence.ts): live traffic's, a shadow step's and the bake's. Plain, bounded data; the rooms that fill
// them (live-quality.ts, shadow-evidence.ts, bake.ts) say what each field means for them.
import type { WeightPeriod } from '../activities';
import type { AgreementStatistics, BakeStream, Evaluation, PairedSummary, ScoreShiftStatistics } from '../analysis';

/** Per variant: live predictions captured, and what became of those whose label window closed. */
export interface LiveVariantCounts {
  captured: number;
  closed: number;
  labelled: number;
  unlabelled: number;
  late: number;
}

/** What the rollout keeps of live traffic between evaluations (in Evidence, so a continued run carries it). */
export interface LiveQualityEvidence {
  /** Per variant, the last capture key read. */
  cursors: Record<string, string>;
  /** Stable-weight periods, one per step, with the live predictions each variant served in it (the routed split). */
  periods: (WeightPeriod & { baseline: number; candidate: number })[];
  /** The label-free guard's folded statistics. */
  scoreShift: ScoreShiftStatistics;
  /** Live predictions made before this instant are in the folded cohorts (epoch ms). */
  closedThrough: number;
  variants: Record<string, LiveVariantCounts>;
}

/** A shadow step's paired evidence (shadow-evidence.ts). */
export interface ShadowEvidence {
  /** Requests made before this (epoch ms) are paired; the next read starts here. */
  pairedThrough: number;
  /** Live requests made before this have had their label window, and their labelled pairs are folded. */
  labelledThrough: number;
  agreement: AgreementStatistics;
  scoreShift: ScoreShiftStatistics;
  /** Labelled pairs: one-row replay requests (label in the InferenceId) and live pairs whose label came in time. */
  paired: PairedSummary | null;
  baselineOnly: number;
  unlabelled: number;
  late: number;
}

/** Where the bake is, carried across runs (continue-as-new.ts). */
export interface BakeState {
  stage: 'baking' | 'settling' | 'failure-gate';
  soakedMs: number;
  /** The candidate during the last live step, fixed when the bake began, and the step's number. */
  reference: BakeStream;
  referenceStep: number;
  /** The candidate since the bake began; CloudWatch periods starting before `foldedUntil` are folded. */
  bake: BakeStream;
  foldedUntil: number;
  last: Evaluation | null;
}
