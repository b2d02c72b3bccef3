// bench:guardrail — seeded simulation of rollouts with a known truth, judged by the real src/analysis code at
// every evaluation interval ("peek"), to measure what the guardrails promise:
//   - A/A (candidate identical to baseline): how often a good candidate is rolled back (must be ≤ alpha), and
//     how soon it passes;
//   - regressions (5XX 1% → 2%, latency +20% median, accuracy −3 points, ROC AUC −0.03): how often and how soon
//     the regressed guardrail fails;
// side by side with (i) a fixed-horizon test of the same power (sample size from the usual power formula, at the
// guardrail's share of alpha) and (ii) naive fixed-horizon z-tests repeated at every peek.
//
// The simulated world: replay traffic at 20 requests/s split 50/50 at random, an evaluation every 30 s, CloudWatch
// periods of 60 s, each folded into the latency statistics at the evaluation where it ends (`--settle K`: K
// evaluations later, as a caller that waits out CloudWatch's late data would). Per request:
// 5XX with p = 1%, 4XX with p = 0.2%, a lognormal ModelLatency (median 20 ms, log-sd 0.5) times a per-period load
// factor shared by both variants (log-sd 0.15) and a per-period hiccup factor of each variant's own instance
// (log-sd 0.1), and a labelled score (30% positives; logit = ±1 + N(0, 1); accuracy 84.1%,
// AUC 0.921 at threshold 0.5). Latency reaches the guardrails only as per-period aggregates (SampleCount, Average,
// p50, p90, p99) computed from those requests, like CloudWatch's. Evidence reaches the guardrails as the workflow's
// does: labelled rows summarised (LabelledSummary), complete periods folded (LatencyStatistics), and the bounded list
// of error-spending looks.
//
//   npm run bench:guardrail                         # 1,000 rollouts per scenario, 48 evaluations each, 2 processes
//   npm run bench:guardrail -- --rollouts 200 --peeks 60 --workers 1 --scenarios aa,errors --seed-set 1 --horizon 0 --spending 0
//   npm run bench:guardrail -- --steps 50,75,100 --scenarios aa --rollouts 4000 --seed-set 2   # the workflow's steps
//   npm run bench:guardrail -- --paired [--correlation 0.6]   # paired probes against the unpaired replay (paired-probes.ts)
import { fork } from 'node:child_process';
import { compareGuardrails, judge, combine } from '../src/analysis/guardrails';
import { delongAuc } from '../src/analysis/delong';
import { LabelledSummaryBuilder } from '../src/analysis/labelled-summary';
import { foldLatencyPeriod, NO_LATENCY_PERIODS } from '../src/analysis/latency';
import { normalCdf, normalQuantile, studentFromNormal } from '../src/analysis/normal';
import { compareSampleRatio } from '../src/analysis/sample-ratio';
import type {
  GuardrailName,
  GuardrailResult,
  LatencyPeriod,
  LatencyStatistics,
  ScoredRequest,
  SpendingLook,
  VariantEvidence,
} from '../src/analysis';
import { GuardrailsSpec } from '../src/schema/guardrails';
import { toGuardrailConfig } from '../src/schema/guardrail-config';
import { runPairedBench } from './paired-probes';
import { seeded } from './random'; // the tests' Mulberry32: one generator, same streams

const args = process.argv.slice(2);
const flag = (name: string, fallback: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && i + 1 < args.length ? args[i + 1] : fallback;
};
const ROLLOUTS = Number(flag('rollouts', '1000'));
const PEEKS = Number(flag('peeks', '48'));
const WORKERS = Number(flag('workers', '2'));
const SCENARIO_FILTER = flag('scenarios', 'aa,errors,latency,accuracy,auc').split(',');
/** Another set of seeds (0 = the reported one), for choosing parameters away from the reported numbers. */
const SEED_SET = Number(flag('seed-set', '0'));

