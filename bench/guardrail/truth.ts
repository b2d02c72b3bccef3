// What a variant truly is in bench:guardrail's world, and how its requests come out: error rates, ModelLatency,
// and the score of a labelled row. Per request (SageMaker's per-invocation metrics, [DG-CW]):
//  - 5XX with probability p5, 4XX with p4 (an errored request has no score and no ModelLatency);
//  - ModelLatency lognormal (median `medianUs`, log-sd LATENCY_SIGMA) × the minute's load, which both variants feel
//    (LOAD_SIGMA), × the minute's hiccup of the variant's own instance (INSTANCE_SIGMA: GC, a noisy neighbour);
//  - a labelled row: 30% positives, logit = ±1 + noise + bias. The noise is √ρ·Z_row + √(1 − ρ)·Z_model: a difficulty
//    the row has for every model (ρ = CORRELATION, what paired probes exploit) and the model's own; unpaired, one
//    model's noise is simply N(0, 1). Accuracy 84.1% and ROC AUC 0.921 at threshold 0.5.
// Regressions: `bias` moves accuracy and leaves the ranking alone; `scramble` redraws a share of the rows on the same
// side of the threshold, which hurts the ranking (AUC) and leaves accuracy alone; `constant` is a broken model that
// answers one score whatever the row (a failed feature join).
import { normalCdf } from '../../src/analysis/normal';
import { delongAuc } from '../../src/analysis/delong';
import type { ScoredRequest } from '../../src/analysis';
import { Rng } from './rng';

export const POSITIVE_RATE = 0.3;
export const LATENCY_SIGMA = 0.5;
export const LOAD_SIGMA = 0.15;
export const INSTANCE_SIGMA = 0.1;
/** Correlation of two models' logit noise on the same row (the demo's champion and challenger: 0.77 / 0.46). */
export const CORRELATION = 0.6;
/** Round trip beyond ModelLatency (SageMaker's overhead, the network): lognormal, per request, ms. */
export const NETWORK_MEDIAN_MS = 3;
export const NETWORK_SIGMA = 0.3;

export interface Truth {
  p5: number;
  p4: number;
  medianUs: number;
  bias: number;
  scramble: number;
  constant: number | null;
}

export const BASELINE: Truth = { p5: 0.01, p4: 0.002, medianUs: 20_000, bias: 0, scramble: 0, constant: null };

/** A model's score of a row of class `label`; `shared` is the row's difficulty (null: unpaired, draw it here). */
export function scoreOf(rng: Rng, label: number, truth: Truth, shared: number | null = null): number {
  if (truth.constant !== null) return truth.constant;
  const noise =
    shared === null ? rng.normal() : Math.sqrt(CORRELATION) * shared + Math.sqrt(1 - CORRELATION) * rng.normal();
  let x = (label === 1 ? 1 : -1) + noise + truth.bias;
  if (truth.scramble > 0 && rng.uniform() < truth.scramble) {
    // Same side of the threshold, so the same predicted class and accuracy; a random place in the ranking.
    x = (x >= 0 ? 1 : -1) * Math.abs(rng.normal());
  }
  return 1 / (1 + Math.exp(-x));
}

export const accuracyAt = (bias: number) =>
  POSITIVE_RATE * normalCdf(1 + bias) + (1 - POSITIVE_RATE) * normalCdf(1 - bias);

/** The bias that costs `drop` of accuracy (bisection; accuracy falls as bias grows from 0). */
export function biasFor(drop: number): number {
  const target = accuracyAt(0) - drop;
  let lo = 0;
  let hi = 3;
  for (let i = 0; i < 100; i++) {
    const mid = (lo + hi) / 2;
    if (accuracyAt(mid) > target) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

export function labelledSample(rng: Rng, n: number, truth: Truth): ScoredRequest[] {
  return Array.from({ length: n }, () => {
    const label = rng.uniform() < POSITIVE_RATE ? 1 : 0;
    return { label, score: scoreOf(rng, label, truth) };
  });
}

/** Monte Carlo AUC and per-row AUC variance (rows × DeLong variance) of a truth, on a large seeded sample. */
export function aucOf(truth: Truth, seed = 99, n = 200_000): { auc: number; perRowVariance: number } {
  const est = delongAuc(labelledSample(new Rng(seed), n, truth))!;
  return { auc: est.auc, perRowVariance: est.variance * n };
}

/** The scramble share that costs `drop` of AUC (bisection on a common-random-numbers Monte Carlo). */
export function scrambleFor(drop: number): number {
  const target = aucOf(BASELINE).auc - drop;
  let lo = 0;
  let hi = 1;
  for (let i = 0; i < 22; i++) {
    const mid = (lo + hi) / 2;
    if (aucOf({ ...BASELINE, scramble: mid }, 99, 60_000).auc > target) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}
