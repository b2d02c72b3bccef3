// What bench:guardrail measures the sequential rollout against, in the same world and the same currency (candidate
// requests served until the decision can be made):
//  - the fixed horizon a team would plan without sequential tests: n units of evidence so that a candidate equal to the
//    baseline is shown within the tolerance (or one worse by the tolerance is caught) with 80% power at the
//    guardrail's alpha share, n = (q(1 − a) + q(0.8))²·σ²/tol², σ² with both variants equal (Student's t quantiles
//    for CloudWatch latency, whose variance must come from its own few periods);
//  - the oracle: Wald's sequential probability ratio test with the TRUE parameters (the true effect and variance),
//    at the same alpha and beta. By the Wald–Wolfowitz theorem no test with those error rates has a smaller expected
//    sample under either hypothesis; its sample is simulated (Gaussian increments of the estimate, unit by unit), and
//    Wald's approximation E[N] = ((1 − e)·A + e·B)/KL is printed beside it as a check.
// Both need time in this world too: a unit of evidence counts only once the workflow sees it (a CloudWatch period once
// it settled, a live label once its cohort's window closed, a capture once its file landed, a replay answer at the
// next evaluation), so every sample size n becomes the candidate requests served by the first evaluation at which n
// units were visible (`servedFor`, the first step at 50/50 with the workflow's clock: evaluations every interval).
import { normalQuantile, studentFromNormal } from '../../src/analysis/normal';
import { settledBefore, startOfEvidence } from '../../src/workflows/cloudwatch-evidence';
import { Rng } from './rng';
import type { GuardrailModel } from './scenarios';

export interface Clock {
  /** Candidate requests a second in the first step. */
  rate: number;
  intervalMs: number;
  settleMs: number;
  periodMs: number;
  maxLabelDelayMs: number;
  sliceMs: number;
  /** Requests each variant serves in a period (latency's periods need at least MIN_PERIOD_SAMPLES). */
  periodRequests: number;
}

const BASE = 1_800_000_000_000; // a whole minute

/** Units of a guardrail's evidence the workflow has `t` ms after the candidate went live `phaseMs` into a minute. */
export function availableAt(model: GuardrailModel, clock: Clock, t: number, phaseMs: number): number {
  const start = BASE + phaseMs;
  const now = start + t;
  const requests = (until: number) => (Math.max(0, until - start) / 1000) * clock.rate;
  switch (model.source) {
    case 'cloudwatch':
      return requests(settledBefore(now, clock.settleMs, clock.periodMs)) * model.unitsPerRequest;
    case 'cloudwatch-periods': {
      const until = settledBefore(now, clock.settleMs, clock.periodMs);
      const first = startOfEvidence(start, clock.periodMs);
      let periods = Math.max(0, Math.round((until - first) / clock.periodMs));
      // The minute the candidate went live in counts once both variants served 10 requests in it.
      if (periods > 0 && ((first + clock.periodMs - start) / clock.periodMs) * clock.periodRequests < 10) periods--;
      return periods;
    }
    case 'replay':
    case 'paired':
      return (t / 1000) * clock.rate * model.unitsPerRequest;
    case 'live-labels': {
      const slices = Math.floor((now - 1000 - clock.maxLabelDelayMs - start) / clock.sliceMs);
      return requests(start + Math.max(0, slices) * clock.sliceMs) * model.unitsPerRequest;
    }
    case 'capture':
      return requests(Math.floor(now / clock.periodMs) * clock.periodMs) * model.unitsPerRequest;
  }
}

/** Candidate requests served by the first evaluation at which `units` of the guardrail's evidence were visible. */
export function servedFor(model: GuardrailModel, clock: Clock, units: number, phaseMs: number): number {
  if (!Number.isFinite(units)) return Infinity;
  let lo = 0;
  let hi = 1;
  while (availableAt(model, clock, hi * clock.intervalMs, phaseMs) < units) {
    lo = hi;
    hi *= 2;
    if (hi > 1e7) return Infinity;
  }
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (availableAt(model, clock, mid * clock.intervalMs, phaseMs) >= units) hi = mid;
    else lo = mid;
  }
  return (hi * clock.intervalMs * clock.rate) / 1000;
}

/** servedFor averaged over where in its minute the candidate went live. */
export function meanServedFor(model: GuardrailModel, clock: Clock, units: number): number {
  let sum = 0;
  for (let s = 0; s < 60; s++) sum += servedFor(model, clock, units, s * 1000);
  return sum / 60;
}

/**
 * Units of the power formula n = (q(1 − a) + q(power))²·σ²/Δ², normal quantiles, or Student's t with n − 1 degrees
 * of freedom (solved by iteration) when the test must estimate σ² from the same n units.
 */