const REQUESTS_PER_PEEK = 600; // 20 requests/s × 30 s
const CANDIDATE_WEIGHT = 50;
const PEEKS_PER_PERIOD = 2; // 60 s periods, 30 s evaluations
const LATENCY_SIGMA = 0.5;
const LOAD_SIGMA = 0.15; // minute-to-minute load swings both variants feel
const INSTANCE_SIGMA = 0.1; // minute-to-minute hiccups of one variant's instance (GC, noisy neighbour) alone
const POSITIVE_RATE = 0.3;
/** The rollout's horizon in CloudWatch periods, as the workflow computes it from the spec (48 × 30 s = 24 periods). */
/** `--horizon 0` judges latency without it (the t-mixture alone), for comparison. */
const HORIZON_PERIODS = Number(flag('horizon', String(PEEKS / PEEKS_PER_PERIOD)));
/** `--spending 0` judges rates and quality without a soak schedule (the normal mixture alone), for comparison. */
/**
 * `--steps 50,75,100`: the workflow's step policy instead of one 50/50 step over all evaluations. A step may soak
 * PEEKS / steps evaluations at most and a third of that at least (a spec's maxSoak defaults to 3 × soak); after its
 * minimum the weights move to the next step at the first pass, or at its maximum (where the workflow would ask a
 * person), and the rollout is promoted after the last step. The weights, and so how fast each guardrail's evidence
 * grows, then depend on the verdicts, as in the workflow: error spending's boundaries assume they do not.
 */
const STEPS = flag('steps', '')
  .split(',')
  .filter((x) => x !== '')
  .map(Number);
const SPENDING = flag('spending', '1') !== '0';
/** `--settle K`: a complete period is folded K evaluations after it ended (0: at the evaluation where it ends). */
const SETTLE_PEEKS = Number(flag('settle', '0'));
const CONFIG = toGuardrailConfig(GuardrailsSpec.parse({}), 0.5, HORIZON_PERIODS > 0 ? HORIZON_PERIODS : undefined);

// ---------------------------------------------------------------- randomness (seeded; bench only)

class Rng {
  readonly uniform: () => number;
  private spare: number | null = null;
  constructor(seed: number) {
    this.uniform = seeded(seed);
  }
  normal(): number {
    if (this.spare !== null) {
      const s = this.spare;
      this.spare = null;
      return s;
    }
    const u = 1 - this.uniform();
    const v = this.uniform();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }
  /** Binomial(n, p) by geometric skips: about n·p + 1 draws. */
  binomial(n: number, p: number): number {
    if (p <= 0 || n <= 0) return 0;
    if (p >= 1) return n;
    if (p > 0.5) return n - this.binomial(n, 1 - p);
    const logQ = Math.log1p(-p);
    let x = 0;
    let position = Math.floor(Math.log(1 - this.uniform()) / logQ);
    while (position < n) {
      x++;
      position += 1 + Math.floor(Math.log(1 - this.uniform()) / logQ);
    }
    return x;
  }
}

/** Seeds that do not depend on how rollouts are split between processes. */
const seedOf = (scenario: number, rollout: number) =>
  (Math.imul(scenario + 1, 0x9e3779b1) ^ (rollout * 2654435761) ^ Math.imul(SEED_SET, 0x85ebca6b)) >>> 0;

// ---------------------------------------------------------------- the truth of each scenario

interface Truth {
  p5: number;
  p4: number;
  medianUs: number;
  /** Added to the score's logit: moves accuracy at the threshold, leaves the ranking (AUC) alone. */
  bias: number;
  /** Share of requests whose logit is redrawn on the same side of 0: hurts the ranking, leaves accuracy alone. */
  scramble: number;
}

const BASELINE: Truth = { p5: 0.01, p4: 0.002, medianUs: 20_000, bias: 0, scramble: 0 };

const accuracyAt = (bias: number) => POSITIVE_RATE * normalCdf(1 + bias) + (1 - POSITIVE_RATE) * normalCdf(1 - bias);

