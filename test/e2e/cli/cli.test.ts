// The operator CLI as a user runs it: `node bin/model-rollout.js …` in a child process, against the real Temporal
// dev server (global setup), a real rollout worker and the emulator serving real XGBoost models. No mocks.
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startRolloutStack, type RolloutStack } from '../../harness/rollout-stack';
import { temporalCli, uniqueName } from '../../harness/temporal';
import type { RolloutResult, RolloutStatus } from '../../../src/workflows/shared';
import { decodePngs, pngSize, renderReport } from './report-browser';

const BIN = resolve(__dirname, '../../../bin/model-rollout.js');
/** As typed in a shell: no colours, and not under `npx` (jest may be), so suggested commands read `model-rollout`. */
const ENV = { ...process.env, NO_COLOR: '1', npm_command: undefined };

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** The CLI with only the standard Temporal env config (the jest global setup's TEMPORAL_ADDRESS). */
function cli(args: string[]): Promise<Run> {
  return new Promise((done) => {
    execFile(process.execPath, [BIN, ...args], { env: ENV, timeout: 110_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      done({ code, stdout, stderr });
    });
  });
}

/** `watch` as a long-running child: resolves when it exits, with everything it printed. */
function watch(endpoint: string): Promise<Run> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [BIN, 'watch', endpoint, '--interval', '0.5'], {
      env: ENV,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += String(d)));
    child.stderr.on('data', (d) => (stderr += String(d)));
    child.on('exit', (code) => done({ code: code ?? 1, stdout, stderr }));
  });
}

