// bench:guardrail's table: per scenario the sequential rollout's decisions and sample, the fixed horizon a team would
// plan, the oracle, and the ratios with their 95% confidence intervals; then one summary line against the goals.
import type { GuardrailName } from '../../src/analysis';
import type { RolloutRecord } from './rollout';
import type { OracleSample } from './designs';
import { meanOf, medianOf, proportionOf, ratioOf, type Estimate } from './stats';
import type { Scenario } from './scenarios';

export interface ScenarioResult {
  scenario: Scenario;
  records: RolloutRecord[];
  /** The guardrail's alpha share (the regressed one's; for A/A every guardrail's). */
  alpha: number;
  /** The oracle's beta: the rollout's miss rate (regressions, at its 95% bound) or the design's false pass rate. */
  beta: number;
  plan: { served: number; units: number; guardrail: GuardrailName; unit: string };
  oracle: OracleSample & { slowest?: string };
}

const count = (x: number) => (Number.isFinite(x) ? Math.round(x).toLocaleString('en-US') : '—');
const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
const interval = (e: Estimate, f: (x: number) => string) => `${f(e.value)} [${f(e.lo)}, ${f(e.hi)}]`;
const two = (x: number) => x.toFixed(2);

export interface Row {
  key: string;
  aa: boolean;
  medianToPlan: Estimate;
  meanToPlan: Estimate;
  meanToOracle: Estimate;
  medianToOracle: Estimate;
  errorRate: Estimate;
  /** The oracle's own median sample over the fixed horizon: the least any test could reach here. */
  oracleToPlan: number;
}

export function tableOf(results: ScenarioResult[]): { lines: string[]; rows: Row[]; notes: string[] } {
  const lines = [
    '| scenario | decisions (whole rollouts) | sequential: candidate requests to the decision, median; mean [95% CI] | fixed horizon at the tolerance, 80% power | oracle: SPRT with the true parameters, median; mean (α; β) | sequential / fixed: median; mean | sequential / oracle: median; mean | evidence at the decision / fixed (no lag) |',
    '|---|---|---|---|---|---|---|---|',
  ];
  const rows: Row[] = [];
  const notes: string[] = [];
  const floors: string[] = [];
  for (const r of results) {
    const { scenario: s, records } = r;
    const n = records.length;
    const rolledBack = records.filter((x) => x.outcome === 'rolled-back');
    let decisions: string;
    let sample: number[];
    let errorRate: Estimate;
    let evidence = '—';
    if (s.regressed === null) {
      errorRate = proportionOf(rolledBack.length, n);
      sample = records.filter((x) => x.firstPassServed !== null).map((x) => x.firstPassServed!);
      const blamed = new Map<string, number>();
      for (const x of rolledBack) for (const g of x.failed) blamed.set(g, (blamed.get(g) ?? 0) + 1);
      const last = new Map<string, number>();
      for (const x of records) for (const g of x.lastToPass) last.set(g, (last.get(g) ?? 0) + 1);
      decisions =
        `**${interval(errorRate, pct)}** false rollbacks; passes: ${pct(sample.length / n)}; ` +
        `promoted ${pct(records.filter((x) => x.outcome === 'promoted').length / n)}`;
      const promoted = records.filter((x) => x.outcome === 'promoted').map((x) => x.endServed);
      notes.push(
        `${s.title}: false rollbacks by guardrail: ${[...blamed].map(([g, k]) => `${g} ${k}`).join(', ') || 'none'}; ` +
          `promoted after a median ${count(medianOf(promoted).value)} candidate requests ` +
          `(${(medianOf(records.filter((x) => x.outcome === 'promoted').map((x) => x.endMs)).value / 60_000).toFixed(0)} min: ` +
          `the steps' soak minimums and settle waits); ${records.reduce((a, x) => a + x.inconclusive, 0)} step(s) ` +
          `reached maxSoak undecided; the last to pass: ${[...last]
            .sort((a, b) => b[1] - a[1])
            .map(([g, k]) => `${g} ${k}`)
            .join(', ')}; ` +
          `the slowest guardrail of the oracle: ${r.oracle.slowest}.`,
      );
    } else {
      const detected = rolledBack.filter((x) => x.failed.includes(s.regressed!));
      errorRate = proportionOf(n - rolledBack.length, n); // the miss rate: the whole rollout not rolled back
      // Whole rollouts: the sample to the rollout's rollback, whichever guardrail ended it.
      sample = rolledBack.map((x) => x.endServed);
      const wrong = rolledBack.length - detected.length;
      const promoted = records.filter((x) => x.outcome === 'promoted').length;
      decisions = `rolled back **${pct(rolledBack.length / n)}** (for it ${pct(detected.length / n)}; for another guardrail first ${wrong}); promoted ${promoted}`;
      const ev = detected.filter((x) => x.failEvidence !== null).map((x) => x.failEvidence!);
      evidence = `${two(medianOf(ev).value / r.plan.units)}; ${two(meanOf(ev).value / r.plan.units)}`;
      if (wrong > 0 || promoted > 0) {
        const others = new Map<string, number>();
        for (const x of rolledBack.filter((y) => !y.failed.includes(s.regressed!)))
          for (const g of x.failed) others.set(g, (others.get(g) ?? 0) + 1);
        notes.push(
          `${s.title}: ${wrong} rolled back for another guardrail first (${[...others].map(([g, k]) => `${g} ${k}`).join(', ') || '—'}), ` +
            `${promoted} promoted.`,
        );
      }
    }
    const median = medianOf(sample);
    const mean = meanOf(sample);
    const oMedian = medianOf(r.oracle.served);
    const oMean = meanOf(r.oracle.served);
    const row: Row = {
      key: s.key,
      aa: s.regressed === null,
      medianToPlan: ratioOf(median, r.plan.served),
      meanToPlan: ratioOf(mean, r.plan.served),
      medianToOracle: ratioOf(median, oMedian),
      meanToOracle: ratioOf(mean, oMean),
      errorRate,
      oracleToPlan: oMedian.value / r.plan.served,
    };
    rows.push(row);
    floors.push(`${s.key} ${two(row.oracleToPlan)}`);
    lines.push(
      `| ${s.title} | ${decisions} | ${count(median.value)}; ${interval(mean, count)} | ` +
        `${count(r.plan.served)} (${r.plan.guardrail}: ${count(r.plan.units)} ${r.plan.unit}) | ` +
        `${count(oMedian.value)}; ${count(oMean.value)} (${r.alpha.toPrecision(2)}; ${r.beta.toPrecision(2)}) | ` +
        `**${interval(row.medianToPlan, two)}**; ${interval(row.meanToPlan, two)} | ` +
        `${interval(row.medianToOracle, two)}; **${interval(row.meanToOracle, two)}** | ${evidence} |`,
    );
  }
  notes.push(
    `The oracle's own median sample over the fixed horizon (what no test can beat, lags included: CloudWatch's settle ` +
      `delay, labels' window, captures' minute): ${floors.join(', ')}.`,
  );
  return { lines, rows, notes };
}

