// Durations in specs are strings a person types: "500ms", "30s", "10m", "1h", "1h30m". Parsed here, once.
// No zod here: the workflow imports this file (see signal-check.ts for why that matters).
import type { GuardrailDesign } from '../analysis/types';
import type { StepSpec } from './spec';
const UNIT_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const PART = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/g;
export const DURATION_PATTERN = /^(\d+(?:\.\d+)?(ms|s|m|h|d))+$/;

/** Milliseconds in a duration string; throws on anything DURATION_PATTERN rejects. */
export function durationMs(text: string): number {
  if (!DURATION_PATTERN.test(text)) throw new Error(`not a duration: "${text}" (use e.g. "30s", "10m", "1h")`);
  let total = 0;
  for (const [, value, unit] of text.matchAll(PART)) total += Number(value) * UNIT_MS[unit];
  return Math.round(total);
}

/** The shortest readable form of a duration, for messages and the status view: 90000 → "1m30s". */
export function formatDuration(ms: number): string {
  if (ms < 1_000) return `${Math.round(ms)}ms`;
  let rest = Math.round(ms / 1_000);
  const parts: string[] = [];
  for (const [unit, size] of [
    ['h', 3_600],
    ['m', 60],
    ['s', 1],
  ] as const) {
    const n = Math.floor(rest / size);
    if (n > 0) parts.push(`${n}${unit}`);
    rest -= n * size;
  }
  return parts.join('') || '0s';
}

/** Milliseconds of a step's longest soak: maxSoak if set, else 3 × soak. */
export function maxSoakMs(step: StepSpec): number {
  return step.maxSoak ? durationMs(step.maxSoak) : 3 * durationMs(step.soak);
}

/**
 * The most metric periods a rollout can soak: every step's maxSoak added up, over the metric period, rounded up. It
 * is fixed by the spec before any data, so latency's group-sequential test can use it as its horizon
 * (src/analysis/group-sequential.ts); more periods than this (e.g. time spent shifting weights) are judged by the
 * always-valid t-mixture alone.
 */
export function soakPeriods(spec: { steps: readonly StepSpec[]; evaluation: { metricPeriod: string } }): number {
  return Math.ceil(totalMaxSoakMs(spec.steps) / durationMs(spec.evaluation.metricPeriod));
}

/**
 * The metric periods latency's group-sequential test is planned over (its horizon; src/analysis/group-sequential.ts),
 * fixed by the spec before any data. Designs 1 and 2: the most the rollout can soak (soakPeriods). Design 3: every
 * step's soak added up (each step's minimum), the periods a rollout whose steps pass at their soak has seen when its
 * last step's soak ends: the test's boundary is then lower where latency is decided (around ten periods in the
 * benchmark), and later periods are judged by the always-valid t-mixture alone. Chosen on the benchmark's tuning seeds
 * (src/analysis/README.md, "Within the rollout's horizon").
 */
export function latencyHorizon(
  spec: { steps: readonly StepSpec[]; evaluation: { metricPeriod: string } },
  design: GuardrailDesign,
): number {
  if (design < 3) return soakPeriods(spec);
  const soakMs = spec.steps.reduce((sum, step) => sum + durationMs(step.soak), 0);
  return Math.ceil(soakMs / durationMs(spec.evaluation.metricPeriod));
}

/** Milliseconds a rollout's steps can soak at most: every step's maxSoak added up. */
export function totalMaxSoakMs(steps: readonly StepSpec[]): number {
  return steps.reduce((sum, step) => sum + maxSoakMs(step), 0);
}

/**
 * Live traffic's labelled predictions are judged in cohorts by prediction time (src/workflows/live-quality.ts): a slice
 * of `cohortSliceMs` is folded once every prediction in it has had `maxLabelDelay` for its label, so a label that comes
 * later can never change what the guardrails saw. A quarter of maxLabelDelay keeps the first cohort near maxLabelDelay
 * after the candidate went live and each label object read about five times (once per slice whose window it falls
 * in); at least the evaluation interval (a cohort per evaluation at most) and at most an hour (SageMaker's capture
 * partitions are hours), in whole seconds.
 */
export function cohortSliceMs(spec: {
  evaluation: { interval: string };
  traffic: { groundTruth?: { maxLabelDelay: string } };
}): number {
  const window = spec.traffic.groundTruth ? durationMs(spec.traffic.groundTruth.maxLabelDelay) : 0;
  // Whole seconds, as capture's inferenceTime: a prediction's slice is then the slice its true time falls in.
  const slice = Math.min(3_600_000, Math.max(durationMs(spec.evaluation.interval), window / 4));
  return Math.ceil(slice / 1000) * 1000;
}

/**
 * The soonest a first cohort of labelled live predictions can be judged after the candidate goes live: its slice, its
 * label window, and the second that capture's inferenceTime (whole seconds) may hide.
 */
export function firstCohortMs(spec: Parameters<typeof cohortSliceMs>[0]): number {
  const window = spec.traffic.groundTruth ? durationMs(spec.traffic.groundTruth.maxLabelDelay) : 0;
  return cohortSliceMs(spec) + window + 1_000;
}
