// What status shows of a shadow step and of the post-promotion bake (part of the status shape of shared.ts).

/** A shadow step as status shows it: the share mirrored, and the answers paired so far by InferenceId. */
export interface ShadowStatus {
  variantName: string;
  /** Percent of the baseline's requests SageMaker mirrors to the shadow (its weight over the baseline's). */
  mirroredPercent: number;
  /** Mirrored requests whose two answers were captured and paired, and of those, pairs with a label. */
  pairs: number;
  labelledPairs: number;
  /** The baseline's captured answers without a captured copy (not mirrored, sampled out, or failed on the shadow). */
  baselineOnly: number;
  /** Requests made before this instant are paired (ISO); null before the first read. */
  pairedThrough: string | null;
}

/** The bake as status shows it. */
export interface BakeStatus {
  startedAt: string;
  /** When the bake's time is up (later if it was paused or a human was asked). */
  endsAt: string;
  soakedMs: number;
  /** The live step whose evidence of the candidate the bake is held to. */
  referenceStep: number;
  /** Instances the baseline keeps warm at weight 0, and how many it had before. */
  warmInstances: number;
  instancesBefore?: number;
}