/** The bias that costs `drop` of accuracy (bisection; accuracy falls as bias grows from 0). */
function biasFor(drop: number): number {
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

function scoreOf(rng: Rng, label: number, truth: Truth): number {
  let x = (label === 1 ? 1 : -1) + rng.normal() + truth.bias;
  if (truth.scramble > 0 && rng.uniform() < truth.scramble) {
    // Same side of the threshold, so the same predicted class and accuracy; a random place in the ranking.
    x = (x >= 0 ? 1 : -1) * Math.abs(rng.normal());
  }
  return 1 / (1 + Math.exp(-x));
}

function labelledSample(rng: Rng, n: number, truth: Truth): ScoredRequest[] {
  return Array.from({ length: n }, () => {
    const label = rng.uniform() < POSITIVE_RATE ? 1 : 0;
    return { label, score: scoreOf(rng, label, truth) };
  });
}

/** Monte Carlo AUC and per-request AUC variance (n·DeLong variance) of a truth, on a large seeded sample. */
function aucOf(truth: Truth, seed = 99, n = 200_000): { auc: number; perRequestVariance: number } {
  const est = delongAuc(labelledSample(new Rng(seed), n, truth))!;
  return { auc: est.auc, perRequestVariance: est.variance * n };
}

/** The scramble share that costs `drop` of AUC (bisection on a common-random-numbers Monte Carlo). */
function scrambleFor(drop: number): number {
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

interface Scenario {
  key: string;
  title: string;
  candidate: Truth;
  /** The guardrail that should fail; none for A/A. */
  regressed: GuardrailName | null;
  /** True effect on the guardrail's test scale and per-request (latency: per-period) variance, for power sizing. */
  effect?: number;
  unitVariance?: number;
  /** Variance with both variants equal, and the spec's tolerance on the test scale: a fixed-horizon plan. */
  nullVariance?: number;
  tolerance?: number;
  /** Candidate requests per unit of the variance above (1 request, or the requests of one latency period). */
  requestsPerUnit?: number;
  /** The variance is estimated from the units themselves (latency periods): size a t-test, not a z-test. */
  tTest?: boolean;
}

/** Variance of d = log(p50_c / p50_b) over full periods of the simulated world (Monte Carlo). */
function latencyPeriodVariance(candidateMedian: number): number {
  const rng = new Rng(7);
  const perPeriod = (REQUESTS_PER_PEEK * PEEKS_PER_PERIOD * CANDIDATE_WEIGHT) / 100;
  const buffer = new Float64Array(perPeriod);
  const median = (m: number) => {
    for (let i = 0; i < perPeriod; i++) buffer[i] = m * Math.exp(LATENCY_SIGMA * rng.normal());
    buffer.sort();
    return buffer[Math.floor(0.5 * (perPeriod - 1))];
  };
  const ds: number[] = [];
  const hiccup = () => Math.exp(INSTANCE_SIGMA * rng.normal());
  for (let t = 0; t < 20_000; t++) {
    ds.push(Math.log(median(candidateMedian * hiccup())) - Math.log(median(BASELINE.medianUs * hiccup())));
  }
  const mean = ds.reduce((a, b) => a + b, 0) / ds.length;
  return ds.reduce((a, d) => a + (d - mean) ** 2, 0) / (ds.length - 1);
}

function scenarios(): Scenario[] {
  const accuracyBias = biasFor(0.03);
  const scramble = scrambleFor(0.03);
  const baseAuc = aucOf(BASELINE);
  const worseAuc = aucOf({ ...BASELINE, scramble });
  const accB = accuracyAt(0);
  const accC = accuracyAt(accuracyBias);
  const periodRequests = (REQUESTS_PER_PEEK * PEEKS_PER_PERIOD * CANDIDATE_WEIGHT) / 100;
  return [
    { key: 'aa', title: 'A/A (no difference)', candidate: BASELINE, regressed: null },
    {
      key: 'errors',
      title: '5XX error rate 1% → 2%',
      candidate: { ...BASELINE, p5: 0.02 },
      regressed: 'errorRate5xx',
      effect: 0.01,
      unitVariance: 0.01 * 0.99 + 0.02 * 0.98,
      nullVariance: 2 * 0.01 * 0.99,
      tolerance: CONFIG.errorRate5xx.tolerance,
      requestsPerUnit: 1,
    },
    {
      key: 'latency',
      title: 'latency +20% median',
      candidate: { ...BASELINE, medianUs: BASELINE.medianUs * 1.2 },
      regressed: 'latency',
      effect: Math.log(1.2),
      unitVariance: latencyPeriodVariance(BASELINE.medianUs * 1.2),
      nullVariance: latencyPeriodVariance(BASELINE.medianUs),
      tolerance: Math.log1p(CONFIG.latency.tolerance),
      requestsPerUnit: periodRequests,
      tTest: true,
    },
    {
      key: 'accuracy',
      title: `accuracy −3 pts (${(100 * accB).toFixed(1)}% → ${(100 * accC).toFixed(1)}%)`,
      candidate: { ...BASELINE, bias: accuracyBias },
      regressed: 'accuracy',
      effect: accB - accC,
      unitVariance: accB * (1 - accB) + accC * (1 - accC),
      nullVariance: 2 * accB * (1 - accB),
      tolerance: CONFIG.quality.accuracy!.tolerance,
      requestsPerUnit: 1,
    },
    {
      key: 'auc',
      title: `ROC AUC −0.03 (${baseAuc.auc.toFixed(3)} → ${worseAuc.auc.toFixed(3)})`,
      candidate: { ...BASELINE, scramble },
      regressed: 'rocAuc',
      effect: baseAuc.auc - worseAuc.auc,
      unitVariance: baseAuc.perRequestVariance + worseAuc.perRequestVariance,
      nullVariance: 2 * baseAuc.perRequestVariance,
      tolerance: CONFIG.quality.rocAuc!.tolerance,
      requestsPerUnit: 1,
    },
  ];
}

// ---------------------------------------------------------------- one simulated rollout

interface RolloutRecord {
  scenario: string;
  rollout: number;
  /** Candidate requests at the first sequential fail / pass / naive fail; null if it never happened. */
  seqFailAt: number | null;
  seqFailGuardrails: GuardrailName[];
  /**
   * Candidate requests at the regressed guardrail's own first fail, watching it at every evaluation up to the horizon
   * even after another guardrail rolled the rollout back; null if it never failed (and for A/A).
   */
  ownFailAt: number | null;
  seqPassAt: number | null;
  naiveFailAt: number | null;
  naiveFailGuardrails: GuardrailName[];
  /** `--steps`: the rollout passed its last step (for a regression: a regressed candidate promoted). */
  promoted: boolean;
}

class VariantSim {
  readonly evidence: VariantEvidence;
  /** CloudWatch's aggregate of the current period so far (whole once the period ends). */
  current: LatencyPeriod | null = null;
  private readonly labelled = new LabelledSummaryBuilder(CONFIG.threshold);
  private readonly period = new Float64Array(REQUESTS_PER_PEEK * PEEKS_PER_PERIOD);
  private periodCount = 0;
  constructor(
    name: string,
    private readonly truth: Truth,
  ) {
    this.evidence = { variantName: name, invocations: 0, errors4xx: 0, errors5xx: 0, labelled: null };
  }

  serve(rng: Rng, n: number, periodIndex: number, newPeriod: boolean, load: number) {
    const e = this.evidence;
    e.invocations += n;
    e.errors5xx += rng.binomial(n, this.truth.p5);
    e.errors4xx += rng.binomial(n, this.truth.p4);
    if (newPeriod) {
      this.periodCount = 0;
      this.current = null;
    }
    const median = this.truth.medianUs * load;
    for (let i = 0; i < n; i++) this.period[this.periodCount++] = median * Math.exp(LATENCY_SIGMA * rng.normal());
    for (let i = 0; i < n; i++) {
      const label = rng.uniform() < POSITIVE_RATE ? 1 : 0;
      this.labelled.add(label, scoreOf(rng, label, this.truth));
    }
    e.labelled = this.labelled.summary();
    // CloudWatch's aggregate of the (possibly partial) current period.
    const count = this.periodCount;
    if (count === 0) return;
    const sorted = this.period.slice(0, count).sort();
    let sum = 0;
    for (let i = 0; i < count; i++) sum += sorted[i];
    const at = (q: number) => sorted[Math.min(count - 1, Math.ceil(q * count) - 1)];
    this.current = {
      timestamp: periodIndex * 60_000,
      sampleCount: count,
      average: sum / count,
      p50: at(0.5),
      p90: at(0.9),
      p99: at(0.99),
    };
  }
}

function simulate(scenarioIndex: number, scenario: Scenario, rollout: number): RolloutRecord {
  const rng = new Rng(seedOf(scenarioIndex, rollout));
  const baseline = new VariantSim('Champion', BASELINE);
  const candidate = new VariantSim('Challenger', scenario.candidate);
  const record: RolloutRecord = {
    scenario: scenario.key,
    rollout,
    seqFailAt: null,
    seqFailGuardrails: [],
    ownFailAt: null,
    seqPassAt: null,
    naiveFailAt: null,
    naiveFailGuardrails: [],
    promoted: false,
  };
  const looks: SpendingLook[] = [];
  let latency: LatencyStatistics = NO_LATENCY_PERIODS;
  /** Complete periods of both variants, waiting out the settle delay: [baseline, candidate, evaluation it ended at]. */
  const settling: [LatencyPeriod, LatencyPeriod, number][] = [];
  // --steps: the current step, its evaluations so far, and the invocations when its weights took effect.
  let step = 0;
  let stepPeeks = 0;
  let stepStart = { baseline: 0, candidate: 0 };
  let load = 1;
  let hiccupB = 1;
  let hiccupC = 1;
  for (let peek = 0; peek < PEEKS; peek++) {
    const periodIndex = Math.floor(peek / PEEKS_PER_PERIOD);
    const newPeriod = peek % PEEKS_PER_PERIOD === 0;
    if (newPeriod) load = Math.exp(LOAD_SIGMA * rng.normal());
    const weight = STEPS.length > 0 ? STEPS[step] : CANDIDATE_WEIGHT;
    const toCandidate = rng.binomial(REQUESTS_PER_PEEK, weight / 100);
    if (newPeriod) {
      hiccupB = Math.exp(INSTANCE_SIGMA * rng.normal());
      hiccupC = Math.exp(INSTANCE_SIGMA * rng.normal());
    }
    baseline.serve(rng, REQUESTS_PER_PEEK - toCandidate, periodIndex, newPeriod, load * hiccupB);
    candidate.serve(rng, toCandidate, periodIndex, newPeriod, load * hiccupC);
    // A period ends at its last evaluation; it is folded once it has settled, when both variants served in it.
    if (peek % PEEKS_PER_PERIOD === PEEKS_PER_PERIOD - 1 && baseline.current && candidate.current) {
      settling.push([baseline.current, candidate.current, peek]);
    }
    while (settling.length > 0 && settling[0][2] + SETTLE_PEEKS <= peek) {
      const [b, c] = settling.shift()!;
      latency = foldLatencyPeriod(latency, b, c);
    }
    const split = {
      candidateWeight: weight,
      baselineInvocations: baseline.evidence.invocations - stepStart.baseline,
      candidateInvocations: candidate.evidence.invocations - stepStart.candidate,
    };
    // The planned soak is the simulated horizon: PEEKS evaluations.
    const soakFraction = (peek + 1) / PEEKS;
    const { sampleRatio, comparisons, shares, spendingLook } = compareGuardrails({
      baseline: baseline.evidence,
      candidate: candidate.evidence,
      latency,
      split,
      config: CONFIG,
      ...(SPENDING ? { schedule: { soakFraction, looks } } : {}),
    });
    // Exactly what evaluateGuardrails returns (it is these two lines), plus the naive tests on the same numbers.
    const results: GuardrailResult[] = [
      ...(sampleRatio ? [sampleRatio] : []),
      ...comparisons.map((c) => judge(c.comparison, shares.perGuardrail, c.reportedTolerance)),
    ];
    const verdict = combine(results).verdict;
    if (spendingLook) looks.push(spendingLook);
    const served = candidate.evidence.invocations;
    if (verdict === 'fail' && record.seqFailAt === null) {
      record.seqFailAt = served;
      record.seqFailGuardrails = results.filter((r) => r.verdict === 'fail').map((r) => r.guardrail);
    }
    if (verdict === 'pass' && record.seqPassAt === null && record.seqFailAt === null) record.seqPassAt = served;
    if (record.ownFailAt === null && results.some((r) => r.guardrail === scenario.regressed && r.verdict === 'fail')) {
      record.ownFailAt = served;
    }

    if (record.naiveFailAt === null) {
      const z = normalQuantile(1 - shares.perGuardrail);
      // Latency's variance is the d's own spread; the naive test has always used it floored by the lognormal model.
      const naive = comparisons
        .filter(
          ({ comparison: c }) =>
            c.missing === undefined && c.estimate - z * Math.sqrt(Math.max(c.variance, c.varianceFloor ?? 0)) > 0,
        )
        .map(({ comparison: c }) => c.guardrail);
      const srm = compareSampleRatio(split);
      if (srm.applicable && srm.missing === undefined) {
        const zSrm = normalQuantile(1 - shares.sampleRatio / 2);
        if (Math.abs(srm.estimate) > zSrm * Math.sqrt(srm.variance)) naive.push('sampleRatio');
      }
      if (naive.length > 0) {
        record.naiveFailAt = served;
        record.naiveFailGuardrails = naive;
      }
    }
    // A rolled-back rollout ends; keep going only while the naive test or the regressed guardrail's own test has not
    // fired yet (to count them too).
    if (STEPS.length > 0 && record.seqFailAt === null) {
      const maxPeeks = PEEKS / STEPS.length;
      stepPeeks++;
      if ((verdict === 'pass' && stepPeeks >= Math.ceil(maxPeeks / 3)) || stepPeeks >= maxPeeks) {
        step++;
        stepPeeks = 0;
        stepStart = { baseline: baseline.evidence.invocations, candidate: candidate.evidence.invocations };
        if (step === STEPS.length) {
          record.promoted = true;
          break; // the rollout is over: nothing more is judged
        }
      }
    }
    const ownDone = scenario.regressed === null || record.ownFailAt !== null;
    if (record.seqFailAt !== null && record.naiveFailAt !== null && ownDone) break;
  }
  return record;
}

// ---------------------------------------------------------------- work split over processes

interface Job {
  worker: number;
  workers: number;
}

function runShare(job: Job, list: Scenario[]): RolloutRecord[] {
  const out: RolloutRecord[] = [];
  list.forEach((scenario, index) => {
    if (!SCENARIO_FILTER.includes(scenario.key)) return;
    for (let r = job.worker; r < ROLLOUTS; r += job.workers) out.push(simulate(index, scenario, r));
  });
  return out;
}

async function runAll(list: Scenario[]): Promise<RolloutRecord[]> {
  if (WORKERS <= 1) return runShare({ worker: 0, workers: 1 }, list);
  const shares = Array.from(
    { length: WORKERS },
    (_, worker) =>
      new Promise<RolloutRecord[]>((resolve, reject) => {
        const child = fork(__filename, args, { env: { ...process.env, GUARDRAIL_BENCH_WORKER: String(worker) } });
        child.send(list); // the calibrated scenarios: computed once, here
        child.once('message', (m) => resolve(m as RolloutRecord[]));
        child.once('error', reject);
        child.once('exit', (code) => (code === 0 ? undefined : reject(new Error(`bench worker exited ${code}`))));
      }),
  );
  return (await Promise.all(shares)).flat();
}

// ---------------------------------------------------------------- report

const quantile = (values: number[], q: number) => {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * (s.length - 1)))];
};
const mean = (values: number[]) => (values.length ? values.reduce((a, b) => a + b, 0) / values.length : NaN);
const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
const count = (x: number) => (Number.isFinite(x) ? Math.round(x).toLocaleString('en-US') : '—');

