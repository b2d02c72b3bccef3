// bench:guardrail's scenarios: which world, what the candidate truly is, which guardrail should catch it, and per
// guardrail of the world what the fixed-horizon plan and the oracle need to know of the truth: the estimate's true
// value and its variance per unit of evidence (a request, a labelled row, a CloudWatch period or a pair), with both
// variants served alike (the first step's 50/50, or both answering every paired probe). Variances the formulas do not
// give are measured by Monte Carlo on the world's own generators (seeded, so every run computes the same numbers).
import { pairedDelong } from '../../src/analysis/paired-delong';
import { SCORE_SHIFT_THRESHOLDS } from '../../src/analysis/score-shift';
import type { GuardrailName } from '../../src/analysis';
import { Rng } from './rng';
import {
  accuracyAt,
  aucOf,
  BASELINE,
  biasFor,
  INSTANCE_SIGMA,
  LATENCY_SIGMA,
  NETWORK_MEDIAN_MS,
  NETWORK_SIGMA,
  POSITIVE_RATE,
  scoreOf,
  scrambleFor,
  type Truth,
} from './truth';
import { NEVER_LABELLED, type WorldKind } from './world';

/** Where a guardrail's evidence comes from, which decides when the workflow sees it (designs.ts, `availableAt`). */
export type Source = 'cloudwatch' | 'cloudwatch-periods' | 'replay' | 'paired' | 'live-labels' | 'capture';

/** One guardrail of a world, as the plan and the oracle see it. */
export interface GuardrailModel {
  guardrail: GuardrailName;
  source: Source;
  /** Units of evidence per candidate request (rows per request: errored requests have none; periods: see designs). */
  unitsPerRequest: number;
  /** Tolerance on the test scale, and the value the fail side is tested against (0; the tolerance for scoreShift). */
  tolerance: number;
  failNull: number;
  /** Variance per unit with both variants equal (the plan's, and the A/A oracle's). */
  nullVariance: number;
  /** The plan must estimate the variance from its own units (CloudWatch periods): Student's t, not z. */
  tTest: boolean;
  /** How many one-sided tests share the guardrail's alpha in its statistic (scoreShift: 2 per threshold). */
  tests: number;
}

export interface Scenario {
  key: string;
  title: string;
  world: WorldKind;
  candidate: Truth;
  regressed: GuardrailName | null;
  /** The regressed guardrail's true value and variance per unit (regressions only). */
  effect?: number;
  variance?: number;
}

const RESPONDS = (t: Truth) => 1 - t.p5 - t.p4;
/** Live labels that count: answered, labelled at all, and within the window. */
export const liveLabelShare = (labelDelayMs: number, maxLabelDelayMs: number) =>
  (1 - NEVER_LABELLED) * (1 - Math.exp(-maxLabelDelayMs / labelDelayMs));

/** Variance of d = log(average_c / average_b) of one CloudWatch period with n requests each (Monte Carlo). */
function periodVariance(candidateMedianUs: number, n: number): { mean: number; variance: number } {
  const rng = new Rng(7);
  const ds: number[] = [];
  const average = (median: number) => {
    const hiccup = Math.exp(INSTANCE_SIGMA * rng.normal());
    let sum = 0;
    for (let i = 0; i < n; i++) sum += median * hiccup * Math.exp(LATENCY_SIGMA * rng.normal());
    return sum / n;
  };
  for (let t = 0; t < 20_000; t++) ds.push(Math.log(average(candidateMedianUs)) - Math.log(average(BASELINE.medianUs)));
  return meanAndVariance(ds);
}

/** Variance per pair of the paired round trips' log ratio, with each minute's hiccups (Monte Carlo, per minute). */
function pairedLatency(candidateMedianUs: number, pairsPerMinute: number): { mean: number; variance: number } {
  const rng = new Rng(8);
  const means: number[] = [];
  const trip = (median: number, hiccup: number) =>
    (median * hiccup * Math.exp(LATENCY_SIGMA * rng.normal())) / 1000 +
    NETWORK_MEDIAN_MS * Math.exp(NETWORK_SIGMA * rng.normal());
  for (let t = 0; t < 4_000; t++) {
    const hb = Math.exp(INSTANCE_SIGMA * rng.normal());
    const hc = Math.exp(INSTANCE_SIGMA * rng.normal());
    let sum = 0;
    for (let i = 0; i < pairsPerMinute; i++) sum += Math.log(trip(candidateMedianUs, hc) / trip(BASELINE.medianUs, hb));
    means.push(sum / pairsPerMinute);
  }
  const { mean, variance } = meanAndVariance(means);
  return { mean, variance: variance * pairsPerMinute }; // per pair, the minute's shared hiccups included
}

function meanAndVariance(xs: number[]): { mean: number; variance: number } {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  return { mean, variance: xs.reduce((a, d) => a + (d - mean) ** 2, 0) / (xs.length - 1) };
}

