// The fields a rollout must carry over round-trip in the emulator's aws profile as [BC-SM] shapes them: the model's
// VpcConfig and EnableNetworkIsolation; the endpoint config's KmsKeyId, DataCaptureConfig, AsyncInferenceConfig,
// ShadowProductionVariants, serverless variants and the variants' timeouts and volume size; DescribeEndpoint's view of
// them; and [BC-SM]'s constraints on them.
import {
  CreateEndpointCommand,
  CreateEndpointConfigCommand,
  type CreateEndpointConfigCommandInput,
  CreateModelCommand,
  DescribeEndpointCommand,
  DescribeEndpointConfigCommand,
  DescribeModelCommand,
  type ProductionVariant,
} from '@aws-sdk/client-sagemaker';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmulator, type RunningEmulator } from '../../../src/emulator';
import {
  ADMIN_CREDENTIALS,
  clientsFor,
  errorOf,
  modelUrl,
  ROLE,
  stageChurn,
  waitForStatus,
  XGB_IMAGE,
} from './helpers';

let emulator: RunningEmulator;
let c: ReturnType<typeof clientsFor>;
let dataDir: string;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'emulator-fields-'));
  stageChurn(dataDir);
  emulator = await startEmulator({
    port: 0,
    dataDir,
    config: { profile: 'aws', timeScale: 0.001, awsBehaviour: { consistencySeconds: 0 } },
  });
  c = clientsFor(emulator.url, ADMIN_CREDENTIALS);
  for (const [name, artifact] of [
    ['f-champion', 'champion'],
    ['f-shadow', 'challenger'],
  ]) {
    await c.sm.send(
      new CreateModelCommand({
        ModelName: name,
        ExecutionRoleArn: ROLE,
        PrimaryContainer: { Image: XGB_IMAGE, ModelDataUrl: modelUrl(artifact) },
      }),
    );
  }
});
afterAll(async () => {
  c.destroy();
  await emulator.close();
  rmSync(dataDir, { recursive: true, force: true });
});

const KEY = 'arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';

const champion: ProductionVariant = {
  VariantName: 'Champion',
  ModelName: 'f-champion',
  InstanceType: 'ml.m5.large',
  InitialInstanceCount: 1,
  InitialVariantWeight: 1,
  ContainerStartupHealthCheckTimeoutInSeconds: 600,
  ModelDataDownloadTimeoutInSeconds: 900,
  VolumeSizeInGB: 64,
};

test("the model's VpcConfig and EnableNetworkIsolation", async () => {
  const vpc = { SecurityGroupIds: ['sg-0123456789abcdef0'], Subnets: ['subnet-0123456789abcdef0', 'subnet-0fedcba'] };
  await c.sm.send(
    new CreateModelCommand({
      ModelName: 'f-vpc',
      ExecutionRoleArn: ROLE,
      PrimaryContainer: { Image: XGB_IMAGE, ModelDataUrl: modelUrl('champion') },
      VpcConfig: vpc,
      EnableNetworkIsolation: true,
    }),
  );
  const d = await c.sm.send(new DescribeModelCommand({ ModelName: 'f-vpc' }));
  expect(d.VpcConfig).toEqual(vpc);
  expect(d.EnableNetworkIsolation).toBe(true);
  const bad = await errorOf(() =>
    c.sm.send(
      new CreateModelCommand({
        ModelName: 'f-vpc-bad',
        ExecutionRoleArn: ROLE,
        PrimaryContainer: { Image: XGB_IMAGE, ModelDataUrl: modelUrl('champion') },
        VpcConfig: { SecurityGroupIds: [], Subnets: ['subnet-1'] },
      }),
    ),
  );
  expect(bad.message).toBe(
    "1 validation error detected: Value '[]' at 'vpcConfig.securityGroupIds' failed to satisfy constraint: Member " +
      'must have length greater than or equal to 1',
  );
});

