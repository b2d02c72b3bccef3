// Statuses shaped like the workflow's, for rendering tests. The numbers only need to be rendered, not true.
import type { GuardrailResult } from '../../../src/analysis/types';
import type { RolloutStatus } from '../../../src/workflows/shared';

export const NOW = new Date('2026-11-25T12:00:00.000Z');
const ago = (s: number) => new Date(NOW.getTime() - s * 1000).toISOString();
const ahead = (s: number) => new Date(NOW.getTime() + s * 1000).toISOString();

export function guardrail(partial: Partial<GuardrailResult> & Pick<GuardrailResult, 'guardrail'>): GuardrailResult {
  return {
    verdict: 'continue',
    baseline: null,
    candidate: null,
    difference: null,
    interval: null,
    tolerance: 0.02,
    alpha: 0.01,
    samples: { baseline: 0, candidate: 0 },
    method: 'test',
    reason: 'test',
    ...partial,
  };
}

export function soakingStatus(overrides: Partial<RolloutStatus> = {}): RolloutStatus {
  return {
    endpointName: 'churn',
    phase: 'soaking',
    step: 2,
    totalSteps: 3,
    weights: { Champion: 25, Challenger: 75 },
    paused: false,
    pendingApproval: null,
    waiting: null,
    lastEvaluation: {
      at: ago(12),
      step: 2,
      alarms: [],
      evaluation: {
        verdict: 'continue',
        reason: 'not enough evidence yet',
        results: [
          guardrail({
            guardrail: 'errorRate5xx',
            verdict: 'pass',
            baseline: 0.001,
            candidate: 0.0012,
            difference: 0.0002,
            interval: [-0.003, 0.004],
            tolerance: 0.005,
          }),
          guardrail({
            guardrail: 'latency',
            baseline: 12.1,
            candidate: 12.4,
            difference: 0.025,
            interval: [-0.05, 0.09],
            tolerance: 0.2,
          }),
          guardrail({ guardrail: 'rocAuc', baseline: 0.912, candidate: 0.905, difference: 0.007, tolerance: 0.02 }),
        ],
      },
    },
    verdicts: [],
    soak: { startedAt: ago(80), minEndsAt: ahead(520), maxEndsAt: ahead(1720) },
    steps: [],
    decisions: [
      { at: ago(700), step: 1, kind: 'deployed', by: 'model-rollout', reason: 'candidate deployed beside Champion' },
      { at: ago(80), step: 2, kind: 'advance', by: 'model-rollout', reason: 'step 1 passed every guardrail' },
    ],
    resources: { models: [], endpointConfigs: [], endpoint: false, deleted: [] },
    ...overrides,
  };
}