/** Paired rows: per row, the accuracy difference's and (×rows) the AUC difference's variance, and the true values. */
function pairedQuality(candidate: Truth): { accuracy: [number, number]; auc: [number, number] } {
  const rng = new Rng(9);
  const n = 60_000;
  const labels = new Float64Array(n);
  const b = new Float64Array(n);
  const c = new Float64Array(n);
  const diffs: number[] = [];
  for (let i = 0; i < n; i++) {
    labels[i] = rng.uniform() < POSITIVE_RATE ? 1 : 0;
    const row = rng.normal();
    b[i] = scoreOf(rng, labels[i], BASELINE, row);
    c[i] = scoreOf(rng, labels[i], candidate, row);
    const correct = (s: number) => (s >= 0.5 === (labels[i] === 1) ? 1 : 0);
    diffs.push(correct(b[i]) - correct(c[i]));
  }
  const e = pairedDelong(labels, b, c)!;
  const acc = meanAndVariance(diffs);
  const aucVariance = (e.varianceA + e.varianceB - 2 * e.covariance) * n;
  return { accuracy: [acc.mean, acc.variance], auc: [e.aucA - e.aucB, aucVariance] };
}

/** Distribution function of the world's scores at x (Monte Carlo). */
function scoreCdf(truth: Truth, xs: readonly number[]): number[] {
  const rng = new Rng(10);
  const n = 200_000;
  const counts = xs.map(() => 0);
  for (let i = 0; i < n; i++) {
    const s = scoreOf(rng, rng.uniform() < POSITIVE_RATE ? 1 : 0, truth);
    xs.forEach((x, j) => {
      if (s <= x) counts[j]++;
    });
  }
  return counts.map((k) => k / n);
}

export interface WorldParameters {
  /** Requests of each variant in a CloudWatch period (the replay world's 50/50 at 20 a second: 600). */
  periodRequests: number;
  pairsPerMinute: number;
  liveShare: number;
  tolerances: { errorRate5xx: number; errorRate4xx: number; latency: number; accuracy: number; rocAuc: number };
  scoreShiftTolerance: number;
}

/** The guardrails of a world, with the null variances the plan needs. */
export function worldModels(kind: WorldKind, p: WorldParameters): GuardrailModel[] {
  const q = (x: number) => x * (1 - x);
  const t = p.tolerances;
  const acc = accuracyAt(0);
  const auc = aucOf(BASELINE);
  const models: GuardrailModel[] = [
    rate('errorRate5xx', 2 * q(BASELINE.p5), t.errorRate5xx),
    rate('errorRate4xx', 2 * q(BASELINE.p4), t.errorRate4xx),
  ];
  const common = { failNull: 0, tTest: false, tests: 1 };
  if (kind === 'paired') {
    const same = pairedQuality(BASELINE);
    const lat = pairedLatency(BASELINE.medianUs, p.pairsPerMinute);
    const rows = RESPONDS(BASELINE) ** 2;
    models.push(
      {
        ...common,
        guardrail: 'latency',
        source: 'paired',
        unitsPerRequest: rows,
        tolerance: Math.log1p(t.latency),
        nullVariance: lat.variance,
      },
      {
        ...common,
        guardrail: 'accuracy',
        source: 'paired',
        unitsPerRequest: rows,
        tolerance: t.accuracy,
        nullVariance: same.accuracy[1],
      },
      {
        ...common,
        guardrail: 'rocAuc',
        source: 'paired',
        unitsPerRequest: rows,
        tolerance: t.rocAuc,
        nullVariance: same.auc[1],
      },
    );
    return models;
  }
  const rowsSource = kind === 'live' ? 'live-labels' : 'replay';
  const rows = RESPONDS(BASELINE) * (kind === 'live' ? p.liveShare : 1);
  models.push(
    {
      ...common,
      guardrail: 'latency',
      source: 'cloudwatch-periods',
      unitsPerRequest: 1 / p.periodRequests,
      tolerance: Math.log1p(t.latency),
      nullVariance: periodVariance(BASELINE.medianUs, p.periodRequests).variance,
      tTest: true,
    },
    {
      ...common,
      guardrail: 'accuracy',
      source: rowsSource,
      unitsPerRequest: rows,
      tolerance: t.accuracy,
      nullVariance: 2 * q(acc),
    },
    {
      ...common,
      guardrail: 'rocAuc',
      source: rowsSource,
      unitsPerRequest: rows,
      tolerance: t.rocAuc,
      nullVariance: 2 * auc.perRowVariance,
    },
  );
  if (kind === 'live') {
    // The most variable threshold of the grid with both variants alike: F(1 − F) largest, per variant.
    const f = scoreCdf(BASELINE, SCORE_SHIFT_THRESHOLDS);
    const worst = Math.max(...f.map((x) => 2 * q(x)));
    models.push({
      guardrail: 'scoreShift',
      source: 'capture',
      unitsPerRequest: RESPONDS(BASELINE),
      tolerance: p.scoreShiftTolerance,
      failNull: p.scoreShiftTolerance,
      nullVariance: worst,
      tTest: false,
      tests: 2 * SCORE_SHIFT_THRESHOLDS.length,
    });
  }
  return models;
}