/** One-sided 95% upper bound of a binomial proportion (Clopper–Pearson, by bisection on the binomial tail). */
function upperBound95(k: number, n: number): number {
  const tail = (p: number) => {
    // P(X ≤ k) for X ~ Binomial(n, p), summed in log space.
    let total = 0;
    let logTerm = n * Math.log1p(-p);
    for (let i = 0; i <= k; i++) {
      total += Math.exp(logTerm);
      logTerm += Math.log((n - i) / (i + 1)) + Math.log(p) - Math.log1p(-p);
    }
    return total;
  };
  let lo = k / n;
  let hi = 1;
  for (let i = 0; i < 60; i++) {
    const mid = (lo + hi) / 2;
    if (tail(mid) > 0.05) lo = mid;
    else hi = mid;
  }
  return hi;
}

/** One-sided 95% lower bound of a binomial proportion (Clopper–Pearson): 1 − the upper bound of the misses. */
const lowerBound95 = (k: number, n: number) => 1 - upperBound95(n - k, n);

/**
 * Units (requests or periods) of the usual power formula n = (q(1−a) + q(power))² · σ² / Δ², with normal quantiles,
 * or Student's t quantiles with n − 1 degrees of freedom (solved by iteration) when the test must estimate σ² from
 * the same n units.
 */