test('KmsKeyId, DataCaptureConfig, ShadowProductionVariants and variant timeouts round-trip; DescribeEndpoint shows them', async () => {
  const capture = {
    EnableCapture: true,
    InitialSamplingPercentage: 20,
    DestinationS3Uri: 's3://capture/churn',
    KmsKeyId: KEY,
    CaptureOptions: [{ CaptureMode: 'Input' as const }, { CaptureMode: 'Output' as const }],
    CaptureContentTypeHeader: { CsvContentTypes: ['text/csv'] },
  };
  const shadow: ProductionVariant = {
    VariantName: 'Shadow',
    ModelName: 'f-shadow',
    InstanceType: 'ml.m5.large',
    InitialInstanceCount: 1,
    InitialVariantWeight: 0.5,
  };
  const input: CreateEndpointConfigCommandInput = {
    EndpointConfigName: 'f-full',
    ProductionVariants: [champion],
    ShadowProductionVariants: [shadow],
    DataCaptureConfig: capture,
    KmsKeyId: KEY,
  };
  await c.sm.send(new CreateEndpointConfigCommand(input));
  const d = await c.sm.send(new DescribeEndpointConfigCommand({ EndpointConfigName: 'f-full' }));
  expect(d.ProductionVariants).toEqual([champion]);
  expect(d.ShadowProductionVariants).toEqual([shadow]);
  expect(d.DataCaptureConfig).toEqual(capture);
  expect(d.KmsKeyId).toBe(KEY);

  await c.sm.send(new CreateEndpointCommand({ EndpointName: 'f-full', EndpointConfigName: 'f-full' }));
  const e = await waitForStatus(c.sm, 'f-full');
  expect(e.EndpointStatus).toBe('InService');
  expect(e.ProductionVariants?.map((v) => v.VariantName)).toEqual(['Champion']);
  expect(e.ShadowProductionVariants?.map((v) => [v.VariantName, v.CurrentWeight, v.CurrentInstanceCount])).toEqual([
    ['Shadow', 0.5, 1],
  ]);
  expect(e.DataCaptureConfig).toEqual({
    EnableCapture: true,
    CaptureStatus: 'Started',
    CurrentSamplingPercentage: 20,
    DestinationS3Uri: 's3://capture/churn',
    KmsKeyId: KEY,
  });
});

test('AsyncInferenceConfig and a serverless variant round-trip; DescribeEndpoint shows the serverless config', async () => {
  const asyncConfig = {
    ClientConfig: { MaxConcurrentInvocationsPerInstance: 4 },
    OutputConfig: { S3OutputPath: 's3://async/out', S3FailurePath: 's3://async/failed', KmsKeyId: KEY },
  };
  await c.sm.send(
    new CreateEndpointConfigCommand({
      EndpointConfigName: 'f-async',
      ProductionVariants: [champion],
      AsyncInferenceConfig: asyncConfig,
    }),
  );
  expect(
    (await c.sm.send(new DescribeEndpointConfigCommand({ EndpointConfigName: 'f-async' }))).AsyncInferenceConfig,
  ).toEqual(asyncConfig);

  const serverless: ProductionVariant = {
    VariantName: 'Serverless',
    ModelName: 'f-champion',
    InitialVariantWeight: 1,
    ServerlessConfig: { MemorySizeInMB: 2048, MaxConcurrency: 5, ProvisionedConcurrency: 1 },
  };
  await c.sm.send(
    new CreateEndpointConfigCommand({ EndpointConfigName: 'f-serverless', ProductionVariants: [serverless] }),
  );
  expect(
    (await c.sm.send(new DescribeEndpointConfigCommand({ EndpointConfigName: 'f-serverless' }))).ProductionVariants,
  ).toEqual([serverless]);
  await c.sm.send(new CreateEndpointCommand({ EndpointName: 'f-serverless', EndpointConfigName: 'f-serverless' }));
  const e = await waitForStatus(c.sm, 'f-serverless');
  expect(e.ProductionVariants?.[0]).toMatchObject({
    VariantName: 'Serverless',
    CurrentServerlessConfig: serverless.ServerlessConfig,
    DesiredServerlessConfig: serverless.ServerlessConfig,
  });
  expect(e.ProductionVariants?.[0].CurrentInstanceCount).toBeUndefined();
});

