import { buildReportData } from '../../../src/cli/report/data';
import { chartsFor, escapeHtml, reportHtml } from '../../../src/cli/report/html';
import type { ClassificationMetrics } from '../../../src/analysis/types';
import type { RolloutResult, StepRecord, VariantSummary } from '../../../src/workflows/shared';
import { guardrail, soakingStatus } from './fixtures';

const T0 = Date.parse('2026-11-25T12:00:00Z');
const at = (s: number) => new Date(T0 + s * 1000).toISOString();

function quality(auc: number): ClassificationMetrics {
  return {
    n: 10,
    positives: 5,
    threshold: 0.5,
    accuracy: 0.8,
    precision: 0.8,
    recall: 0.8,
    f1: 0.8,
    rocAuc: auc,
    rocCurve: { fpr: [0, 0.5, 1], tpr: [0, 0.9, 1], thresholds: [Infinity, 0.5, 0] },
  };
}
function variant(name: string, p50: number | null, q: ClassificationMetrics | null): VariantSummary {
  return {
    variantName: name,
    invocations: 100,
    errorRate5xx: 0,
    errorRate4xx: 0,
    latencyP50Ms: p50,
    latencyP99Ms: p50 === null ? null : p50 * 2,
    latencyMeanMs: p50 === null ? null : p50 * 1.1,
    quality: q,
  };
}
function step(n: number, weight: number, start: number, end: number, variants: VariantSummary[]): StepRecord {
  return {
    step: n,
    candidateWeight: weight,
    startedAt: at(start),
    endedAt: at(end),
    soakedMs: (end - start) * 1000,
    evaluations: 2,
    verdict: 'pass',
    ended: 'advanced',
    variants,
  };
}

const result: RolloutResult = {
  outcome: 'promoted',
  reason: 'all steps passed',
  endpointName: 'churn',
  baselineVariant: 'Champion',
  candidateVariant: 'Challenger',
  servingVariant: 'Challenger',
  steps: [
    step(1, 50, 0, 60, [variant('Champion', 4, quality(0.78)), variant('Challenger', 5, quality(0.88))]),
    // at 100% the baseline serves nothing: only the candidate has labels in this step
    step(2, 100, 60, 90, [variant('Champion', null, null), variant('Challenger', 5, quality(0.9))]),
  ],
  decisions: [{ at: at(95), step: 2, kind: 'promote', by: 'model-rollout', reason: 'all steps passed <ok>' }],
  evaluations: [
    {
      at: at(30),
      step: 1,
      alarms: [],
      evaluation: {
        verdict: 'continue',
        reason: '',
        results: [
          guardrail({ guardrail: 'rocAuc', difference: -0.1, interval: [-Infinity, Infinity], tolerance: 0.02 }),
          guardrail({ guardrail: 'sampleRatio', difference: 0.01, interval: [-0.2, 0.2], tolerance: 0 }),
          guardrail({ guardrail: 'errorRate5xx', difference: null }),
        ],
      },
    },
    {
      at: at(60),
      step: 1,
      alarms: [],
      evaluation: {
        verdict: 'pass',
        reason: '',
        results: [
          guardrail({ guardrail: 'rocAuc', verdict: 'pass', difference: -0.1, interval: [-0.2, 0], tolerance: 0.02 }),
        ],
      },
    },
  ],
  resources: { models: [], endpointConfigs: [], endpoint: false, deleted: [] },
  cleanupWarnings: [],
};

describe('report data', () => {
  const data = buildReportData({ kind: 'result', result }, new Date(T0 + 100_000));

  it('compares ROC curves on the latest step where both variants had labels', () => {
    expect(data.roc?.step).toBe(1);
    expect(data.roc?.curves.map((c) => [c.variant, c.auc])).toEqual([
      ['Champion', 0.78],
      ['Challenger', 0.88],
    ]);
  });

  it('traces the weights as set: each step, then the ending', () => {
    expect(data.traffic).toEqual([
      {
        variant: 'Champion',
        points: [
          { t: 0, y: 50 },
          { t: 60, y: 0 },
          { t: 95, y: 0 },
        ],
      },
      {
        variant: 'Challenger',
        points: [
          { t: 0, y: 50 },
          { t: 60, y: 100 },
          { t: 95, y: 100 },
        ],
      },
    ]);
  });

  it('plots latency per variant at the end of each step where it had any', () => {
    expect(data.latency[0]).toEqual({
      variant: 'Champion',
      statistic: 'median',
      p50: [{ t: 60, y: 4 }],
      p99: [{ t: 60, y: 8 }],
    });
    expect(data.latency[1].p50).toEqual([
      { t: 60, y: 5 },
      { t: 90, y: 5 },
    ]);
  });

  it("plots each variant's mean latency where CloudWatch had no percentiles (SageMaker's statistic sets)", () => {
    const steps = result.steps.map((s) => ({
      ...s,
      variants: s.variants.map((v) => ({ ...v, latencyP50Ms: null, latencyP99Ms: null })),
    }));
    const means = buildReportData({ kind: 'result', result: { ...result, steps } }, new Date(T0 + 100_000));
    expect(means.latency[0]).toEqual({ variant: 'Champion', statistic: 'mean', p50: [{ t: 60, y: 4.4 }], p99: [] });
  });

  it('keeps each guardrail with data as a series, unbounded interval ends as gaps, no boundary for sampleRatio', () => {
    expect(data.guardrails.map((g) => g.guardrail)).toEqual(['rocAuc', 'sampleRatio']);
    expect(data.guardrails[0].points).toEqual([
      { t: 30, difference: -0.1, low: null, high: null, verdict: 'continue' },
      { t: 60, difference: -0.1, low: -0.2, high: 0, verdict: 'pass' },
    ]);
    expect(data.guardrails[0].tolerance).toBe(0.02);
    expect(data.guardrails[1].tolerance).toBeNull();
  });

  it('tables every step for each variant', () => {
    expect(data.stepTables.map((t) => [t.variant, t.rows.map((r) => r.variantWeight)])).toEqual([
      ['Champion', [50, 0]],
      ['Challenger', [50, 100]],
    ]);
  });

  it('writes one canvas per chart and escapes what people typed', () => {
    const html = reportHtml(data, '/* chart.js */');
    const ids = chartsFor(data).map((c) => c.id);
    expect(ids).toEqual([
      'chart-roc',
      'chart-traffic',
      'chart-latency',
      'chart-guardrail-rocAuc',
      'chart-guardrail-sampleRatio',
    ]);
    expect(html.match(/<canvas /g)).toHaveLength(ids.length);
    expect(html).toContain('all steps passed &lt;ok&gt;');
    expect(html).not.toContain('<ok>');
    expect(escapeHtml(`"'&`)).toBe('&quot;&#39;&amp;');
  });

  it('reports a running rollout from its status, saying it shows the latest evaluation only', () => {
    const status = soakingStatus({ steps: result.steps.slice(0, 1) });
    const running = buildReportData(
      { kind: 'status', status, baselineVariant: 'Champion', candidateVariant: 'Challenger' },
      new Date(T0 + 100_000),
    );
    expect(running.outcome).toBeNull();
    expect(running.guardrails.every((g) => g.points.length === 1)).toBe(true);
    // the current weights hold until now
    expect(running.traffic[1].points.at(-1)).toEqual({ t: 100, y: 50 });
    expect(reportHtml(running, '')).toContain('The rollout is still running');
  });
});
