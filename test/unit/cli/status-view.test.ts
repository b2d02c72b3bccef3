import { renderResult, renderSoak, renderStatus } from '../../../src/cli/view/status-view';
import type { RolloutResult } from '../../../src/workflows/shared';
import { NOW, soakingStatus } from './fixtures';

const opts = { now: NOW, color: false, cli: 'npx model-rollout' };

describe('status view', () => {
  it('shows phase, step, weights as bars, soak time left and every guardrail', () => {
    const text = renderStatus(soakingStatus(), opts).join('\n');
    expect(text).toContain('Rollout churn   phase soaking   step 2/3');
    expect(text).toMatch(/Champion\s+█{8}░{22}\s+25%/);
    expect(text).toMatch(/Challenger\s+█{23}░{7}\s+75%/);
    expect(text).toContain('Soak: 1m20s elapsed, 8m40s left (up to 28m40s more if the guardrails stay inconclusive)');
    expect(text).toContain('Guardrails (step 2, 12s ago): continue — not enough evidence yet');
    expect(text).toMatch(
      /errorRate5xx\s+0\.100%\s+0\.120%\s+\+0\.0200 pp\s+\[-0\.300 pp, \+0\.400 pp\]\s+0\.500 pp\s+pass/,
    );
    expect(text).toMatch(/latency\s+12\.1 ms\s+12\.4 ms\s+\+2\.50%\s+\[-5\.00%, \+9\.00%\]\s+20\.0%\s+continue/);
    expect(text).toMatch(/rocAuc\s+0\.912\s+0\.905\s+\+0\.007\s+—\s+0\.020\s+continue/);
    expect(text).toContain('step 2  advance   by model-rollout  step 1 passed every guardrail');
    expect(text).not.toContain('Waiting for approval');
  });

  it("shows each variant's instances, and what the rollout does with them", () => {
    const following = soakingStatus({
      capacity: {
        followWeights: true,
        fullSize: { Champion: 4, Challenger: 4 },
        instances: { Champion: 1, Challenger: 3 },
      },
    });
    expect(renderStatus(following, opts)).toContain(
      'Instances: Champion 1 of 4, Challenger 3 of 4 (following the weights)',
    );
    const autoscaled = soakingStatus({
      capacity: {
        followWeights: false,
        fullSize: { Champion: 3, Challenger: 3 },
        instances: { Champion: 3, Challenger: 3 },
        autoscaling: 'suspended',
      },
    });
    expect(renderStatus(autoscaled, opts)).toContain(
      "Instances: Champion 3, Challenger 3 (at full size; the baseline's autoscaling holds scale-in)",
    );
    expect(renderStatus(soakingStatus(), opts).join('\n')).not.toContain('Instances:');
  });

  it('says what a long wait is for and how long it has lasted, and nothing when not waiting', () => {
    const status = soakingStatus({
      phase: 'shifting',
      soak: null,
      waiting: {
        what: 'shifting weights to 75% candidate: waiting for endpoint churn to be InService',
        since: new Date(NOW.getTime() - 95_000).toISOString(),
      },
    });
    expect(renderStatus(status, opts).join('\n')).toContain(
      'Waiting: shifting weights to 75% candidate: waiting for endpoint churn to be InService (1m35s so far)',
    );
    expect(renderStatus(soakingStatus(), opts).join('\n')).not.toContain('Waiting:');
  });

  it('shows a pending approval with the exact commands to answer it', () => {
    const status = soakingStatus({
      phase: 'awaiting-approval',
      pendingApproval: {
        step: 2,
        cause: 'step',
        since: new Date(NOW.getTime() - 60_000).toISOString(),
        timeoutAt: new Date(NOW.getTime() + 3_600_000).toISOString(),
        reason: 'step 2 requires approval',
      },
    });
    const lines = renderStatus(status, opts);
    expect(lines).toContain('Waiting for approval (step 2, step): step 2 requires approval; times out in 1h');
    expect(lines).toContain('  approve:  npx model-rollout approve churn --by <you> --reason "<why>"');
    expect(lines).toContain('  rollback: npx model-rollout rollback churn --by <you> --reason "<why>"');
    // the soak line belongs to the soaking phase only
    expect(lines.join('\n')).not.toContain('Soak:');
  });

  it('says when the minimum soak has passed and the guardrails are still inconclusive', () => {
    const status = soakingStatus({
      soak: {
        startedAt: new Date(NOW.getTime() - 700_000).toISOString(),
        minEndsAt: new Date(NOW.getTime() - 100_000).toISOString(),
        maxEndsAt: new Date(NOW.getTime() + 90_000).toISOString(),
      },
    });
    expect(renderSoak(status, NOW)).toBe(
      'Soak: 11m40s elapsed, minimum reached; waiting for conclusive guardrails, at most 1m30s more',
    );
  });

  it('shows how to resume a paused rollout, and before any evaluation says so', () => {
    const lines = renderStatus(soakingStatus({ phase: 'paused', paused: true, lastEvaluation: null }), opts);
    expect(lines).toContain('Paused. Resume with: npx model-rollout resume churn --by <you>');
    expect(lines).toContain('Guardrails: no evaluation yet');
  });

  it('renders a finished rollout with its steps, decisions and cleanup warnings', () => {
    const status = soakingStatus();
    const result: RolloutResult = {
      outcome: 'rolled_back',
      reason: 'errorRate5xx failed',
      endpointName: 'churn',
      baselineVariant: 'Champion',
      candidateVariant: 'Challenger',
      servingVariant: 'Champion',
      steps: [
        {
          step: 1,
          candidateWeight: 50,
          startedAt: NOW.toISOString(),
          soakedMs: 65_000,
          evaluations: 3,
          verdict: 'fail',
          ended: 'rolled-back',
          variants: [],
        },
      ],
      decisions: status.decisions,
      evaluations: [status.lastEvaluation!],
      resources: status.resources,
      cleanupWarnings: ['model churn-v2 could not be deleted'],
    };
    const lines = renderResult(result, opts);
    expect(lines[0]).toBe('Rollout churn: rolled_back — errorRate5xx failed');
    expect(lines).toContain('Serving: Champion (candidate Challenger, baseline Champion)');
    expect(lines.join('\n')).toMatch(/1\s+50%\s+1m5s\s+3\s+fail\s+rolled-back/);
    expect(lines).toContain('  - model churn-v2 could not be deleted');
  });
});
