// Shared set-up for the emulator conformance tests: an emulator on a free port with the demo artifacts staged in
// its data dir, and real AWS SDK v3 clients pointed at it (no mocks anywhere).
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { S3Client } from '@aws-sdk/client-s3';
import {
  CreateEndpointCommand,
  CreateEndpointConfigCommand,
  CreateModelCommand,
  DescribeEndpointCommand,
  type DescribeEndpointCommandOutput,
  SageMakerClient,
} from '@aws-sdk/client-sagemaker';
import { SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import { startEmulator, type EmulatorConfig, type RunningEmulator } from '../../../src/emulator';
import { EmulatorAdmin } from '../../../src/emulator/admin-client';

export const EXAMPLES = resolve(__dirname, '../../../examples/churn');
export const XGB_IMAGE = '683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1';
export const ROLE = 'arn:aws:iam::123456789012:role/SageMakerExecution';
export const CREDENTIALS = { accessKeyId: 'AKIDEMULATORTEST', secretAccessKey: 'emulator-test-secret' };
/** The account administrator's key in the aws profile: never denied by IAM (seeding). */
export const ADMIN_CREDENTIALS = { accessKeyId: 'admin', secretAccessKey: 'emulator-admin-secret' };

/** Real SDK clients for one caller (maxAttempts 1: errors reach the test as the SDK decodes them). */
export function clientsFor(
  url: string,
  credentials: { accessKeyId: string; secretAccessKey: string },
  region = 'us-east-1',
) {
  const cfg = { endpoint: url, region, credentials, maxAttempts: 1 };
  return {
    sm: new SageMakerClient(cfg),
    runtime: new SageMakerRuntimeClient(cfg),
    cw: new CloudWatchClient(cfg),
    s3: new S3Client({ ...cfg, forcePathStyle: true }),
    destroy() {
      for (const c of [this.sm, this.runtime, this.cw, this.s3]) c.destroy();
    },
  };
}

export interface Harness {
  emulator: RunningEmulator;
  admin: EmulatorAdmin;
  dataDir: string;
  region: string;
  sm: SageMakerClient;
  runtime: SageMakerRuntimeClient;
  cw: CloudWatchClient;
  s3: S3Client;
  close(): Promise<void>;
}

/** Copies the churn models and holdout into `<dataDir>/models/churn/<name>/model.tar.gz` and `<dataDir>/data/churn`. */
export function stageChurn(dataDir: string): void {
  for (const name of ['champion', 'challenger', 'worse']) {
    mkdirSync(join(dataDir, 'models', 'churn', name), { recursive: true });
    copyFileSync(join(EXAMPLES, name, 'model.tar.gz'), join(dataDir, 'models', 'churn', name, 'model.tar.gz'));
  }
  mkdirSync(join(dataDir, 'data', 'churn'), { recursive: true });
  copyFileSync(join(EXAMPLES, 'holdout.csv'), join(dataDir, 'data', 'churn', 'holdout.csv'));
}

/**
 * An emulator with the churn artifacts staged and clients for one caller: the test key (bound by IAM in the aws
 * profile), or `ADMIN_CREDENTIALS` for tests of other behaviour.
 */
export async function startHarness(
  config: EmulatorConfig = {},
  region = 'us-east-1',
  credentials: { accessKeyId: string; secretAccessKey: string } = CREDENTIALS,
): Promise<Harness> {
  const dataDir = mkdtempSync(join(tmpdir(), 'emulator-it-'));
  stageChurn(dataDir);
  const emulator = await startEmulator({
    port: 0,
    dataDir,
    config: { delays: { createMs: 60, updateMs: 60, deleteMs: 30 }, ...config },
  });
  // maxAttempts 1: a fault or error must reach the test as the SDK decodes it, not be retried away.
  const cfg = { endpoint: emulator.url, region, credentials, maxAttempts: 1 };
  const clients = {
    sm: new SageMakerClient(cfg),
    runtime: new SageMakerRuntimeClient(cfg),
    cw: new CloudWatchClient(cfg),
    s3: new S3Client({ ...cfg, forcePathStyle: true }),
  };
  return {
    emulator,
    admin: new EmulatorAdmin(emulator.url),
    dataDir,
    region,
    ...clients,
    async close() {
      for (const c of Object.values(clients)) c.destroy();
      await emulator.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export const modelUrl = (name: string) => `s3://models/churn/${name}/model.tar.gz`;

export async function createModel(sm: SageMakerClient, name: string, url: string, image = XGB_IMAGE): Promise<void> {
  await sm.send(
    new CreateModelCommand({
      ModelName: name,
      ExecutionRoleArn: ROLE,
      PrimaryContainer: { Image: image, ModelDataUrl: url },
    }),
  );
}

export interface VariantSpec {
  variant: string;
  model: string;
  weight?: number;
  instances?: number;
}

export async function createConfig(sm: SageMakerClient, name: string, variants: VariantSpec[]): Promise<void> {
  await sm.send(
    new CreateEndpointConfigCommand({
      EndpointConfigName: name,
      ProductionVariants: variants.map((v) => ({
        VariantName: v.variant,
        ModelName: v.model,
        InstanceType: 'ml.m5.large',
        InitialInstanceCount: v.instances ?? 1,
        InitialVariantWeight: v.weight ?? 1,
      })),
    }),
  );
}

export async function waitForStatus(
  sm: SageMakerClient,
  endpointName: string,
  until: (status: string) => boolean = (s) => !['Creating', 'Updating', 'RollingBack', 'Deleting'].includes(s),
  timeoutMs = 10_000,
): Promise<DescribeEndpointCommandOutput> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const out = await sm.send(new DescribeEndpointCommand({ EndpointName: endpointName }));
    if (until(out.EndpointStatus ?? '')) return out;
    if (Date.now() > deadline) throw new Error(`${endpointName} still ${out.EndpointStatus} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Model(s) + config + endpoint, waited until it settles. */
export async function deployEndpoint(
  sm: SageMakerClient,
  endpointName: string,
  variants: (VariantSpec & { artifact?: string; url?: string })[],
): Promise<DescribeEndpointCommandOutput> {
  for (const v of variants) await createModel(sm, v.model, v.url ?? modelUrl(v.artifact ?? v.model));
  await createConfig(sm, `${endpointName}-config`, variants);
  await sm.send(
    new CreateEndpointCommand({ EndpointName: endpointName, EndpointConfigName: `${endpointName}-config` }),
  );
  return waitForStatus(sm, endpointName);
}

/** Runs fn and returns the error it throws (failing the test when it does not throw). */
export async function errorOf(
  fn: () => Promise<unknown>,
): Promise<Error & { $metadata?: { httpStatusCode?: number } } & Record<string, unknown>> {
  try {
    await fn();
  } catch (err) {
    return err as Error & Record<string, unknown>;
  }
  throw new Error('expected the call to fail, it succeeded');
}
