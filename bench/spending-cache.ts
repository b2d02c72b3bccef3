// bench:spending-cache — the heap the error-spending cache holds for one rollout: every guardrail that takes
// spending looks enabled (or the 5XX rate alone), 48 and 150 evaluations (a 75-minute soak at 30 s) of an equal
// candidate, per guardrail design, measured as the heap freed by clearing the cache after a full GC (node --expose-gc),
// side by side in one run.
// docs/production.md ("Many rollouts on one worker: memory") quotes it.
//
//   npm run bench:spending-cache
import { evaluateGuardrails, type GuardrailDesign, type SpendingLook } from '../src/analysis';
import { clearErrorSpendingCache } from '../src/analysis/error-spending';
import { summarizeLabelled } from '../src/analysis/labelled-summary';
import { GuardrailsSpec } from '../src/schema/guardrails';
import { toGuardrailConfig } from '../src/schema/guardrail-config';
import { gaussian, seeded } from './random';

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc (npm run bench:spending-cache does)');

function rows(n: number, seed: number) {
  const random = seeded(seed);
  const z = gaussian(random);
  return Array.from({ length: n }, () => {
    const label = random() < 0.3 ? 1 : 0;
    return { label, score: 1 / (1 + Math.exp(-(label * 2 - 1 + z()))) };
  });
}

function heapAfterGc(): number {
  gc!();
  gc!();
  return process.memoryUsage().heapUsed;
}

/** Every guardrail that takes spending looks, or (`one`) the 5XX rate alone: one history per side. */
function cacheBytes(design: GuardrailDesign, evaluations: number, one = false): number {
  const quality = Object.fromEntries(
    ['accuracy', 'precision', 'recall', 'f1', 'rocAuc'].map((m) => [m, { tolerance: 0.02 }]),
  );
  const config = toGuardrailConfig(
    GuardrailsSpec.parse(
      one
        ? {
            errorRate4xx: { enabled: false },
            latency: { enabled: false },
            quality: {},
            sampleRatio: { enabled: false },
          }
        : { quality },
    ),
    0.5,
    undefined,
    undefined,
    design,
  );
  clearErrorSpendingCache();
  const looks: SpendingLook[] = [];
  // Labels for a tenth of the requests, as live traffic's: the quality guardrails' looks differ from the rates'.
  const labelled = [rows(3_000, 1), rows(3_000, 2)];
  for (let k = 1; k <= evaluations; k++) {
    const n = 200 * k;
    const evidence = (v: number) => ({
      variantName: v === 0 ? 'B' : 'C',
      invocations: n,
      errors5xx: Math.round(0.01 * n),
      errors4xx: Math.round(0.002 * n),
      labelled: summarizeLabelled(labelled[v].slice(0, n / 10), 0.5),
    });
    const e = evaluateGuardrails({
      baseline: evidence(0),
      candidate: evidence(1),
      split: { candidateWeight: 50, baselineInvocations: n, candidateInvocations: n },
      config,
      schedule: { soakFraction: k / evaluations, looks },
    });
    if (e.spendingLook) looks.push(e.spendingLook);
  }
  const full = heapAfterGc();
  clearErrorSpendingCache();
  return full - heapAfterGc();
}

console.log('bench:spending-cache — heap the error-spending cache holds for one rollout, KB');
console.log('(the median of 9 runs per figure, their range in brackets: a GC can leave or take garbage in one run)');
const median = (f: () => number) => {
  const runs = Array.from({ length: 9 }, () => f() / 1024).sort((a, b) => a - b);
  return `${runs[4].toFixed(1)} KB [${runs[0].toFixed(1)}, ${runs[8].toFixed(1)}]`;
};
for (const evaluations of [48, 150]) {
  const all = ([2, 3, 4] as const).map((d) => `design ${d} ${median(() => cacheBytes(d, evaluations))}`);
  const one = ([2, 4] as const).map((d) => `design ${d} ${median(() => cacheBytes(d, evaluations, true))}`);
  console.log(`${evaluations} evaluations, 7 guardrails: ${all.join(', ')}`);
  console.log(`${evaluations} evaluations, the 5XX rate alone: ${one.join(', ')}`);
}
