// The Temporal server itself restarts mid-soak (a dev server with a persistent --db-filename, as a cluster would
// keep its database): the worker and client reconnect and the rollout finishes as if nothing had happened.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveTemporalPath, startDevServer, type DevServer } from '../../../src/local/dev-server';
import { statusQuery, type RolloutResult } from '../../../src/workflows/shared';
import { beforeRollout, checkRolloutInvariants } from '../../harness/invariants';
import { startRolloutStack, type RolloutStack } from '../../harness/rollout-stack';
import { uniqueName } from '../../harness/temporal';
import { startWorkerProcess, writeWorkflowBundle, type WorkerProcess } from '../../harness/worker-process';

const dir = mkdtempSync(join(tmpdir(), 'model-rollout-restart-'));
const dbFilename = join(dir, 'temporal.db');
let server: DevServer;
let stack: RolloutStack;
let worker: WorkerProcess;
const globalAddress = process.env.TEMPORAL_ADDRESS;

beforeAll(async () => {
  server = await startDevServer({ temporalPath: resolveTemporalPath(), headless: true, dbFilename });
  process.env.TEMPORAL_ADDRESS = server.address; // this file's own server, so restarting it disturbs no one else
  stack = await startRolloutStack({ inProcessWorker: false });
  worker = await startWorkerProcess({ taskQueue: stack.taskQueue, bundlePath: await writeWorkflowBundle(dir) });
});

afterAll(async () => {
  await worker?.stop();
  await stack?.close();
  await server?.stop();
  process.env.TEMPORAL_ADDRESS = globalAddress;
  rmSync(dir, { recursive: true, force: true });
});

test('a Temporal server restart mid-soak: the rollout resumes and is promoted', async () => {
  const endpoint = uniqueName('restart');
  await stack.seedEndpoint(endpoint);
  const spec = stack.spec(endpoint, 'challenger', {
    steps: [
      { candidateWeight: 50, soak: '6s' },
      { candidateWeight: 100, soak: '2s' },
    ],
  });
  const before = await beforeRollout(stack.admin, spec);
  const handle = await stack.client.workflow.start('modelRollout', {
    taskQueue: stack.taskQueue,
    workflowId: `rollout-${endpoint}`,
    args: [spec],
  });
  for (;;) {
    const status = await handle.query(statusQuery);
    if (status.phase === 'soaking') break;
    await new Promise((r) => setTimeout(r, 200));
  }
  await new Promise((r) => setTimeout(r, 1_000));

  await server.stop();
  await new Promise((r) => setTimeout(r, 2_000)); // down long enough for polls and heartbeats to fail
  server = await startDevServer({
    temporalPath: resolveTemporalPath(),
    headless: true,
    dbFilename,
    port: server.port,
  });

  const result = (await handle.result()) as RolloutResult;
  expect(result.outcome).toBe('promoted');
  await checkRolloutInvariants(stack, before, result, 'Challenger');
}, 240_000);
