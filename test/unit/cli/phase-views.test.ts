// What status, watch and the report show of a shadow step and of the post-promotion bake.
import { buildReportData } from '../../../src/cli/report/data';
import { renderResult, renderStatus } from '../../../src/cli/view/status-view';
import { eventLines } from '../../../src/cli/view/watch-view';
import type { RolloutResult, RolloutStatus } from '../../../src/workflows/shared';
import { guardrail, NOW, soakingStatus } from './fixtures';

const opts = { now: NOW, color: false, cli: 'npx model-rollout' };
const ago = (ms: number) => new Date(NOW.getTime() - ms).toISOString();

function shadowStatus(): RolloutStatus {
  const base = soakingStatus();
  return {
    ...base,
    step: 1,
    weights: { Champion: 100 },
    shadow: {
      variantName: 'Challenger',
      mirroredPercent: 100,
      pairs: 1234,
      labelledPairs: 400,
      baselineOnly: 3,
      pairedThrough: ago(60_000),
    },
    steps: [
      {
        step: 1,
        candidateWeight: 100,
        shadow: true,
        startedAt: ago(600_000),
        soakedMs: 540_000,
        evaluations: 18,
        variants: [],
      },
    ],
    lastEvaluation: {
      ...base.lastEvaluation!,
      step: 1,
      evaluation: {
        verdict: 'continue',
        reason: 'waiting for evidence',
        results: [
          guardrail({ guardrail: 'copyRatio', verdict: 'pass', baseline: 1, candidate: 0.998, difference: -0.002 }),
          guardrail({
            guardrail: 'agreement',
            verdict: 'pass',
            baseline: 0.3,
            candidate: 0.32,
            difference: 0.12,
            tolerance: 0.3,
          }),
        ],
      },
    },
  };
}

function bakingStatus(): RolloutStatus {
  return {
    ...soakingStatus(),
    phase: 'baking',
    step: 3,
    weights: { Champion: 0, Challenger: 100 },
    soak: null,
    bake: {
      startedAt: ago(120_000),
      endsAt: new Date(NOW.getTime() + 480_000).toISOString(),
      soakedMs: 120_000,
      referenceStep: 3,
      warmInstances: 1,
      instancesBefore: 4,
    },
    lastEvaluation: { ...soakingStatus().lastEvaluation!, at: ago(2_000), step: 3, bake: true },
  };
}

test('status shows what a shadow step mirrors and how many answers are paired; copy ratio has no tolerance', () => {
  const text = renderStatus(shadowStatus(), opts).join('\n');
  expect(text).toMatch(/Champion\s+█{30}\s+100%/);
  expect(text).toContain(
    'Shadow: Challenger answers 100% of requests mirrored from the baseline and no caller; 1234 answers paired by ' +
      'InferenceId (400 labelled, 3 without a copy, requests before',
  );
  expect(text).toMatch(/copyRatio\s+1\.00\s+0\.998\s+-0\.00200\s+\S+\s+—\s+pass/);
  expect(text).toMatch(/agreement\s+30\.0%\s+32\.0%\s+\+12\.0 pp\s+\S+\s+30\.0 pp\s+pass/);
});

test('status and watch show the bake: phase baking, time left, the warm baseline, evaluations of the bake', () => {
  const status = bakingStatus();
  const text = renderStatus(status, opts).join('\n');
  expect(text).toContain('phase baking   step 3/3');
  expect(text).toContain(
    'Bake: 2m baked, about 8m left; the candidate serves 100%, the baseline waits at weight 0 on 1 warm instance; ' +
      "judged against the candidate's own step 3",
  );
  expect(text).toContain('Guardrails (the bake, 2s ago)');
  const lines = eventLines(soakingStatus(), status, opts);
  expect(lines[0]).toMatch(
    /phase baking, step 3\/3, weights Champion=0% Challenger=100%, baking until about \d\d:\d\d:\d\d \(baseline warm on 1\)/,
  );
  expect(lines.some((l) => /evaluation \(bake\)/.test(l))).toBe(true);
});

test('the result and the report show a shadow step as mirrored, with no caller answered by the candidate', () => {
  const status = shadowStatus();
  const result: RolloutResult = {
    outcome: 'rolled_back',
    reason: 'guardrail failed: errorRate5xx',
    endpointName: 'churn',
    baselineVariant: 'Champion',
    candidateVariant: 'Challenger',
    servingVariant: 'Champion',
    steps: [{ ...status.steps[0], ended: 'rolled-back', endedAt: ago(1_000) }],
    decisions: status.decisions,
    evaluations: [status.lastEvaluation!],
    resources: status.resources,
    cleanupWarnings: [],
  };
  expect(renderResult(result, opts).join('\n')).toMatch(/\n\s+1\s+100% mirrored\s+9m\s+18\s/);
  const report = buildReportData({ kind: 'result', result }, NOW);
  const challenger = report.stepTables.find((t) => t.variant === 'Challenger')!.rows[0];
  expect([challenger.shadow, challenger.variantWeight, challenger.candidateWeight]).toEqual([true, 0, 100]);
  expect(report.stepTables.find((t) => t.variant === 'Champion')!.rows[0].variantWeight).toBe(100);
  expect(report.traffic.find((s) => s.variant === 'Challenger')!.points[0].y).toBe(0);
  expect(report.guardrails.find((g) => g.guardrail === 'copyRatio')!.tolerance).toBeNull();
});

test("the report charts the bake's evaluations apart from the steps' (a comparison of their own)", () => {
  const step = soakingStatus().lastEvaluation!;
  const status: RolloutStatus = { ...bakingStatus(), lastEvaluation: null };
  const result: RolloutResult = {
    outcome: 'promoted',
    reason: 'all 3 steps passed',
    endpointName: 'churn',
    baselineVariant: 'Champion',
    candidateVariant: 'Challenger',
    servingVariant: 'Challenger',
    steps: [],
    decisions: [],
    evaluations: [step, { ...step, at: ago(1_000), bake: true }],
    resources: status.resources,
    cleanupWarnings: [],
    bake: status.bake,
  };
  const series = buildReportData({ kind: 'result', result }, NOW).guardrails.filter((g) => g.guardrail === 'latency');
  expect(series.map((g) => [g.bake ?? false, g.points.length])).toEqual([
    [false, 1],
    [true, 1],
  ]);
});