async function statusUntil(endpoint: string, predicate: (s: RolloutStatus) => boolean): Promise<RolloutStatus> {
  const deadline = Date.now() + 90_000;
  for (;;) {
    const out = await cli(['--json', 'status', endpoint]);
    const status = out.code === 0 ? (JSON.parse(out.stdout).status as RolloutStatus | null) : null;
    if (status && predicate(status)) return status;
    if (Date.now() > deadline) throw new Error(`status never matched: ${out.stdout}${out.stderr}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

let stack: RolloutStack;
let work: string;

beforeAll(async () => {
  stack = await startRolloutStack();
  work = mkdtempSync(join(tmpdir(), 'cli-e2e-'));
});

afterAll(async () => {
  await stack?.close();
});

test('validate on a bad spec exits 2 and names the field', async () => {
  const endpoint = uniqueName('bad');
  const spec = stack.spec(endpoint, 'challenger', { steps: [{ candidateWeight: 150, soak: '4s' }] });
  const file = join(work, 'bad.json');
  writeFileSync(file, JSON.stringify(spec));
  const out = await cli(['validate', file]);
  expect(out.code).toBe(2);
  expect(out.stderr).toContain('steps[0].candidateWeight: candidateWeight is a percentage: at most 100');
  expect(out.stdout).toBe('');
});

test('status of an endpoint with no rollout exits 2', async () => {
  const out = await cli(['status', uniqueName('nobody')]);
  expect(out.code).toBe(2);
  expect(out.stderr).toMatch(/no rollout found for endpoint "nobody-\w+"/);
});

test('start → watch → approve via the CLI → promoted (exit 0) → result, list and report', async () => {
  const endpoint = uniqueName('cli-promote');
  await stack.seedEndpoint(endpoint);
  const spec = stack.spec(endpoint, 'challenger', {
    steps: [
      { candidateWeight: 50, soak: '4s' },
      { candidateWeight: 75, soak: '4s', approval: 'required' },
      { candidateWeight: 100, soak: '2s' },
    ],
    approval: { approvers: ['alice@example.com', '*@ml-platform.example.com'] },
  });
  const file = join(work, `${endpoint}.json`);
  writeFileSync(file, JSON.stringify(spec));

  const started = await cli(['start', file, '--task-queue', stack.taskQueue]);
  expect(started.stderr).toBe('');
  expect(started.code).toBe(0);
  expect(started.stdout).toContain(
    `temporal workflow start --type modelRollout --task-queue ${stack.taskQueue} --workflow-id rollout-${endpoint} --input-file ${file}`,
  );
  const watching = watch(endpoint);

  const again = await cli(['start', file, '--task-queue', stack.taskQueue]);
  expect(again.code).toBe(2);
  expect(again.stderr).toContain(`a rollout is already running on endpoint "${endpoint}"`);

  // Once the worker answers the status query, an approval nobody asked for is refused up front.
  await statusUntil(endpoint, (s) => s.pendingApproval === null);
  const early = await cli(['approve', endpoint, '--by', 'alice@example.com']);
  expect(early.code).toBe(2);
  expect(early.stderr).toContain('nothing is pending approval');

  const pending = await statusUntil(endpoint, (s) => s.pendingApproval !== null);
  expect(pending).toMatchObject({ phase: 'awaiting-approval', step: 2, weights: { Champion: 25, Challenger: 75 } });
  const human = await cli(['status', endpoint]);
  expect(human.stdout).toContain(`approve:  model-rollout approve ${endpoint} --by <you>`);
  expect(human.stdout).toContain('who may approve: alice@example.com, *@ml-platform.example.com');
  expect(human.stdout).toMatch(/Challenger\s+█+░+\s+75%/);

  // Someone the spec does not name is refused at once, by the rollout, with the reason; as a signal too.
  const denied = await cli(['approve', endpoint, '--by', 'mallory@example.com']);
  expect(denied.code).toBe(2);
  expect(denied.stderr).toContain(
    'approve refused: mallory@example.com may not approve: approval.approvers allows alice@example.com, *@ml-platform.example.com',
  );
  const deniedSignal = await cli(['approve', endpoint, '--by', 'mallory@example.com', '--signal']);
  expect(deniedSignal.code).toBe(2);
  expect(deniedSignal.stderr).toContain('not sending approve: mallory@example.com may not approve');

  const approved = await cli([
    '--identity',
    'model-rollout-cli:alice@laptop',
    'approve',
    endpoint,
    '--by',
    'alice@example.com',
    '--reason',
    'metrics look good',
  ]);
  expect(approved.code).toBe(0);
  expect(approved.stdout).toBe(
    `Rollout ${endpoint}: approved step 2 (step): step 2 (75% candidate) needs approval (approve by alice@example.com).\n`,
  );

  const watched = await watching;
  expect(watched.code).toBe(0);
  expect(watched.stdout).toMatch(/phase soaking, step 1\/3, weights Champion=50% Challenger=50%/);
  expect(watched.stdout).toMatch(/waiting for approval \(step 2\)/);
  expect(watched.stdout).toMatch(/decision approve \(step 2\) by alice@example\.com: metrics look good/);
  expect(watched.stdout).toContain(`Rollout ${endpoint}: promoted`);

  const result = await cli(['--json', 'result', endpoint]);
  expect(result.code).toBe(0);
  const parsed = JSON.parse(result.stdout) as RolloutResult;
  expect(parsed.outcome).toBe('promoted');
  expect(parsed.decisions).toContainEqual(
    expect.objectContaining({ kind: 'approve', by: 'alice@example.com', identity: 'model-rollout-cli:alice@laptop' }),
  );

  const list = await cli(['--json', 'list', '--limit', '100']);
  expect(list.code).toBe(0);
  expect(JSON.parse(list.stdout)).toContainEqual(
    expect.objectContaining({ endpointName: endpoint, outcome: 'promoted', executionStatus: 'COMPLETED' }),
  );

  // The report of this real rollout, opened in Chromium as a reader would.
  const outDir = join(work, `report-${endpoint}`);
  const report = await cli(['report', endpoint, '--out', outDir]);
  expect(report.code).toBe(0);
  const html = join(outDir, 'report.html');
  expect(existsSync(html)).toBe(true);
  const page = await renderReport(html);
  expect(page.consoleErrors).toEqual([]);
  const guardrails = [...new Set(parsed.evaluations.flatMap((e) => e.evaluation.results.map((r) => r.guardrail)))];
  const expected = ['chart-roc', 'chart-traffic', 'chart-latency', ...guardrails.map((g) => `chart-guardrail-${g}`)];
  expect(page.canvases.sort()).toEqual(expected.sort());
  expect(page.chartInstances).toBe(expected.length);
  expect(page.reportedChartCount).toBe(expected.length);
  for (const id of expected) expect(page.inkedPixels[id]).toBeGreaterThan(5_000);
  expect(page.tables).toBe(3); // per-step metrics for each variant, and the decisions
  expect(page.text).toContain('alice@example.com');
  expect(page.text).toContain('metrics look good');

  const images = expected.map((id) => join(outDir, `${id.replace(/^chart-/, '')}.png`));
  for (const image of images) {
    const size = pngSize(image);
    expect(size.width).toBeGreaterThan(800);
    expect(size.height).toBeGreaterThan(300);
  }
  const decoded = await decodePngs(images);
  expect(decoded.every((d) => d.width > 800 && d.height > 300)).toBe(true);
});

test('rollback via the CLI ends the watch with exit 3', async () => {
  const endpoint = uniqueName('cli-rollback');
  await stack.seedEndpoint(endpoint);
  const spec = stack.spec(endpoint, 'challenger', {
    steps: [
      { candidateWeight: 50, soak: '30s' },
      { candidateWeight: 100, soak: '2s' },
    ],
  });
  const file = join(work, `${endpoint}.json`);
  writeFileSync(file, JSON.stringify(spec));
  expect((await cli(['start', file, '--task-queue', stack.taskQueue])).code).toBe(0);
  const watching = watch(endpoint);
  await statusUntil(endpoint, (s) => s.phase === 'soaking');

  const noReason = await cli(['rollback', endpoint, '--by', 'bob']);
  expect(noReason.code).toBe(2);
  const rolledBack = await cli(['rollback', endpoint, '--by', 'bob', '--reason', 'pager went off']);
  expect(rolledBack.code).toBe(0);
  // A second rollback is refused: by the rollout while it rolls back, by the CLI once it has ended (the emulator's
  // rollback may be that quick).
  const twice = await cli(['rollback', endpoint, '--by', 'carol', '--reason', 'me too']);
  expect(twice.code).toBe(2);
  expect(twice.stderr).toMatch(
    /rollback refused: (already rolling back, as bob asked|the rollout is already rolling-back)|has ended \(completed\): nothing to rollback/,
  );

  const watched = await watching;
  expect(watched.code).toBe(3);
  expect(watched.stdout).toContain(`Rollout ${endpoint}: rolled_back`);
  expect(watched.stdout).toMatch(/rollback\s+by bob\s+pager went off/);

  const result = await cli(['result', endpoint]);
  expect(result.code).toBe(3);
  const late = await cli(['pause', endpoint, '--by', 'bob']);
  expect(late.code).toBe(2);
  expect(late.stderr).toContain('has ended (completed): nothing to pause');
});

test('a running rollout reports from its status; terminated, its watch ends with exit 4', async () => {
  const endpoint = uniqueName('cli-terminate');
  await stack.seedEndpoint(endpoint);
  const spec = stack.spec(endpoint, 'challenger', { steps: [{ candidateWeight: 50, soak: '60s' }] });
  const file = join(work, `${endpoint}.json`);
  writeFileSync(file, JSON.stringify(spec));
  expect((await cli(['start', file, '--task-queue', stack.taskQueue])).code).toBe(0);
  const watching = watch(endpoint);
  await statusUntil(endpoint, (s) => s.phase === 'soaking' && s.lastEvaluation !== null);

  const outDir = join(work, `report-${endpoint}`);
  const report = await cli(['report', endpoint, '--out', outDir, '--no-png']);
  expect(report.code).toBe(0);
  const page = await renderReport(join(outDir, 'report.html'));
  expect(page.consoleErrors).toEqual([]);
  expect(page.text).toContain('The rollout is still running');
  expect(page.canvases).toEqual(expect.arrayContaining(['chart-roc', 'chart-traffic']));
  expect(page.chartInstances).toBe(page.canvases.length);
  for (const id of page.canvases) expect(page.inkedPixels[id]).toBeGreaterThan(5_000);

  await temporalCli(['workflow', 'terminate', '--workflow-id', `rollout-${endpoint}`, '--reason', 'e2e test']);
  const watched = await watching;
  expect(watched.code).toBe(4);
  expect(watched.stdout).toContain(`Rollout ${endpoint}: workflow terminated`);
  expect((await cli(['result', endpoint])).code).toBe(4);
});
