// Records what an earlier guardrail design decides on seeded evidence, so that a unit test can check that the current
// code, asked for that design (GuardrailConfig.design), still decides exactly so: rollouts started by older workers
// must replay. Run it on the analysis code of the last commit where that design was the current one:
//
//   design 1, the code before issue 21 (its specs stated no power):
//     mkdir -p /tmp/design-1 && git archive 9406d8f src/analysis | tar -x -C /tmp/design-1
//     scripts/with-node.sh npx tsx scripts/guardrail-design-fixture.ts 1 /tmp/design-1/src/analysis 9406d8f \
//       > test/fixtures/analysis/guardrail-design-1.json
//   design 2, the code before design 3 (with the spec's default power, 0.8):
//     mkdir -p /tmp/design-2 && git archive 2eaeea9 src/analysis | tar -x -C /tmp/design-2
//     scripts/with-node.sh npx tsx scripts/guardrail-design-fixture.ts 2 /tmp/design-2/src/analysis 2eaeea9 \
//       > test/fixtures/analysis/guardrail-design-2.json
//   design 3, the code before design 4 (as design 2's fixture: power 0.8, latency within the table):
//     mkdir -p /tmp/design-3 && git archive 574530b src/analysis | tar -x -C /tmp/design-3
//     scripts/with-node.sh npx tsx scripts/guardrail-design-fixture.ts 3 /tmp/design-3/src/analysis 574530b \
//       > test/fixtures/analysis/guardrail-design-3.json
//
// Every input is stored as that code built it (labelled and paired summaries, folded latency and score-shift
// statistics), with every evaluation's full result.
/* eslint-disable @typescript-eslint/no-explicit-any */
import { resolve } from 'node:path';
import { gaussian, seeded } from '../bench/random';

function rng(seed: number) {
  const uniform = seeded(seed);
  return { uniform, normal: gaussian(uniform) };
}

/** The evaluations kept in the fixture (each input carries the earlier looks, so it stands alone). */
const KEPT = new Set([1, 2, 4, 7, 10, 12, 16]);

const THRESHOLDS = [0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.98, 0.99];