/** One line against the brief's goals. */
export function summaryOf(rows: Row[]): string {
  const regressions = rows.filter((r) => !r.aa);
  const aa = rows.filter((r) => r.aa);
  const worst = <T extends Row>(xs: T[], f: (r: T) => number) => xs.reduce((a, b) => (f(b) > f(a) ? b : a));
  const parts: string[] = [];
  const ci = (e: Estimate, f: (x: number) => string) => `${f(e.value)} [${f(e.lo)}, ${f(e.hi)}]`;
  const met = (ok: boolean) => (ok ? 'met' : 'NOT met');
  if (aa.length > 0) {
    const fr = worst(aa, (r) => r.errorRate.value);
    const pass = worst(aa, (r) => r.medianToPlan.value);
    parts.push(
      `false rollbacks at most ${ci(fr.errorRate, pct)} (${fr.key}; goal ≤ 5%: ${met(fr.errorRate.value <= 0.05)})`,
      `equal candidates pass at ${ci(pass.medianToPlan, two)}× the largest fixed horizon at most, median ` +
        `(${pass.key}; goal ≤ 0.7: ${met(pass.medianToPlan.value <= 0.7)})`,
    );
  }
  if (regressions.length > 0) {
    const det = worst(regressions, (r) => r.medianToPlan.value);
    parts.push(
      `regressions rolled back at ${ci(det.medianToPlan, two)}× the fixed horizon at most, median (${det.key}; ` +
        `goal ≤ 0.5: ${met(det.medianToPlan.value <= 0.5)}; the oracle's own median there ${two(det.oracleToPlan)})`,
    );
    // The goal read where it can be met at all: the regressions whose oracle decides within half the fixed horizon.
    const reachable = regressions.filter((r) => r.oracleToPlan <= 0.5);
    if (reachable.length > 0 && reachable.length < regressions.length) {
      const r = worst(reachable, (x) => x.medianToPlan.value);
      parts.push(
        `where the oracle needs ≤ 0.5 (${reachable.map((x) => x.key).join(', ')}) at ${ci(r.medianToPlan, two)}× ` +
          `at most (${r.key}; ${met(r.medianToPlan.value <= 0.5)})`,
      );
    }
  }
  const oracle = worst(rows, (r) => r.meanToOracle.value);
  parts.push(
    `mean sample ${ci(oracle.meanToOracle, two)}× the oracle's at most (${oracle.key}; goal ≤ 1.5: ` +
      `${met(oracle.meanToOracle.value <= 1.5)})`,
  );
  return `Summary: ${parts.join('; ')}.`;
}