export function powerFormula(alpha: number, power: number, variance: number, effect: number, tTest: boolean): number {
  const zA = normalQuantile(1 - alpha);
  const zP = normalQuantile(power);
  let n = ((zA + zP) ** 2 * variance) / (effect * effect);
  for (let i = 0; tTest && i < 100; i++) {
    const nu = Math.max(1, n - 1);
    n = ((studentFromNormal(zA, nu) + studentFromNormal(zP, nu)) ** 2 * variance) / (effect * effect);
  }
  return n;
}

/** The fixed horizon planned at the tolerance with 80% power, in units of the guardrail's evidence. */
export function planUnits(model: GuardrailModel, alpha: number): number {
  return powerFormula(alpha / model.tests, 0.8, model.nullVariance, model.tolerance, model.tTest);
}

/**
 * Wald's SPRT of the truth P (mean θP) against Q (θQ) for Gaussian units of variance σ²: the units until it decides,
 * with e_P = P(decide Q | P) and e_Q = P(decide P | Q). The log-likelihood ratio's increments are N(κ, 2κ), κ the
 * Kullback–Leibler divergence (θP − θQ)²/(2σ²).
 */
export class Sprt {
  readonly kl: number;
  readonly upper: number;
  readonly lower: number;
  constructor(
    thetaP: number,
    thetaQ: number,
    variance: number,
    readonly errorP: number,
    readonly errorQ: number,
  ) {
    this.kl = (thetaP - thetaQ) ** 2 / (2 * variance);
    this.upper = Math.log((1 - errorP) / errorQ);
    this.lower = Math.log(errorP / (1 - errorQ));
  }

  /** Wald's approximation of the expected units under P (overshoot ignored). */
  get waldUnits(): number {
    return ((1 - this.errorP) * this.upper + this.errorP * this.lower) / this.kl;
  }

  /** One simulated path: units until the log-likelihood ratio leaves (lower, upper). */
  run(rng: Rng, maxUnits = 1e7): number {
    const sd = Math.sqrt(2 * this.kl);
    let llr = 0;
    for (let n = 1; n <= maxUnits; n++) {
      llr += this.kl + sd * rng.normal();
      if (llr >= this.upper || llr <= this.lower) return n;
    }
    return Infinity;
  }
}

export interface OracleSample {
  /** Candidate requests served by each simulated decision. */
  served: number[];
  /** Mean units of evidence simulated, and Wald's approximation (for the regressed guardrail; the largest for A/A). */
  meanUnits: number;
  waldUnits: number;
}

/**
 * The oracle of a regression: SPRT of the true effect against the fail side's null at (alpha, beta), the regressed
 * guardrail's evidence; each path's decision placed on the workflow's clock at a random phase.
 */
export function regressionOracle(
  model: GuardrailModel,
  clock: Clock,
  effect: number,
  variance: number,
  alpha: number,
  beta: number,
  paths: number,
  seed: number,
): OracleSample {
  const rng = new Rng(seed);
  const sprt = new Sprt(effect, model.failNull, variance, beta, alpha);
  const served: number[] = [];
  let units = 0;
  for (let i = 0; i < paths; i++) {
    const n = sprt.run(rng);
    units += n;
    served.push(servedFor(model, clock, n, 1000 * Math.floor(rng.uniform() * 60)));
  }
  return { served, meanUnits: units / paths, waldUnits: sprt.waldUnits };
}

/**
 * The oracle of an equal candidate passing every guardrail: per guardrail an SPRT of "equal" (the truth) against "worse
 * by the tolerance" (false fail at most the guardrail's alpha, false pass at the tolerance at most `betaPass`), all
 * running on the same traffic; the rollout could pass once the last of them decided.
 */
export function passOracle(
  models: GuardrailModel[],
  clock: Clock,
  alpha: number,
  betaPass: number,
  paths: number,
  seed: number,
): OracleSample & { slowest: string } {
  const rng = new Rng(seed);
  // Every guardrail's "equal" value is 0 (scoreShift's too: a distance of 0).
  const sprts = models.map((m) => new Sprt(0, m.tolerance, m.nullVariance, alpha, betaPass));
  const served: number[] = [];
  const slowestCount = new Map<string, number>();
  const units = models.map(() => 0);
  for (let i = 0; i < paths; i++) {
    const phase = 1000 * Math.floor(rng.uniform() * 60);
    let worst = 0;
    let which = '';
    sprts.forEach((s, g) => {
      const n = s.run(rng);
      units[g] += n;
      const at = servedFor(models[g], clock, n, phase);
      if (at > worst) {
        worst = at;
        which = models[g].guardrail;
      }
    });
    slowestCount.set(which, (slowestCount.get(which) ?? 0) + 1);
    served.push(worst);
  }
  const slowest = [...slowestCount].sort((a, b) => b[1] - a[1])[0][0];
  const index = models.findIndex((m) => m.guardrail === slowest);
  return { served, meanUnits: units[index] / paths, waldUnits: sprts[index].waldUnits, slowest };
}
