// The full local demo (`npm run demo`): a Temporal dev server with its Web UI, the emulator (local SageMaker +
// CloudWatch hosting real XGBoost models), the rollout worker, and three rollouts started and approved with the
// `temporal` CLI exactly as a user types it:
//   1. a better challenger is promoted through 50/50 → 25/75 → 0/100, with a human approval at 25/75;
//   2. a candidate with an injected 5XX regression is rolled back automatically;
//   3. a worse model judged on live traffic alone: requests carry InferenceIds, SageMaker's data capture records them,
//      and their labels arrive seconds later in Model Monitor's ground-truth format (some never, some late); the
//      quality guardrails judge only predictions whose label window has closed, and roll it back.
// Flags: --keep (leave everything running afterwards for the Web UI), --fast (shorter soaks, for CI smoke runs).
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';
import { SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import { Client, Connection } from '@temporalio/client';
import { startEmulator } from '../src/emulator';
import { EmulatorAdmin } from '../src/emulator/admin-client';
import { freePort, resolveTemporalPath, startDevServer } from '../src/local/dev-server';
import { startLiveTraffic } from '../src/local/live-traffic';
import {
  DEMO_IMAGE,
  DEMO_ROLE,
  EMULATOR_ADMIN_CREDENTIALS,
  EMULATOR_CREDENTIALS,
  deployBaseline,
  emulatorSageMaker,
  stageDemoData,
} from '../src/local/local-stack';
import type { RolloutSpecInput } from '../src/schema';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { createRolloutWorker } from '../src/worker/worker';
import { statusQuery, type RolloutResult, type RolloutStatus } from '../src/workflows/shared';

const keep = process.argv.includes('--keep');
const fast = process.argv.includes('--fast');
const soak = fast ? '8s' : '20s';
/** AWS's durations in the emulator: a hundredth (fleets, consistency windows, CloudWatch's minutes and lag). */
const DEMO_TIME_SCALE = 0.01;
const root = resolve(__dirname, '..');
const demoDir = join(root, '.demo');

function say(line = ''): void {
  process.stdout.write(`${line}\n`);
}

async function portOr(preferred: number): Promise<number> {
  const { createServer } = await import('node:net');
  return await new Promise((done) => {
    const srv = createServer();
    srv.once('error', () => void freePort().then(done));
    srv.listen(preferred, '127.0.0.1', () => srv.close(() => done(preferred)));
  });
}

async function main(): Promise<void> {
  // The demo narrates what happens itself; the worker only speaks up for warnings and errors.
  Runtime.install({ logger: new DefaultLogger('WARN') });
  rmSync(demoDir, { recursive: true, force: true });
  mkdirSync(demoDir, { recursive: true });
  const temporal = resolveTemporalPath();

  say('▶ Starting the Temporal dev server (with Web UI)…');
  const port = await portOr(7233);
  const server = await startDevServer({
    temporalPath: temporal,
    port,
    uiPort: await portOr(port + 1000),
    logFile: join(demoDir, 'temporal.log'),
  });
  say(`  gRPC ${server.address}   Web UI ${server.uiUrl}`);

  say('▶ Starting the emulator (local SageMaker + CloudWatch, real XGBoost inference)…');
  const dataDir = join(demoDir, 'data');
  const data = stageDemoData(dataDir);
  // AWS as documented (IAM from the shipped policy, consistency windows, fleets, CloudWatch's published minutes), a
  // hundred times faster: a 300 s fleet in 3 s, a CloudWatch minute in a second. Data capture writes a file a second
  // per variant for rollout 3's live traffic.
  const emulator = await startEmulator({
    port: await portOr(4566),
    dataDir,
    config: { profile: 'aws', timeScale: DEMO_TIME_SCALE, dataCapture: { enabled: true, flushSeconds: 1 } },
  });
  mkdirSync(join(dataDir, 'labels'), { recursive: true });
  say(`  ${emulator.url}   models in ${dataDir}/models, replay data s3://data/churn/holdout.csv`);

  // The worker and the temporal CLI read the same standard environment a user would set.
  Object.assign(process.env, {
    TEMPORAL_ADDRESS: server.address,
    AWS_ENDPOINT_URL: emulator.url,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: EMULATOR_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: EMULATOR_CREDENTIALS.secretAccessKey,
  });
  say('▶ Starting the rollout worker (task queue model-rollout)…');
  const { worker, close: closeWorker } = await createRolloutWorker({ pollIntervalMs: 500 });
  const workerRun = worker.run();

  const sm = emulatorSageMaker(emulator.url);
  say('▶ Creating the production endpoint "churn" serving the champion model as variant "Champion"…');
  await deployBaseline(sm, {
    endpointName: 'churn',
    variantName: 'Champion',
    modelName: 'churn-xgb-v1',
    modelDataUrl: data.modelUrl('champion'),
  });

  const connection = await Connection.connect({ address: server.address });
  const client = new Client({ connection });
  const cli = (args: string[]) => {
    say(`  $ temporal ${args.map((a) => (/[\s{}"]/.test(a) ? `'${a}'` : a)).join(' ')}`);
    return execFileSync(temporal, [...args, '--address', server.address], { encoding: 'utf8' });
  };

  // ---------------------------------------------------------------- rollout 1: promoted
  const spec1: RolloutSpecInput = {
    endpointName: 'churn',
    baseline: { variantName: 'Champion' },
    candidate: {
      variantName: 'Challenger',
      modelName: 'churn-xgb-v2',
      image: DEMO_IMAGE,
      modelDataUrl: data.modelUrl('challenger'),
      executionRoleArn: DEMO_ROLE,
    },
    steps: [
      { candidateWeight: 50, soak },
      { candidateWeight: 75, soak, approval: 'required' },
      { candidateWeight: 100, soak },
    ],
    // Enough replay traffic that the sequential tests can decide within a short soak; CloudWatch periods of 1 s
    // (the emulator keeps per-second data) so latency has periods to compare. onInconclusive stays "ask".
    traffic: { replay: { dataUrl: data.holdoutUrl, ratePerSecond: 100 } },
    // CloudWatch publishes a scaled minute 0.6–1.2 s after it ends, late samples up to 1.2 s after that.
    evaluation: { interval: '2s', metricPeriod: '1s', settleDelay: '3s' },
  };
  say('\n━━ Rollout 1: a better challenger, promoted with one human approval ━━');
  const result1 = await runRollout(client, cli, 'churn', spec1, { approveAs: 'demo-user' });
  printResult(result1);

  // ---------------------------------------------------------------- rollout 2: automatic rollback
  say('\n━━ Rollout 2: a candidate that starts failing 20% of requests, rolled back automatically ━━');
  const admin = new EmulatorAdmin(emulator.url);
  say('  injecting the regression in the emulator: variant "Regressed" answers 20% of requests with a 5XX');
  await admin.setFaults({ endpoints: { churn: { variants: { Regressed: { errorRate5xx: 0.2 } } } } });
  const spec2: RolloutSpecInput = {
    ...spec1,
    baseline: { variantName: 'Challenger' },
    candidate: { ...spec1.candidate, variantName: 'Regressed', modelName: 'churn-xgb-v3' },
    steps: [
      { candidateWeight: 50, soak },
      { candidateWeight: 100, soak },
    ],
  };
  const result2 = await runRollout(client, cli, 'churn', spec2, {});
  printResult(result2);

  // ---------------------------------------------------------------- rollout 3: quality from live traffic, labels later
  say('\n━━ Rollout 3: a worse model judged on live traffic, its labels arriving seconds after each answer ━━');
  const spec3: RolloutSpecInput = {
    ...spec1,
    baseline: { variantName: 'Challenger' },
    candidate: {
      ...spec1.candidate,
      variantName: 'Worse',
      modelName: 'churn-xgb-v4',
      modelDataUrl: data.modelUrl('worse'),
    },
    steps: [
      { candidateWeight: 50, soak, maxSoak: fast ? '40s' : '90s' },
      { candidateWeight: 100, soak },
    ],
    // No replay: the rollout turns on data capture for the A/B config and reads the labels that come later.
    traffic: {
      capture: { s3Uri: 's3://capture/churn' },
      groundTruth: { s3Uri: 's3://labels/churn', labelDelay: '2s', maxLabelDelay: '5s' },
    },
  };
  // The users' traffic and the labelling pipeline: the account's own callers, not the worker.
  const credentials = {
    accessKeyId: EMULATOR_ADMIN_CREDENTIALS.accessKeyId,
    secretAccessKey: EMULATOR_ADMIN_CREDENTIALS.secretAccessKey,
  };
  const aws = { endpoint: emulator.url, region: 'us-east-1', credentials };
  const holdout = readFileSync(join(root, 'examples', 'churn', 'holdout.csv'), 'utf8')
    .trim()
    .split('\n')
    .map((line) => ({ label: Number(line.split(',')[0]), payload: line.split(',').slice(1).join(',') }));
  say('  live traffic: 60 requests/s with InferenceIds; labels uploaded to s3://labels/churn/yyyy/mm/dd/hh/ 2 s after');
  say('  each answer (10% never, 5% after 8 s, past the 5 s window)');
  const live = startLiveTraffic({
    runtime: new SageMakerRuntimeClient(aws),
    s3: new S3Client({ ...aws, forcePathStyle: true }),
    endpointName: 'churn',
    rows: holdout,
    ratePerSecond: 60,
    groundTruthUri: 's3://labels/churn',
    labelDelayMs: 2_000,
    missingShare: 0.1,
    lateShare: 0.05,
    lateDelayMs: 8_000,
  });
  const result3 = await runRollout(client, cli, 'churn', spec3, {});
  await live.stop({ flushLabels: false });
  printResult(result3);

  say(
    `\nThe Temporal Web UI shows the three rollouts, their history and the signals: ${server.uiUrl}/namespaces/default/workflows`,
  );
  if (keep) {
    say('--keep: everything stays up. Press Ctrl-C to stop.');
    await new Promise<void>((done) => process.once('SIGINT', () => done()));
  }
  worker.shutdown();
  await workerRun;
  await closeWorker();
  await connection.close();
  await emulator.close();
  await server.stop();
  const ok = result1.outcome === 'promoted' && result2.outcome === 'rolled_back' && result3.outcome === 'rolled_back';
  say(
    ok
      ? '\n✔ demo finished: promoted, rolled back on errors, rolled back on live quality, as expected'
      : '\n✘ demo ended with unexpected outcomes',
  );
  process.exit(ok ? 0 : 1);
}

async function runRollout(
  client: Client,
  cli: (args: string[]) => string,
  endpointName: string,
  spec: RolloutSpecInput,
  opts: { approveAs?: string },
): Promise<RolloutResult> {
  const specFile = join(demoDir, `${spec.candidate.modelName}.json`);
  writeFileSync(specFile, JSON.stringify(spec, null, 2));
  const workflowId = `rollout-${endpointName}`;
  cli([
    'workflow',
    'start',
    '--type',
    'modelRollout',
    '--task-queue',
    'model-rollout',
    '--workflow-id',
    workflowId,
    '--input-file',
    specFile,
  ]);
  const handle = client.workflow.getHandle(workflowId);
  const done = handle.result() as Promise<RolloutResult>;
  let finished = false;
  void done.finally(() => (finished = true)).catch(() => undefined);
  let lastLine = '';
  while (!finished) {
    await new Promise((r) => setTimeout(r, 1000));
    let status: RolloutStatus;
    try {
      status = await handle.query(statusQuery);
    } catch {
      continue;
    }
    const line = progressLine(status);
    if (line !== lastLine) say(`  ${line}`);
    lastLine = line;
    if (status.pendingApproval && opts.approveAs) {
      say(`  ⏸ ${status.pendingApproval.reason}`);
      cli([
        'workflow',
        'signal',
        '--workflow-id',
        workflowId,
        '--name',
        'approve',
        '--input',
        JSON.stringify({ by: opts.approveAs, reason: 'guardrails green, metrics look good' }),
      ]);
      await new Promise((r) => setTimeout(r, 1500));
    }
  }
  return await done;
}

function progressLine(s: RolloutStatus): string {
  const weights = Object.entries(s.weights)
    .map(([v, w]) => `${v} ${w}%`)
    .join(' / ');
  const mark = { pass: '✓', fail: '✗', continue: '…' } as const;
  const evaluation = s.lastEvaluation?.evaluation;
  const verdict = evaluation
    ? ` · verdict ${evaluation.verdict} · ${evaluation.results.map((r) => `${r.guardrail} ${mark[r.verdict]}`).join(' ')}`
    : '';
  const live = s.liveQuality
    ? ` · live ${Object.entries(s.liveQuality.variants)
        .map(([v, n]) => `${v} ${n.labelled} labelled/${n.waiting} waiting`)
        .join(', ')}`
    : '';
  return `[${s.phase}] step ${s.step}/${s.totalSteps} · ${weights || 'deploying'}${verdict}${live}`;
}

function printResult(r: RolloutResult): void {
  say(`  ⇒ ${r.outcome.toUpperCase()}: ${r.reason}`);
  say(`    now serving 100% from ${r.servingVariant}`);
  for (const step of r.steps) {
    const variants = step.variants
      .map(
        (v) =>
          `${v.variantName}: ${v.invocations} calls, 5XX ${pct(v.errorRate5xx)}, p50 ${v.latencyP50Ms?.toFixed(1) ?? '–'} ms, AUC ${v.quality?.rocAuc?.toFixed(3) ?? '–'}`,
      )
      .join(' | ');
    say(`    step ${step.step} (${step.candidateWeight}% candidate, ${step.ended ?? 'running'}): ${variants}`);
  }
  for (const d of r.decisions.filter((x) => ['approve', 'rollback', 'promote'].includes(x.kind))) {
    say(`    decision: ${d.kind} by ${d.by}: ${d.reason}`);
  }
}

function pct(x: number | null): string {
  return x === null ? '–' : `${(100 * x).toFixed(1)}%`;
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
