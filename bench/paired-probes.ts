// bench:guardrail --paired — how much sample paired probes save against the unpaired replay, at the same alpha share and
// the same power, judged by the real src/analysis code (compareGuardrails → judge, with error spending over the
// planned soak, as the workflow runs it).
//
// The simulated world is bench:guardrail's labelled replay (30% positives, logit = ±1 + noise, accuracy 84.1% and AUC
// 0.921 at threshold 0.5; 600 labelled rows an evaluation, 48 evaluations), with one addition pairing needs: how alike
// the two models err on the same row. Each row has its own difficulty shared by both models, so the noise of a model's
// logit is √ρ·Z_row + √(1 − ρ)·Z_model with ρ = --correlation (default 0.6). Measured on the demo's churn holdout,
// the champion's and the challenger's logits correlate at 0.77 within the negatives and 0.46 within the positives (0.75
// overall); the demo's worse model, which uses other features, at about 0 (−0.08 and −0.15). The regressions are
// bench:guardrail's: accuracy −3 points (a bias on the candidate's logit) and ROC AUC −0.03 (a share of the candidate's
// rows redrawn on the same side of the threshold).
//
// Unpaired: each row goes to one variant at random, 50/50 (the replay today). Paired: each row goes to both. Reported
// per scenario: the share of rollouts whose regressed guardrail failed within the horizon (power) or, for A/A, that
// failed at all (false rollbacks), and the median labelled rows and InvokeEndpoint requests to that decision.
import { compareGuardrails, judge } from '../src/analysis/guardrails';
import { LabelledSummaryBuilder } from '../src/analysis/labelled-summary';
import { normalCdf } from '../src/analysis/normal';
import { PairedSummaryBuilder } from '../src/analysis/paired';
import { pairedDelong } from '../src/analysis/paired-delong';
import type { GuardrailConfig, GuardrailName, SpendingLook } from '../src/analysis';
import { seeded } from './random';

export interface PairedBenchOptions {
  rollouts: number;
  peeks: number;
  correlation: number;
  seedSet: number;
  scenarios: string[];
}

const ROWS_PER_PEEK = 600;
const POSITIVE_RATE = 0.3;
/** bench:guardrail's default share: alpha 0.05 less the sample-ratio reserve, over five guardrails. */
const SHARE = (0.05 * 0.98) / 5;

/** Two quality guardrails at bench:guardrail's share each (alpha chosen so that alpha / 2 = SHARE). */
const config = (paired: boolean): GuardrailConfig => ({
  alpha: 2 * SHARE,
  errorRate5xx: { enabled: false, tolerance: 0.005 },
  errorRate4xx: { enabled: false, tolerance: 0.01 },
  latency: { enabled: false, tolerance: 0.2 },
  quality: { accuracy: { tolerance: 0.02 }, rocAuc: { tolerance: 0.02 } },
  sampleRatio: { enabled: false },
  threshold: 0.5,
  paired,
});

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
}

interface Model {
  bias: number;
  scramble: number;
}
const BASELINE: Model = { bias: 0, scramble: 0 };

/** One row scored by both models: the shared difficulty, then each model's own noise. */
function row(rng: Rng, rho: number, candidate: Model): { label: number; baseline: number; candidate: number } {
  const label = rng.uniform() < POSITIVE_RATE ? 1 : 0;
  const shared = Math.sqrt(rho) * rng.normal();
  const own = Math.sqrt(1 - rho);
  const logit = (m: Model) => {
    let x = (label === 1 ? 1 : -1) + shared + own * rng.normal() + m.bias;
    if (m.scramble > 0 && rng.uniform() < m.scramble) x = (x >= 0 ? 1 : -1) * Math.abs(rng.normal());
    return 1 / (1 + Math.exp(-x));
  };
  return { label, baseline: logit(BASELINE), candidate: logit(candidate) };
}

const accuracyAt = (bias: number) => POSITIVE_RATE * normalCdf(1 + bias) + (1 - POSITIVE_RATE) * normalCdf(1 - bias);

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