function powerFormula(alpha: number, power: number, variance: number, effect: number, tTest: boolean): number {
  const zA = normalQuantile(1 - alpha);
  const zP = normalQuantile(power);
  let n = ((zA + zP) ** 2 * variance) / (effect * effect);
  for (let i = 0; tTest && i < 100; i++) {
    const nu = Math.max(1, n - 1);
    n = ((studentFromNormal(zA, nu) + studentFromNormal(zP, nu)) ** 2 * variance) / (effect * effect);
  }
  return n;
}

/** Fixed-horizon candidate requests for power `power` at one-sided level `alpha`. */
function fixedHorizon(s: Scenario, alpha: number, power: number): number {
  return powerFormula(alpha, power, s.unitVariance!, s.effect!, s.tTest === true) * s.requestsPerUnit!;
}

/**
 * The fixed horizon a rollout would have to plan without knowing the truth: enough requests that an equal
 * candidate is shown within the tolerance with 80% power (non-inferiority design), n = (q(1−a) + q(0.8))²·σ₀²/tol².
 */
function fixedHorizonPlan(s: Scenario, alpha: number): number {
  return powerFormula(alpha, 0.8, s.nullVariance!, s.tolerance!, s.tTest === true) * s.requestsPerUnit!;
}

function report(list: Scenario[], records: RolloutRecord[], seconds: number) {
  const alphaShare = (CONFIG.alpha * 0.98) / 5;
  const horizon = (PEEKS * REQUESTS_PER_PEEK * CANDIDATE_WEIGHT) / 100;
  const lines: string[] = [];
  lines.push(
    `bench:guardrail — ${ROLLOUTS} rollouts per scenario, an evaluation every 30 s for ${PEEKS} evaluations ` +
      `(≈${count(horizon)} candidate requests), default guardrails (alpha ${CONFIG.alpha}; ${alphaShare} per ` +
      `guardrail, one-sided), latency horizon ${HORIZON_PERIODS > 0 ? `${HORIZON_PERIODS} periods` : 'none'}, ` +
      `${SPENDING ? `error spending over the ${PEEKS} evaluations` : 'no error spending'}, ` +
      `${STEPS.length > 0 ? `steps at ${STEPS.join(' → ')}% candidate` : 'one 50/50 step'}, ` +
      `${SETTLE_PEEKS > 0 ? `periods folded ${SETTLE_PEEKS} evaluation(s) after they end, ` : ''}${WORKERS} process(es), ` +
      `${seconds.toFixed(0)} s${SEED_SET !== 0 ? `, seed set ${SEED_SET}` : ''}`,
    '',
    '| scenario | sequential: false rollback / detection | sequential: median (mean) candidate requests to decision | ' +
      'fixed horizon, same power | sequential / fixed, same power: median; mean | ' +
      'whole rollout: rolled back for this guardrail (median requests; median / fixed, same power) | ' +
      'naive repeated tests: false rollback / detection (median requests) | fixed horizon, 80% power (median ratio) | ' +
      'fixed horizon planned at the tolerance, 80% (median ratio) |',
    '|---|---|---|---|---|---|---|---|---|',
  );
  const notes: string[] = [];
  const ratios: number[] = [];
  for (const s of list) {
    if (!SCENARIO_FILTER.includes(s.key)) continue;
    const rs = records.filter((r) => r.scenario === s.key);
    const n = rs.length;
    const naiveFails = rs.filter((r) => r.naiveFailAt !== null);
    if (s.regressed === null) {
      const falseRollbacks = rs.filter((r) => r.seqFailAt !== null).length;
      const passes = rs.filter((r) => r.seqPassAt !== null).map((r) => r.seqPassAt!);
      lines.push(
        `| ${s.title} | **${pct(falseRollbacks / n)}** false rollbacks (95% upper bound ` +
          `${pct(upperBound95(falseRollbacks, n))}); ${pct(passes.length / n)} pass | pass: ` +
          `${count(quantile(passes, 0.5))} (${count(mean(passes))}) | — | — | — | **${pct(naiveFails.length / n)}** ` +
          `false rollbacks (${count(
            quantile(
              naiveFails.map((r) => r.naiveFailAt!),
              0.5,
            ),
          )}) | — | — |`,
      );
      const blamed = new Map<string, number>();
      for (const r of rs) for (const g of r.seqFailGuardrails) blamed.set(g, (blamed.get(g) ?? 0) + 1);
      notes.push(
        `A/A: false rollbacks by guardrail: ${[...blamed].map(([g, k]) => `${g} ${k}`).join(', ') || 'none'}; ` +
          (STEPS.length > 0
            ? `${rs.filter((r) => r.promoted).length} of ${n} promoted.`
            : `a rollout keeps being evaluated after it passes, so these count every peek up to the horizon.`),
      );
      continue;
    }
    // The regressed guardrail's own sequential test, watched at every evaluation up to the horizon: the test a
    // fixed-horizon test of that guardrail is compared with. The whole rollout can also end sooner on another
    // guardrail's false rollback (a bad candidate rolled back for the wrong reason), which the next column counts.
    const own = rs.filter((r) => r.ownFailAt !== null).map((r) => r.ownFailAt!);
    const detected = rs.filter((r) => r.seqFailAt !== null && r.seqFailGuardrails.includes(s.regressed!));
    const wrong = rs.filter((r) => r.seqFailAt !== null && !r.seqFailGuardrails.includes(s.regressed!)).length;
    const falsePass = rs.filter((r) => r.seqPassAt !== null).length;
    const at = detected.map((r) => r.seqFailAt!);
    // "Same power": the sequential test's detection rate, taken at its one-sided 95% lower confidence bound
    // (1000 of 1000 detected says power ≥ 99.7%, not 100%, which no fixed horizon reaches).
    const fhPower = lowerBound95(own.length, n);
    const fh = fixedHorizon(s, alphaShare, fhPower);
    const rolloutPower = lowerBound95(detected.length, n);
    const rolloutFh = fixedHorizon(s, alphaShare, rolloutPower);
    const fh80 = fixedHorizon(s, alphaShare, 0.8);
    const naiveDetected = naiveFails.filter((r) => r.naiveFailGuardrails.includes(s.regressed!));
    const planned = fixedHorizonPlan(s, alphaShare);
    const median = quantile(own, 0.5);
    ratios.push(median / fh);
    lines.push(
      `| ${s.title} | detects **${pct(own.length / n)}** | ${count(median)} (${count(mean(own))}) | ` +
        `${count(fh)} (power ${pct(fhPower)}) | **${(median / fh).toFixed(2)}**; ${(mean(own) / fh).toFixed(2)} | ` +
        `${pct(detected.length / n)} (${count(quantile(at, 0.5))}; ${(quantile(at, 0.5) / rolloutFh).toFixed(2)} ` +
        `of ${count(rolloutFh)} at power ${pct(rolloutPower)}) | ` +
        `detects ${pct(naiveDetected.length / n)} (${count(
          quantile(
            naiveDetected.map((r) => r.naiveFailAt!),
            0.5,
          ),
        )}) | ` +
        `${count(fh80)} (${(median / fh80).toFixed(2)}) | ${count(planned)} (${(median / planned).toFixed(2)}) |`,
    );
    notes.push(
      `${s.title}: ${wrong} rollout(s) failed on another guardrail first, ${falsePass} passed before failing ` +
        `(a regressed candidate promoted)` +
        (STEPS.length > 0 ? `; ${rs.filter((r) => r.promoted).length} promoted after the last step.` : '.'),
    );
  }
  if (ratios.length > 0) {
    lines.push(
      '',
      `Mean over the ${ratios.length} regression scenarios of median / fixed horizon of the same power: ` +
        `**${mean(ratios).toFixed(2)}** (goal ≤ 0.50).`,
    );
  }
  lines.push('', ...notes.map((n) => `- ${n}`));
  lines.push(
    '',
    "Fixed horizon: n = (z(1−a) + z(power))² · σ² / Δ² candidate requests, a = the guardrail's alpha share, at the",
    'power the sequential test reached within the horizon (95% lower confidence bound) and at 80%; σ² per request from the',
    'simulated truth (latency: per-period variance of the log median ratio, t-test quantiles since that variance',
    'must be estimated from the periods themselves, times the requests of a period).',
    "Sequential: the regressed guardrail's own test, watched at every evaluation up to the horizon. Whole rollout: the",
    'rollout rolled back with that guardrail failing; it ends sooner, for the wrong reason, when another guardrail',
    'falsely fails first, which lowers its detection rate and so the same-power fixed horizon it is compared with.',
    'Planned at the tolerance: the sample a fixed-horizon rollout must commit to before it knows the effect, so that',
    'an equal candidate passes (upper bound under the tolerance) with 80% power; σ² with both variants equal.',
    'Naive: a one-sided z-test at the same alpha share on the same estimate and variance, at every evaluation.',
  );
  console.log(lines.join('\n'));
}

async function main() {
  const started = Date.now();
  if (args.includes('--paired')) {
    const scenarios = flag('scenarios', 'aa,accuracy,auc').split(',');
    // 400 rollouts by default: each simulates every row of both designs (about 2 minutes on one core).
    const rollouts = args.includes('--rollouts') ? ROLLOUTS : 400;
    const options = { rollouts, peeks: PEEKS, seedSet: SEED_SET, scenarios };
    console.log(runPairedBench({ ...options, correlation: Number(flag('correlation', '0.6')) }).join('\n'));
    return;
  }
  if (process.env.GUARDRAIL_BENCH_WORKER !== undefined) {
    const worker = Number(process.env.GUARDRAIL_BENCH_WORKER);
    process.once('message', (list) => {
      const records = runShare({ worker, workers: WORKERS }, list as Scenario[]);
      process.send!(records, () => process.exit(0));
    });
    return;
  }
  const list = scenarios();
  const records = await runAll(list);
  report(list, records, (Date.now() - started) / 1000);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
