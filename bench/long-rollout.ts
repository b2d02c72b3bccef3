// bench:long — one rollout soaking long enough to continue as new several times on a dev server with Temporal's
// default history limits, with replay traffic so every piece of evidence is populated. Prints, per run, its history
// (events, bytes) and what it carried to the next run (the continue-as-new input), and what that makes of a 7-day
// soak evaluated every 30 s: a run's history and its carried state stop growing once the evaluation log and the
// error-spending looks reach their caps, so a longer soak only adds runs.
//
//   npm run bench:long                          # 1,500 evaluations, one a second
//   npm run bench:long -- --evaluations 400
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';
import { startEmulator } from '../src/emulator';
import { resolveTemporalPath, startDevServer } from '../src/local/dev-server';
import {
  DEMO_IMAGE,
  DEMO_ROLE,
  EMULATOR_CREDENTIALS,
  deployBaseline,
  emulatorSageMaker,
  stageDemoData,
} from '../src/local/local-stack';
import { createRolloutWorker } from '../src/worker/worker';
import type { RolloutSpecInput } from '../src/schema';
import type { RolloutResult } from '../src/workflows/shared';

const args = process.argv.slice(2);
const flag = (name: string, fallback: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};
const EVALUATIONS = Number(flag('evaluations', '1500'));
const SEVEN_DAYS_AT_30S = (7 * 24 * 3600) / 30;

interface RunFigures {
  runId: string;
  status: string;
  events: number;
  historyBytes: number;
  evaluations: number;
  carriedBytes: number | null;
}

async function runFigures(client: Client, workflowId: string, runId: string, status: string): Promise<RunFigures> {
  const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
  const events = (history.events ?? []) as temporal.api.history.v1.IHistoryEvent[];
  const bytes = events.reduce((sum, e) => sum + JSON.stringify(e).length, 0);
  // One replay interval per evaluation.
  const markers = events.filter(
    (e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'replayTraffic',
  ).length;
  const continued = events.find((e) => e.workflowExecutionContinuedAsNewEventAttributes);
  const carried = continued?.workflowExecutionContinuedAsNewEventAttributes?.input?.payloads ?? null;
  return {
    runId,
    status,
    events: events.length,
    historyBytes: bytes,
    evaluations: markers,
    carriedBytes: carried ? carried.reduce((sum, p) => sum + (p.data?.length ?? 0), 0) : null,
  };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-long-'));
  const server = await startDevServer({ temporalPath: resolveTemporalPath(), headless: true });
  const emulator = await startEmulator({ port: 0, dataDir: dir });
  process.env.TEMPORAL_ADDRESS = server.address;
  process.env.AWS_ENDPOINT_URL = emulator.url;
  process.env.AWS_REGION = 'us-east-1';
  process.env.AWS_ACCESS_KEY_ID = EMULATOR_CREDENTIALS.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = EMULATOR_CREDENTIALS.secretAccessKey;
  const data = stageDemoData(dir);
  const sm = emulatorSageMaker(emulator.url);
  const { worker, close } = await createRolloutWorker({ taskQueue: 'bench-long', pollIntervalMs: 200 });
  const running = worker.run();
  const connection = await Connection.connect({ address: server.address });
  const client = new Client({ connection });
  try {
    await deployBaseline(sm, {
      endpointName: 'long',
      variantName: 'Champion',
      modelName: 'long-champion',
      modelDataUrl: data.modelUrl('champion'),
    });
    const spec: RolloutSpecInput = {
      endpointName: 'long',
      baseline: { variantName: 'Champion' },
      candidate: {
        variantName: 'Challenger',
        modelName: 'long-challenger',
        image: DEMO_IMAGE,
        modelDataUrl: data.modelUrl('challenger'),
        executionRoleArn: DEMO_ROLE,
      },
      steps: [{ candidateWeight: 50, soak: `${EVALUATIONS}s` }],
      traffic: { replay: { dataUrl: `file://${data.holdoutFile}`, ratePerSecond: 20 } },
      evaluation: { interval: '1s', metricPeriod: '1s', settleDelay: '0s', onInconclusive: 'pass' },
    };
    const started = Date.now();
    const handle = await client.workflow.start('modelRollout', {
      taskQueue: 'bench-long',
      workflowId: 'rollout-long',
      args: [spec],
    });
    const result = (await handle.result()) as RolloutResult;
    const runs: RunFigures[] = [];
    for await (const info of client.workflow.list({ query: `WorkflowId = 'rollout-long'` })) {
      runs.push(await runFigures(client, 'rollout-long', info.runId, info.status.name));
    }
    runs.sort((a, b) => (a.status === 'COMPLETED' ? 1 : 0) - (b.status === 'COMPLETED' ? 1 : 0));
    const evaluations = result.steps.reduce((sum, s) => sum + s.evaluations, 0);
    const perRun = evaluations / runs.length;
    const carried = runs.flatMap((r) => (r.carriedBytes === null ? [] : [r.carriedBytes]));
    const out = (line: string) => process.stdout.write(`${line}\n`);
    out(
      `bench:long — one rollout, ${evaluations} evaluations (one a second, replay traffic at 20 requests/s), ` +
        `${((Date.now() - started) / 60_000).toFixed(1)} min, outcome ${result.outcome}; Temporal's default limits`,
    );
    out('');
    out('run  status            events  history (KB)  evaluations  carried to the next run (KB)');
    runs.forEach((r, i) =>
      out(
        `${String(i + 1).padEnd(4)} ${r.status.padEnd(17)} ${String(r.events).padStart(6)}  ${(r.historyBytes / 1024)
          .toFixed(0)
          .padStart(
            12,
          )}  ${String(r.evaluations).padStart(11)}  ${r.carriedBytes === null ? '—' : (r.carriedBytes / 1024).toFixed(1)}`,
      ),
    );
    out('');
    out(
      `the log returned ${result.evaluations.length} evaluations (${result.evaluations.filter((e) => e.compact).length} compact)`,
    );
    out(
      `7 days at a 30 s interval = ${SEVEN_DAYS_AT_30S} evaluations ≈ ${Math.ceil(SEVEN_DAYS_AT_30S / perRun)} runs of ` +
        `≤ ${Math.max(...runs.map((r) => r.events))} events and ≤ ${(Math.max(...runs.map((r) => r.historyBytes)) / 1024 / 1024).toFixed(1)} MB each, ` +
        `carrying ≤ ${carried.length ? (Math.max(...carried) / 1024).toFixed(0) : '—'} KB (Temporal: 51,200 events, 50 MB, 2 MB per payload)`,
    );
  } finally {
    worker.shutdown();
    await running;
    await close();
    await connection.close();
    await emulator.close();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench:long: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
