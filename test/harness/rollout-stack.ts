// One test file's rollout stack on real parts: the emulator (in this process, real HTTP + AWS wire protocols),
// the rollout worker on the shared Temporal dev server (its own task queue), and helpers to seed endpoints.
//
// On the emulator's aws profile (emulatorConfig.profile "aws") the worker is bound by the shipped IAM policy
// (deploy/iam-policy.json, its placeholders filled as for the emulator: replay data in bucket "data", execution role
// SageMakerExecution) under its own key, while seeding signs as the account administrator, as in production where
// someone else set up the endpoint. Replay data is then read from s3://data/… as a production worker reads it.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { CreateEndpointConfigInput, SageMakerClient } from '@aws-sdk/client-sagemaker';
import type { Client } from '@temporalio/client';
import type { Worker } from '@temporalio/worker';
import type { ActivityOptions } from '../../src/activities';
import { startEmulator, type RunningEmulator } from '../../src/emulator';
import { EmulatorAdmin } from '../../src/emulator/admin-client';
import {
  DEMO_IMAGE,
  DEMO_ROLE,
  EMULATOR_ADMIN_CREDENTIALS,
  EMULATOR_CREDENTIALS,
  deployBaseline,
  emulatorSageMaker,
  stageDemoData,
} from '../../src/local/local-stack';
import { createRolloutWorker } from '../../src/worker/worker';
import type { RolloutSpecInput } from '../../src/schema';
import { connectClient, uniqueName, workflowBundle } from './temporal';

export interface RolloutStack {
  /** The settle delay a spec needs on this stack's CloudWatch (0 s on the ideal profile, which publishes at once). */
  settle: string;
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
  /** Creates the endpoint serving the champion model as variant "Champion" (with more config settings if given). */
  seedEndpoint(
    endpointName: string,
    options?: {
      instanceType?: string;
      configSettings?: Omit<CreateEndpointConfigInput, 'EndpointConfigName' | 'ProductionVariants'>;
    },
  ): Promise<void>;
  close(): Promise<void>;
}

/**
 * The AWS the end-to-end tests run against: the emulator's aws profile (IAM from the shipped policy, consistency
 * windows, fleets, CloudWatch's minutes with publish lag and late samples), time-scaled so a 300 s fleet comes up in
 * 1.2 s and a CloudWatch minute lasts a second. `ideal` is for tests whose subject is elsewhere (they say why).
 */
export const E2E_TIME_SCALE = 0.004;

/** Rollout-wide false-rollback rate of the suite's specs (see spec()). */
export const E2E_ALPHA = 0.005;

export async function startRolloutStack(
  options: {
    /** Default `aws`, time-scaled by E2E_TIME_SCALE. */
    profile?: 'aws' | 'ideal';
    emulatorConfig?: Record<string, unknown>;
    inProcessWorker?: boolean;
    /** The in-process worker's activity timings (a time-scaled aws profile shortens AWS's). */
    activityOptions?: ActivityOptions;
  } = {},
): Promise<RolloutStack> {
  const dataDir = mkdtempSync(join(tmpdir(), 'model-rollout-e2e-'));
  const data = stageDemoData(dataDir);
  const profile = (options.emulatorConfig?.profile as 'aws' | 'ideal' | undefined) ?? options.profile ?? 'aws';
  const awsProfile = profile === 'aws';
  const emulator = await startEmulator({
    port: 0,
    dataDir,
    config: { ...(awsProfile ? { profile, timeScale: E2E_TIME_SCALE } : {}), ...options.emulatorConfig },
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
      // AWS's 30 s before a not-found endpoint counts as missing, at the same scale.
      ...(awsProfile ? { missingAfterMs: 30_000 * E2E_TIME_SCALE } : {}),
      // Tests evaluate every second or two and flip alarms with SetAlarmState; production's 5 s alarm cache is far
      // below its 30 s interval, but here it would answer an alarm cleared a second ago as still firing.
      alarmCacheMs: 0,
      ...options.activityOptions,
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
    credentials: EMULATOR_ADMIN_CREDENTIALS,
  });
  let seq = 0;
  // A scaled CloudWatch minute is published 0.24–0.48 s after it ends and late samples grow it up to 0.48 s later.
  const settle = awsProfile ? '2s' : '0s';

  return {
    settle,
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
        traffic: {
          replay: { dataUrl: awsProfile ? data.holdoutUrl : `file://${data.holdoutFile}`, ratePerSecond: 100 },
        },
        evaluation: { interval: '2s', metricPeriod: '1s', settleDelay: settle, onInconclusive: 'pass' },
        ...overrides,
        // The suite rolls out dozens of good candidates: at the default α = 0.05 one of them would be rolled back by
        // chance in a good share of runs. The injected regressions stay far beyond detection at 0.005.
        guardrails: { alpha: E2E_ALPHA, ...overrides.guardrails },
      };
    },
    async seedEndpoint(endpointName, seed = {}) {
      await deployBaseline(sm, {
        endpointName,
        variantName: 'Champion',
        modelName: `${endpointName}-champion`,
        modelDataUrl: data.modelUrl('champion'),
        ...seed,
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
