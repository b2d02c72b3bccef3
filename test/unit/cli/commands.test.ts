import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { WorkflowExecutionInfo } from '@temporalio/client';
import { listEntry, renderList, visibilityQuery } from '../../../src/cli/commands/list';
import { signalPayload, signalRefusal } from '../../../src/cli/commands/signals';
import { temporalStartCommand } from '../../../src/cli/commands/spec';
import {
  CliError,
  EXIT,
  exitCodeForClosedStatus,
  exitCodeForError,
  exitCodeForOutcome,
} from '../../../src/cli/exit-codes';
import { uiLink } from '../../../src/cli/temporal';
import { InvalidInputError } from '../../../src/schema';
import { runCli } from './capture';
import { soakingStatus } from './fixtures';

const dir = mkdtempSync(join(tmpdir(), 'cli-unit-'));
const goodSpec = {
  endpointName: 'churn',
  baseline: { variantName: 'Champion' },
  candidate: { variantName: 'Challenger', modelName: 'churn-xgb-v2' },
};
function specFile(name: string, content: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

describe('exit codes', () => {
  it('map outcomes and workflow endings to the documented codes', () => {
    expect(exitCodeForOutcome('promoted')).toBe(0);
    expect(exitCodeForOutcome('rolled_back')).toBe(3);
    expect(exitCodeForClosedStatus('COMPLETED', 'promoted')).toBe(0);
    expect(exitCodeForClosedStatus('COMPLETED', 'rolled_back')).toBe(3);
    for (const status of ['FAILED', 'TERMINATED', 'CANCELLED', 'TIMED_OUT']) {
      expect(exitCodeForClosedStatus(status)).toBe(4);
    }
    expect(exitCodeForError(new InvalidInputError('spec', ['x: bad']))).toBe(2);
    expect(exitCodeForError(new CliError('gone', EXIT.rolloutFailed))).toBe(4);
    expect(exitCodeForError(new Error('boom'))).toBe(1);
  });
});

describe('CLI in-process', () => {
  it('validate prints the spec with defaults and exits 0', async () => {
    const out = await runCli(['validate', specFile('good.json', goodSpec)]);
    expect(out.code).toBe(0);
    const spec = JSON.parse(out.stdout);
    expect(spec.capacity).toEqual({});
    expect(spec.evaluation.settleDelay).toBe('5m');
    expect(spec.steps).toHaveLength(3);
    expect(out.stderr).toContain('valid rollout spec for endpoint "churn" (3 steps)');
  });

  it('validate prints the capacity plan: the peak while an update holds two fleets, and the instance-hours against a fixed double fleet', async () => {
    const file = specFile('good.json', goodSpec);
    const out = await runCli(['validate', file, '--baseline-instances', '4']);
    expect(out.code).toBe(0);
    expect(out.stderr).toContain('capacity (baseline 4, candidate 4 instance(s); capacity follows the weights):');
    expect(out.stderr).toContain('  deploy (A/B update): 9 instance(s) (old and new fleets)');
    expect(out.stderr).toContain('  step 1 (50% candidate): 4 instance(s) (baseline 2, candidate 2)');
    expect(out.stderr).toContain("  peak: 9 instances during deploy (A/B update); a rollback's restore needs up to 9");
    expect(out.stderr).toMatch(/about [\d.]+ instance-hours .* against [\d.]+ for a fixed double fleet \(peak 12\)/);
    const json = await runCli(['--json', 'validate', file, '--baseline-instances', '4', '--update-minutes', '10']);
    expect(JSON.parse(json.stdout).capacity).toMatchObject({
      baselineInstances: 4,
      candidateInstances: 4,
      peakInstances: 9,
      rollbackPeakInstances: 9,
      fixedDouble: { peak: 12 },
    });
    // Without the flag the plan assumes one instance and says how to give the real count.
    const assumed = await runCli(['validate', file]);
    expect(assumed.stderr).toContain('assuming a baseline of 1 instance(s): give --baseline-instances <n>');
    const bad = await runCli(['validate', file, '--baseline-instances', '2.5']);
    expect(bad.code).toBe(2);
  });

  it('validate names each bad field and exits 2', async () => {
    const bad = { ...goodSpec, candidate: { ...goodSpec.candidate, instanceCount: 0 }, extra: 1 };
    const out = await runCli(['validate', specFile('bad.json', bad)]);
    expect(out.code).toBe(2);
    expect(out.stderr).toContain('candidate.instanceCount: instanceCount must be at least 1');
    expect(out.stderr).toContain('unknown field "extra"');
    const json = await runCli(['--json', 'validate', specFile('bad.json', bad)]);
    expect(json.code).toBe(2);
    expect(JSON.parse(json.stdout).errors).toEqual(
      expect.arrayContaining([expect.stringMatching(/^candidate\.instanceCount:/)]),
    );
  });

  it('rejects unreadable or non-JSON spec files with exit 2', async () => {
    expect((await runCli(['validate', join(dir, 'missing.json')])).stderr).toContain('no such file');
    const notJson = await runCli(['start', specFile('broken.json', '{ "endpointName": ')]);
    expect(notJson.code).toBe(2);
    expect(notJson.stderr).toContain('is not valid JSON');
  });

  it('start validates before it needs Temporal', async () => {
    // An address nothing listens on: a bad spec must be reported without trying to connect.
    const out = await runCli(['--address', '127.0.0.1:1', 'start', specFile('bad2.json', { endpointName: 'x' })]);
    expect(out.code).toBe(2);
    expect(out.stderr).toContain('candidate: required: add candidate');
  });

  it('schema prints the JSON Schema of the spec', async () => {
    const out = await runCli(['schema']);
    expect(out.code).toBe(0);
    const schema = JSON.parse(out.stdout);
    expect(schema.required).toEqual(expect.arrayContaining(['endpointName', 'candidate']));
  });

  it('usage mistakes exit 2, help exits 0', async () => {
    expect((await runCli(['frobnicate'])).code).toBe(2);
    expect((await runCli(['approve', 'churn'])).stderr).toContain("required option '--by <who>' not specified");
    expect((await runCli(['approve', 'churn'])).code).toBe(2);
    expect((await runCli(['watch', 'churn', '--interval', '-1'])).code).toBe(2);
    expect((await runCli(['emulator', '--data-dir', '/tmp', '--port', 'x'])).code).toBe(2);
    const help = await runCli(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('watch [options] <endpoint>');
  });

  it('signals are validated before anything is sent', async () => {
    const out = await runCli(['--address', '127.0.0.1:1', 'rollback', 'churn', '--by', 'alice']);
    expect(out.code).toBe(2);
    expect(out.stderr).toContain('rollback needs --reason');
    const badBy = await runCli(['--address', '127.0.0.1:1', 'approve', 'churn', '--by', 'two words']);
    expect(badBy.code).toBe(2);
    expect(badBy.stderr).toContain('by: by must name who you are');
  });

  it('an unreachable Temporal is an unexpected error (exit 1) that says where it looked', async () => {
    const out = await runCli(['--address', '127.0.0.1:1', 'status', 'churn']);
    expect(out.code).toBe(1);
    expect(out.stderr).toContain('cannot reach Temporal at 127.0.0.1:1');
  });
});

describe('signals', () => {
  it('builds payloads the workflow accepts', () => {
    expect(signalPayload('approve', { by: 'alice@example.com' })).toEqual({ by: 'alice@example.com' });
    expect(signalPayload('rollback', { by: 'bob', reason: 'p99 too high' })).toEqual({
      by: 'bob',
      reason: 'p99 too high',
    });
    expect(() => signalPayload('rollback', { by: 'bob', reason: '  ' })).toThrow(/reason is empty/);
    expect(() => signalPayload('resume', { by: 'bob', reason: 'x' })).toThrow(/resume takes no --reason/);
  });

  it('refuses signals the rollout would ignore, saying why', () => {
    const soaking = soakingStatus();
    expect(signalRefusal('approve', soaking, 'model-rollout')).toMatch(
      /nothing is pending approval on churn \(phase soaking, step 2\/3\)/,
    );
    expect(signalRefusal('rollback', soaking, 'model-rollout')).toBeNull();
    expect(signalRefusal('pause', soaking, 'model-rollout')).toBeNull();
    expect(signalRefusal('resume', soaking, 'model-rollout')).toMatch(/not paused/);
    const paused = soakingStatus({ phase: 'paused', paused: true });
    expect(signalRefusal('pause', paused, 'model-rollout')).toMatch(/already paused/);
    expect(signalRefusal('resume', paused, 'model-rollout')).toBeNull();
    expect(signalRefusal('rollback', soakingStatus({ phase: 'promoting' }), 'model-rollout')).toMatch(
      /already promoting/,
    );
    const gated = soakingStatus({
      phase: 'awaiting-approval',
      pendingApproval: {
        step: 2,
        cause: 'step',
        since: '2026-12-01T10:00:00.000Z',
        timeoutAt: '2026-12-02T10:00:00.000Z',
        reason: 'step 2 needs approval',
        approvers: ['alice@example.com', '*@ml.example.com'],
      },
    });
    expect(signalRefusal('approve', gated, 'model-rollout', 'bob@ml.example.com')).toBeNull();
    expect(signalRefusal('approve', gated, 'model-rollout', 'mallory@example.com')).toBe(
      'mallory@example.com may not approve: approval.approvers allows alice@example.com, *@ml.example.com',
    );
  });
});

describe('start and list helpers', () => {
  it('prints the equivalent temporal command, with address and namespace only when not the defaults', () => {
    const base = { specPath: 'spec.json', endpointName: 'churn', taskQueue: 'model-rollout', namespace: 'default' };
    expect(temporalStartCommand({ ...base, address: 'localhost:7233' })).toBe(
      'temporal workflow start --type modelRollout --task-queue model-rollout --workflow-id rollout-churn --input-file spec.json',
    );
    expect(temporalStartCommand({ ...base, address: 'temporal.prod:7233', namespace: 'ml' })).toMatch(
      / --address temporal\.prod:7233 --namespace ml$/,
    );
  });

  it('links to the Temporal UI when it knows where it is', () => {
    expect(uiLink('localhost:7233', 'default', 'rollout-churn', 'r1')).toBe(
      'http://localhost:8233/namespaces/default/workflows/rollout-churn/r1/history',
    );
    expect(uiLink('temporal.prod:7233', 'default', 'rollout-churn')).toBeNull();
  });

  it('queries visibility for rollouts and reads endpoint and phase from search attributes or memo', () => {
    expect(visibilityQuery({})).toBe('WorkflowType="modelRollout" AND ExecutionStatus!="ContinuedAsNew"');
    expect(visibilityQuery({ running: true })).toBe(
      'WorkflowType="modelRollout" AND ExecutionStatus!="ContinuedAsNew" AND ExecutionStatus="Running"',
    );
    const info = {
      workflowId: 'rollout-churn',
      runId: 'run-1',
      status: { name: 'COMPLETED' },
      startTime: new Date('2026-11-25T10:00:00Z'),
      closeTime: new Date('2026-11-25T10:25:00Z'),
      memo: { endpointName: 'churn', phase: 'promoted', step: 3 },
      searchAttributes: {},
    } as unknown as WorkflowExecutionInfo;
    const entry = listEntry(info);
    expect(entry).toMatchObject({ endpointName: 'churn', outcome: 'promoted', phase: 'promoted', step: 3 });
    const fromAttributes = listEntry({
      ...info,
      status: { name: 'RUNNING' },
      closeTime: undefined,
      memo: undefined,
      searchAttributes: { RolloutEndpoint: ['churn'], RolloutPhase: ['soaking'] },
    } as unknown as WorkflowExecutionInfo);
    expect(fromAttributes).toMatchObject({ endpointName: 'churn', outcome: 'running', phase: 'soaking', step: null });
    const lines = renderList([entry], false, new Date('2026-11-25T11:00:00Z'));
    expect(lines[1]).toMatch(/^churn\s+promoted\s+promoted\s+3\s+2026-11-25 10:00:00\s+25m\s+rollout-churn$/);
  });
});