async function main() {
  const design = Number(process.argv[2]);
  if (design !== 1 && design !== 2 && design !== 3)
    throw new Error('usage: guardrail-design-fixture.ts <1|2|3> <src/analysis dir> <commit>');
  const dir = resolve(process.argv[3]);
  const commit = process.argv[4];
  const a: any = await import(`${dir}/index.ts`);
  const r = rng(20261205);
  const score = (label: number, shift: number) => 1 / (1 + Math.exp(-(label * 2 - 1 + shift + r.normal())));
  const rows = (n: number, shift: number) =>
    Array.from({ length: n }, () => {
      const label = r.uniform() < 0.3 ? 1 : 0;
      return { label, score: score(label, shift) };
    });
  const period = (t: number, medianUs: number) => {
    const p50 = medianUs * Math.exp(0.05 * r.normal());
    return { timestamp: t, sampleCount: 300, average: p50 * 1.13, p50, p90: p50 * 1.9, p99: p50 * 3.2 };
  };
  const base = {
    alpha: 0.05,
    errorRate5xx: { enabled: true, tolerance: 0.005 },
    errorRate4xx: { enabled: true, tolerance: 0.005 },
    // Designs 2 and 3 plan latency within the group-sequential table (24 periods), design 1 beyond it.
    latency: { enabled: true, tolerance: 0.2, horizon: design >= 2 ? 24 : 75 },
    quality: { accuracy: { tolerance: 0.02 }, rocAuc: { tolerance: 0.02 } },
    sampleRatio: { enabled: true },
    threshold: 0.5,
    ...(design >= 2 ? { power: 0.8 } : {}),
  };
  const cases: any[] = [];

  // Replay and live worlds: CloudWatch sums and periods, labelled rows; equal, 5XX-regressed, slower, worse candidates.
  const worlds = [
    { name: 'equal (replay)', p5: 0.01, slow: 1, shift: 0, live: false },
    { name: '5XX 1% → 2% (replay)', p5: 0.02, slow: 1, shift: 0, live: false },
    { name: 'latency +30% (replay)', p5: 0.01, slow: 1.3, shift: 0, live: false },
    { name: 'scores shifted (live, label-free guard)', p5: 0.01, slow: 1, shift: -1.5, live: true },
  ];
  for (const w of worlds) {
    const config = w.live ? { ...base, scoreShift: { enabled: true, tolerance: 0.5 } } : base;
    const evaluations: any[] = [];
    const looks: any[] = [];
    const b = { invocations: 0, errors5xx: 0, errors4xx: 0, rows: [] as any[], periods: [] as any[] };
    const c = { invocations: 0, errors5xx: 0, errors4xx: 0, rows: [] as any[], periods: [] as any[] };
    let shift = a.emptyScoreShift();
    const periods: any[] = [];
    for (let i = 1; i <= 16; i++) {
      for (const [v, p5, slow, s] of [
        [b, 0.01, 1, 0],
        [c, w.p5, w.slow, w.shift],
      ] as const) {
        const n = 600;
        v.invocations += n;
        for (let k = 0; k < n; k++) {
          const u = r.uniform();
          if (u < p5) v.errors5xx++;
          else if (u < p5 + 0.002) v.errors4xx++;
        }
        v.rows.push(...rows(150, s));
        v.periods.push(period(1_800_000_000_000 + i * 60_000, 20_000 * slow));
      }
      if (w.live) {
        const counts = () => ({ predictions: 0, atOrBelow: THRESHOLDS.map(() => 0) });
        const p = { candidateWeight: 50, baseline: counts(), candidate: counts() };
        for (let k = 0; k < 400; k++) a.countScore(p.baseline, score(r.uniform() < 0.3 ? 1 : 0, 0));
        for (let k = 0; k < 400; k++) a.countScore(p.candidate, score(r.uniform() < 0.3 ? 1 : 0, w.shift));
        periods.push(p);
        shift = a.foldScoreShift(shift, p);
      }
      const input: any = {
        baseline: {
          variantName: 'B',
          invocations: b.invocations,
          errors5xx: b.errors5xx,
          errors4xx: b.errors4xx,
          labelled: a.summarizeLabelled(b.rows, 0.5),
        },
        candidate: {
          variantName: 'C',
          invocations: c.invocations,
          errors5xx: c.errors5xx,
          errors4xx: c.errors4xx,
          labelled: a.summarizeLabelled(c.rows, 0.5),
        },
        latency: a.foldCompletePeriods(a.NO_LATENCY_PERIODS, b.periods, c.periods, Infinity),
        split: { candidateWeight: 50, baselineInvocations: b.invocations, candidateInvocations: c.invocations },
        config,
        schedule: { soakFraction: i / 30, looks: structuredClone(looks) },
        ...(w.live ? { scoreShift: shift } : {}),
      };
      const output = a.evaluateGuardrails(input);
      if (output.spendingLook) looks.push(output.spendingLook);
      if (KEPT.has(i)) evaluations.push({ input, output });
    }
    cases.push({ name: w.name, ...(w.live ? { scoreShiftPeriods: periods } : {}), evaluations });
  }

  // Paired probes: a slower candidate (10%), equal quality; pairs as design 1's replay activity recorded them.
  {
    const config = { ...base, paired: true, sampleRatio: { enabled: false } };
    const evaluations: any[] = [];
    const looks: any[] = [];
    let paired: any = null;
    for (let i = 1; i <= 12; i++) {
      const builder = new a.PairedSummaryBuilder(0.5);
      for (let k = 0; k < 200; k++) {
        const label = r.uniform() < 0.3 ? 1 : 0;
        const row = r.normal();
        const s = (x: number) => 1 / (1 + Math.exp(-(label * 2 - 1 + row + 0.5 * x)));
        builder.add(label, s(r.normal()), s(r.normal()), {
          baseline: 20 * Math.exp(0.3 * r.normal()),
          candidate: 22 * Math.exp(0.3 * r.normal()),
        });
      }
      builder.close();
      paired = paired ? a.mergePaired(paired, builder.summary()) : builder.summary();
      const v = (name: string) => ({ variantName: name, invocations: 0, errors5xx: 0, errors4xx: 0, labelled: null });
      const input: any = {
        baseline: { ...v('B'), invocations: 600 * i, errors5xx: 6 * i },
        candidate: { ...v('C'), invocations: 600 * i, errors5xx: 6 * i },
        split: { candidateWeight: 50, baselineInvocations: 0, candidateInvocations: 0 },
        config,
        schedule: { soakFraction: i / 30, looks: structuredClone(looks) },
        paired,
      };
      const output = a.evaluateGuardrails(input);
      if (output.spendingLook) looks.push(output.spendingLook);
      if (KEPT.has(i)) evaluations.push({ input, output });
    }
    cases.push({ name: 'paired probes, candidate 10% slower', evaluations });
  }
  process.stdout.write(JSON.stringify({ from: `src/analysis at ${commit} (design ${design})`, cases }) + '\n');
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
