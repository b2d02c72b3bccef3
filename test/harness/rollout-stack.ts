// One test file's rollout stack on real parts: the emulator (in this process, real HTTP + AWS wire protocols),
// the rollout worker on the shared Temporal dev server (its own task queue), and helpers to seed endpoints.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { SageMakerClient } from '@aws-sdk/client-sagemaker';
import type { Client } from '@temporalio/client';
import type { Worker } from '@temporalio/worker';
import { startEmulator, type RunningEmulator } from '../../src/emulator';
import { EmulatorAdmin } from '../../src/emulator/admin-client';
import {
  DEMO_IMAGE,
  DEMO_ROLE,
  EMULATOR_CREDENTIALS,
  deployBaseline,
  emulatorSageMaker,
  stageDemoData,
} from '../../src/local/local-stack';
import { createRolloutWorker } from '../../src/worker/worker';
import type { RolloutSpecInput } from '../../src/schema';
import { connectClient, uniqueName, workflowBundle } from './temporal';

export interface RolloutStack {
  emulator: RunningEmulator;
  admin: EmulatorAdmin;
  sm: SageMakerClient;
  /** CloudWatch as an operator uses it (alarms), with the credentials the test seeds with. */
  cloudwatch: CloudWatchClient;
  client: Client;
  taskQueue: string;
  dataDir: string;
  data: ReturnType<typeof stageDemoData>;
  /** The in-process worker, unless the test runs its own (e.g. a child process it can kill). */
  worker: Worker | null;
  /** A spec for `endpointName` rolling `model` (champion|challenger|worse) out beside a "Champion" baseline. */
  spec(endpointName: string, model: string, overrides?: Partial<RolloutSpecInput>): RolloutSpecInput;
  /** Creates the endpoint serving the champion model as variant "Champion". */
  seedEndpoint(endpointName: string): Promise<void>;
  close(): Promise<void>;
}

export async function startRolloutStack(
  options: { emulatorConfig?: Record<string, unknown>; inProcessWorker?: boolean } = {},
): Promise<RolloutStack> {
  const dataDir = mkdtempSync(join(tmpdir(), 'model-rollout-e2e-'));
  const data = stageDemoData(dataDir);
  const emulator = await startEmulator({
    port: 0,
    dataDir,
    ...(options.emulatorConfig ? { config: options.emulatorConfig } : {}),
  });
  // The worker's activities build their AWS clients from the environment, exactly as in production.
  process.env.AWS_ENDPOINT_URL = emulator.url;
  process.env.AWS_REGION = 'us-east-1';
  process.env.AWS_ACCESS_KEY_ID = EMULATOR_CREDENTIALS.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = EMULATOR_CREDENTIALS.secretAccessKey;
  const taskQueue = uniqueName('rollout');
  const { client, close: closeClient } = await connectClient();
  let worker: Worker | null = null;
  let stopWorker = async () => {};
  if (options.inProcessWorker ?? true) {
    const created = await createRolloutWorker({
      taskQueue,
      workflowBundle: await workflowBundle(require.resolve('../../src/workflows')),
      pollIntervalMs: 200,
    });
    worker = created.worker;
    const running = created.worker.run();
    stopWorker = async () => {
      created.worker.shutdown();
      await running;
      await created.close();
    };
  }
  const sm = emulatorSageMaker(emulator.url);
  const cloudwatch = new CloudWatchClient({
    endpoint: emulator.url,
    region: 'us-east-1',
    credentials: EMULATOR_CREDENTIALS,
  });
  let seq = 0;

  return {
    emulator,
    admin: new EmulatorAdmin(emulator.url),
    sm,
    cloudwatch,
    client,
    taskQueue,
    dataDir,
    data,
    worker,
    spec(endpointName, model, overrides = {}) {
      return {
        endpointName,
        baseline: { variantName: 'Champion' },
        candidate: {
          variantName: 'Challenger',
          modelName: `${endpointName}-${model}-${++seq}`,
          image: DEMO_IMAGE,
          modelDataUrl: data.modelUrl(model),
          executionRoleArn: DEMO_ROLE,
          instanceType: 'ml.m5.large',
        },
        steps: [
          { candidateWeight: 50, soak: '4s' },
          { candidateWeight: 75, soak: '4s' },
          { candidateWeight: 100, soak: '2s' },
        ],
        traffic: { replay: { dataUrl: `file://${data.holdoutFile}`, ratePerSecond: 100 } },
        evaluation: { interval: '2s', metricPeriod: '1s', settleDelay: '0s', onInconclusive: 'pass' },
        ...overrides,
      };
    },
    async seedEndpoint(endpointName) {
      await deployBaseline(sm, {
        endpointName,
        variantName: 'Champion',
        modelName: `${endpointName}-champion`,
        modelDataUrl: data.modelUrl('champion'),
      });
    },
    async close() {
      await stopWorker();
      await closeClient();
      await emulator.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