function rate(guardrail: GuardrailName, nullVariance: number, tolerance: number): GuardrailModel {
  return {
    guardrail,
    source: 'cloudwatch',
    unitsPerRequest: 1,
    tolerance,
    failNull: 0,
    nullVariance,
    tTest: false,
    tests: 1,
  };
}

/** Every scenario, its truth, and the regressed guardrail's true value and variance per unit. */
export function scenarios(p: WorldParameters): Scenario[] {
  const q = (x: number) => x * (1 - x);
  const bias = biasFor(0.03);
  const scramble = scrambleFor(0.03);
  const accB = accuracyAt(0);
  const accC = accuracyAt(bias);
  const aucB = aucOf(BASELINE);
  const aucC = aucOf({ ...BASELINE, scramble });
  const accuracy = { ...BASELINE, bias };
  const auc = { ...BASELINE, scramble };
  const slow = { ...BASELINE, medianUs: BASELINE.medianUs * 1.2 };
  const lat = periodVariance(slow.medianUs, p.periodRequests);
  const pairedAcc = pairedQuality(accuracy);
  const pairedAuc = pairedQuality(auc);
  // A broken preprocessing step: every logit 3 lower (scores crowd near 0), so its live scores' distribution function
  // is far from the baseline's at once; its labels would show it only after the label window.
  const broken = { ...BASELINE, bias: -3 };
  const fb = scoreCdf(BASELINE, SCORE_SHIFT_THRESHOLDS);
  const fc = scoreCdf(broken, SCORE_SHIFT_THRESHOLDS);
  let at = 0;
  fb.forEach((x, j) => {
    if (Math.abs(fc[j] - x) > Math.abs(fc[at] - fb[at])) at = j;
  });
  const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
  return [
    { key: 'aa', title: 'A/A (replay)', world: 'replay', candidate: BASELINE, regressed: null },
    {
      key: 'errors5xx',
      title: '5XX 1% → 2%',
      world: 'replay',
      candidate: { ...BASELINE, p5: 0.02 },
      regressed: 'errorRate5xx',
      effect: 0.01,
      variance: q(0.01) + q(0.02),
    },
    {
      key: 'errors4xx',
      title: '4XX 0.2% → 2.2%',
      world: 'replay',
      candidate: { ...BASELINE, p4: 0.022 },
      regressed: 'errorRate4xx',
      effect: 0.02,
      variance: q(0.002) + q(0.022),
    },
    {
      key: 'latency',
      title: 'latency +20% (at the tolerance)',
      world: 'replay',
      candidate: slow,
      regressed: 'latency',
      effect: lat.mean,
      variance: lat.variance,
    },
    {
      key: 'accuracy',
      title: `accuracy −3 pts (${pct(accB)} → ${pct(accC)})`,
      world: 'replay',
      candidate: accuracy,
      regressed: 'accuracy',
      effect: accB - accC,
      variance: q(accB) + q(accC),
    },
    {
      key: 'auc',
      title: `ROC AUC −0.03 (${aucB.auc.toFixed(3)} → ${aucC.auc.toFixed(3)})`,
      world: 'replay',
      candidate: auc,
      regressed: 'rocAuc',
      effect: aucB.auc - aucC.auc,
      variance: aucB.perRowVariance + aucC.perRowVariance,
    },
    { key: 'aa-paired', title: 'A/A (paired probes)', world: 'paired', candidate: BASELINE, regressed: null },
    {
      key: 'accuracy-paired',
      title: 'paired accuracy −3 pts',
      world: 'paired',
      candidate: accuracy,
      regressed: 'accuracy',
      effect: pairedAcc.accuracy[0],
      variance: pairedAcc.accuracy[1],
    },
    {
      key: 'auc-paired',
      title: 'paired ROC AUC −0.03',
      world: 'paired',
      candidate: auc,
      regressed: 'rocAuc',
      effect: pairedAuc.auc[0],
      variance: pairedAuc.auc[1],
    },
    { key: 'aa-live', title: 'A/A (live traffic)', world: 'live', candidate: BASELINE, regressed: null },
    {
      key: 'scoreshift',
      title: `scoreShift: broken scores (distance ${Math.abs(fc[at] - fb[at]).toFixed(2)})`,
      world: 'live',
      candidate: broken,
      regressed: 'scoreShift',
      effect: Math.abs(fc[at] - fb[at]),
      variance: q(fc[at]) + q(fb[at]),
    },
    {
      key: 'accuracy-live',
      title: 'live accuracy −3 pts (labels later)',
      world: 'live',
      candidate: accuracy,
      regressed: 'accuracy',
      effect: accB - accC,
      variance: q(accB) + q(accC),
    },
  ];
}