/** The scramble share that costs `drop` of AUC (bisection on a common-random-numbers Monte Carlo). */
function scrambleFor(drop: number, rho: number): number {
  const aucs = (scramble: number) => {
    const rng = new Rng(99);
    const rows = Array.from({ length: 60_000 }, () => row(rng, rho, { bias: 0, scramble }));
    const e = pairedDelong(
      rows.map((r) => r.label),
      rows.map((r) => r.baseline),
      rows.map((r) => r.candidate),
    )!;
    return e.aucA - e.aucB;
  };
  let lo = 0;
  let hi = 1;
  for (let i = 0; i < 22; i++) {
    const mid = (lo + hi) / 2;
    if (aucs(mid) < drop) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

interface Outcome {
  /** Labelled rows and requests at the regressed guardrail's first fail (any guardrail's for A/A); null: never. */
  rows: number | null;
  requests: number | null;
}

function simulate(
  seed: number,
  rho: number,
  candidate: Model,
  regressed: GuardrailName | null,
  paired: boolean,
  peeks: number,
) {
  const rng = new Rng(seed);
  const cfg = config(paired);
  const b = new LabelledSummaryBuilder(0.5);
  const c = new LabelledSummaryBuilder(0.5);
  const p = new PairedSummaryBuilder(0.5);
  const looks: SpendingLook[] = [];
  const variant = (name: string, builder: LabelledSummaryBuilder | null) => ({
    variantName: name,
    invocations: 0,
    errors4xx: 0,
    errors5xx: 0,
    labelled: builder ? builder.summary() : null,
  });
  for (let peek = 0; peek < peeks; peek++) {
    for (let i = 0; i < ROWS_PER_PEEK; i++) {
      const r = row(rng, rho, candidate);
      if (paired) p.add(r.label, r.baseline, r.candidate);
      else if (rng.uniform() < 0.5) b.add(r.label, r.baseline);
      else c.add(r.label, r.candidate);
    }
    const { comparisons, shares, spendingLook } = compareGuardrails({
      baseline: variant('B', paired ? null : b),
      candidate: variant('C', paired ? null : c),
      split: { candidateWeight: 50, baselineInvocations: 0, candidateInvocations: 0 },
      config: cfg,
      schedule: { soakFraction: (peek + 1) / peeks, looks },
      ...(paired ? { paired: p.summary() } : {}),
    });
    if (spendingLook) looks.push(spendingLook);
    const failed = comparisons
      .map((x) => judge(x.comparison, shares.perGuardrail, x.reportedTolerance))
      .filter((r) => r.verdict === 'fail' && (regressed === null || r.guardrail === regressed));
    if (failed.length > 0) {
      const rows = (peek + 1) * ROWS_PER_PEEK;
      return { rows, requests: paired ? 2 * rows : rows };
    }
  }
  return { rows: null, requests: null } as Outcome;
}

const median = (xs: number[]) => (xs.length ? [...xs].sort((a, b) => a - b)[(xs.length - 1) >> 1] : NaN);
const count = (x: number) => (Number.isFinite(x) ? Math.round(x).toLocaleString('en-US') : '—');
const pct = (x: number) => `${(100 * x).toFixed(1)}%`;

export function runPairedBench(o: PairedBenchOptions): string[] {
  const started = Date.now();
  type Scenario = { key: string; title: string; candidate: Model; regressed: GuardrailName | null };
  const all: Scenario[] = [
    { key: 'aa', title: 'A/A (no difference)', candidate: BASELINE, regressed: null },
    {
      key: 'accuracy',
      title: 'accuracy −3 pts',
      candidate: { bias: biasFor(0.03), scramble: 0 },
      regressed: 'accuracy',
    },
    {
      key: 'auc',
      title: 'ROC AUC −0.03',
      candidate: { bias: 0, scramble: scrambleFor(0.03, o.correlation) },
      regressed: 'rocAuc',
    },
  ];
  const scenarios = all.filter((s) => o.scenarios.includes(s.key));
  const lines = [
    '| scenario | unpaired: failed within the horizon | paired: failed within the horizon | unpaired: median; mean rows (median requests) | paired: median; mean rows (median requests) | paired / unpaired: median rows; mean rows; median requests |',
    '|---|---|---|---|---|---|',
  ];
  scenarios.forEach((s, index) => {
    const runs = { unpaired: [] as Outcome[], paired: [] as Outcome[] };
    for (let r = 0; r < o.rollouts; r++) {
      const seed = (Math.imul(index + 101, 0x9e3779b1) ^ (r * 2654435761) ^ Math.imul(o.seedSet, 0x85ebca6b)) >>> 0;
      runs.unpaired.push(simulate(seed, o.correlation, s.candidate, s.regressed, false, o.peeks));
      runs.paired.push(simulate(seed, o.correlation, s.candidate, s.regressed, true, o.peeks));
    }
    const failed = (xs: Outcome[]) => xs.filter((x) => x.rows !== null);
    const u = failed(runs.unpaired);
    const p = failed(runs.paired);
    const mu = median(u.map((x) => x.rows!));
    const mp = median(p.map((x) => x.rows!));
    const mean = (xs: Outcome[]) => xs.reduce((a, x) => a + x.rows!, 0) / xs.length;
    lines.push(
      `| ${s.title} | ${pct(u.length / o.rollouts)} | ${pct(p.length / o.rollouts)} | ` +
        (s.regressed === null
          ? '— | — | — |'
          : `${count(mu)}; ${count(mean(u))} (${count(mu)}) | ${count(mp)}; ${count(mean(p))} (${count(2 * mp)}) | ` +
            `**${(mp / mu).toFixed(2)}**; ${(mean(p) / mean(u)).toFixed(2)}; ${((2 * mp) / mu).toFixed(2)} |`),
    );
  });
  return [
    `bench:guardrail --paired — ${o.rollouts} rollouts per scenario and mode, ${ROWS_PER_PEEK} labelled rows an ` +
      `evaluation for ${o.peeks} evaluations, accuracy and ROC AUC at ${SHARE} each (one-sided, bench:guardrail's ` +
      `default share) with error spending over the soak, correlation of the two models' noise on a row ${o.correlation}` +
      `${o.seedSet !== 0 ? `, seed set ${o.seedSet}` : ''}, ${((Date.now() - started) / 1000).toFixed(0)} s`,
    '',
    ...lines,
    '',
    'Unpaired: each row to one variant at random, 50/50, one request a row. Paired: each row to both, two requests a row.',
    "Rows (requests) to the regressed guardrail's first fail, among the rollouts where it failed within the horizon;",
    "for A/A the share of rollouts that failed at all (false rollbacks, against the two guardrails' 2 × the share).",
  ];
}