test("[BC-SM]'s constraints on the fields, in AWS's validation message form", async () => {
  const create = (name: string, extra: Partial<CreateEndpointConfigCommandInput>) =>
    errorOf(() =>
      c.sm.send(
        new CreateEndpointConfigCommand({ EndpointConfigName: name, ProductionVariants: [champion], ...extra }),
      ),
    );
  const volume = await create('f-bad-1', { ProductionVariants: [{ ...champion, VolumeSizeInGB: 9999 }] });
  expect([volume.name, volume.message]).toEqual([
    'ValidationException',
    "1 validation error detected: Value '9999' at 'productionVariants.1.member.volumeSizeInGB' failed to satisfy " +
      'constraint: Member must have value less than or equal to 512',
  ]);
  const timeouts = await create('f-bad-2', {
    ProductionVariants: [
      { ...champion, ContainerStartupHealthCheckTimeoutInSeconds: 30, ModelDataDownloadTimeoutInSeconds: 4000 },
    ],
  });
  expect(timeouts.message).toBe(
    "2 validation errors detected: Value '4000' at 'productionVariants.1.member.modelDataDownloadTimeoutInSeconds' " +
      "failed to satisfy constraint: Member must have value less than or equal to 3600; Value '30' at " +
      "'productionVariants.1.member.containerStartupHealthCheckTimeoutInSeconds' failed to satisfy constraint: Member " +
      'must have value greater than or equal to 60',
  );
  const twoWithShadow = await create('f-bad-3', {
    ProductionVariants: [champion, { ...champion, VariantName: 'Other' }],
    ShadowProductionVariants: [{ ...champion, VariantName: 'Shadow', ModelName: 'f-shadow' }],
  });
  expect(twoWithShadow.message).toContain('exactly one variant');
  const sampling = await create('f-bad-4', {
    DataCaptureConfig: {
      InitialSamplingPercentage: 101,
      DestinationS3Uri: 's3://capture/x',
      CaptureOptions: [{ CaptureMode: 'Input' }],
    },
  });
  expect(sampling.message).toBe(
    "1 validation error detected: Value '101' at 'dataCaptureConfig.initialSamplingPercentage' failed to satisfy " +
      'constraint: Member must have value less than or equal to 100',
  );
  for (const name of ['f-bad-1', 'f-bad-2', 'f-bad-3', 'f-bad-4']) {
    const gone = await errorOf(() => c.sm.send(new DescribeEndpointConfigCommand({ EndpointConfigName: name })));
    expect(gone.message).toContain('Could not find endpoint configuration');
  }
});

test('an endpoint that is not yet serving describes no data capture (nothing is captured yet)', async () => {
  await c.sm.send(
    new CreateEndpointConfigCommand({
      EndpointConfigName: 'f-capture-later',
      ProductionVariants: [champion],
      DataCaptureConfig: {
        InitialSamplingPercentage: 5,
        DestinationS3Uri: 's3://capture/y',
        CaptureOptions: [{ CaptureMode: 'Input' }],
      },
    }),
  );
  await c.sm.send(
    new CreateEndpointCommand({ EndpointName: 'f-capture-later', EndpointConfigName: 'f-capture-later' }),
  );
  const creating = await c.sm.send(new DescribeEndpointCommand({ EndpointName: 'f-capture-later' }));
  expect(creating.EndpointStatus).toBe('Creating');
  expect(creating.DataCaptureConfig).toBeUndefined();
  expect(creating.PendingDeploymentSummary?.EndpointConfigName).toBe('f-capture-later');
  expect((await waitForStatus(c.sm, 'f-capture-later')).DataCaptureConfig).toMatchObject({
    EnableCapture: true,
    CaptureStatus: 'Started',
    CurrentSamplingPercentage: 5,
  });
});
