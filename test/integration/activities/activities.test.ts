// The AWS activities through the real SDK clients against the emulator, configured the way production is (the
// default client chain, pointed at the emulator by AWS_ENDPOINT_URL alone). What is checked here is what the
// workflow relies on: a retried call after a lost response neither fails nor changes state twice, errors are
// retryable exactly when a retry can help, and one evaluation costs one GetMetricData call.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvokeEndpointCommand, SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import { ApplicationFailure } from '@temporalio/activity';
import { createActivities } from '../../../src/activities';
import { createAwsClients } from '../../../src/activities/clients';
import { startEmulator, type RunningEmulator } from '../../../src/emulator';
import { EmulatorAdmin } from '../../../src/emulator/admin-client';
import {
  DEMO_IMAGE,
  DEMO_ROLE,
  EMULATOR_CREDENTIALS,
  deployBaseline,
  emulatorSageMaker,
  stageDemoData,
  waitInService,
} from '../../../src/local/local-stack';
import { parseSpec } from '../../../src/schema';

let emulator: RunningEmulator;
let admin: EmulatorAdmin;
let dataDir: string;
let activities: ReturnType<typeof createActivities>;
let data: ReturnType<typeof stageDemoData>;
const sm = () => emulatorSageMaker(emulator.url);

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'activities-it-'));
  data = stageDemoData(dataDir);
  emulator = await startEmulator({
    port: 0,
    dataDir,
    config: { delays: { createMs: 50, updateMs: 50, deleteMs: 20 } },
  });
  admin = new EmulatorAdmin(emulator.url);
  Object.assign(process.env, {
    AWS_ENDPOINT_URL: emulator.url,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: EMULATOR_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: EMULATOR_CREDENTIALS.secretAccessKey,
  });
  activities = createActivities(createAwsClients(), { pollIntervalMs: 50 });
});

afterAll(async () => {
  await emulator?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

const stateChanges = async (operation: string, name: string) =>
  (await admin.requests()).filter(
    (e) => e.operation === operation && e.changedState && JSON.stringify(e).includes(name),
  ).length;

async function failure(p: Promise<unknown>): Promise<ApplicationFailure> {
  const err = await p.then(
    () => new Error('expected a failure'),
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ApplicationFailure);
  return err as ApplicationFailure;
}

test('createModel retried after a lost response: no error, one model; the same name with another artifact is refused', async () => {
  const model = {
    modelName: 'it-model-a',
    image: DEMO_IMAGE,
    modelDataUrl: data.modelUrl('challenger'),
    executionRoleArn: DEMO_ROLE,
  };
  await activities.createModel(model);
  await activities.createModel(model); // the retry
  expect(await stateChanges('CreateModel', 'it-model-a')).toBe(1);
  const refused = await failure(activities.createModel({ ...model, modelDataUrl: data.modelUrl('worse') }));
  expect(refused.nonRetryable).toBe(true);
  expect(refused.message).toMatch(/already exists with another image or modelDataUrl/);
});

test('createEndpointConfig and createEndpoint retried: one of each; a config of the same name with other variants is refused', async () => {
  await activities.createModel({
    modelName: 'it-model-b',
    image: DEMO_IMAGE,
    modelDataUrl: data.modelUrl('champion'),
    executionRoleArn: DEMO_ROLE,
  });
  const variants = [
    {
      VariantName: 'A',
      ModelName: 'it-model-b',
      InstanceType: 'ml.m5.large' as const,
      InitialInstanceCount: 1,
      InitialVariantWeight: 1,
    },
  ];
  await activities.createEndpointConfig({ configName: 'it-config-b', variants });
  await activities.createEndpointConfig({ configName: 'it-config-b', variants });
  expect(await stateChanges('CreateEndpointConfig', 'it-config-b')).toBe(1);
  const refused = await failure(
    activities.createEndpointConfig({ configName: 'it-config-b', variants: [{ ...variants[0], VariantName: 'B' }] }),
  );
  expect(refused.message).toMatch(/already exists with other variants/);

  await activities.createEndpoint({ endpointName: 'it-endpoint-b', configName: 'it-config-b' });
  await activities.createEndpoint({ endpointName: 'it-endpoint-b', configName: 'it-config-b' });
  expect(await stateChanges('CreateEndpoint', 'it-endpoint-b')).toBe(1);
  await waitInService(sm(), 'it-endpoint-b');
});

test('updateEndpoint and setWeights retried: the second call sees the change already made and makes none', async () => {
  await deployBaseline(sm(), {
    endpointName: 'it-endpoint-c',
    variantName: 'Champion',
    modelName: 'it-c-champion',
    modelDataUrl: data.modelUrl('champion'),
  });
  await activities.createModel({
    modelName: 'it-c-challenger',
    image: DEMO_IMAGE,
    modelDataUrl: data.modelUrl('challenger'),
    executionRoleArn: DEMO_ROLE,
  });
  const variant = (name: string, model: string, weight: number) => ({
    VariantName: name,
    ModelName: model,
    InstanceType: 'ml.m5.large' as const,
    InitialInstanceCount: 1,
    InitialVariantWeight: weight,
  });
  await activities.createEndpointConfig({
    configName: 'it-config-c-ab',
    variants: [variant('Champion', 'it-c-champion', 100), variant('Challenger', 'it-c-challenger', 0)],
  });
  expect(await activities.updateEndpoint({ endpointName: 'it-endpoint-c', configName: 'it-config-c-ab' })).toBe(true);
  await waitInService(sm(), 'it-endpoint-c');
  expect(await activities.updateEndpoint({ endpointName: 'it-endpoint-c', configName: 'it-config-c-ab' })).toBe(false);
  expect(await stateChanges('UpdateEndpoint', 'it-endpoint-c')).toBe(1);

  const weights = { endpointName: 'it-endpoint-c', weights: { Champion: 50, Challenger: 50 } };
  expect(await activities.setWeights(weights)).toBe(true);
  expect(await activities.setWeights(weights)).toBe(false); // retried while Updating or after: no second change
  await waitInService(sm(), 'it-endpoint-c');
  expect(await activities.setWeights(weights)).toBe(false);
  expect(await stateChanges('UpdateEndpointWeightsAndCapacities', 'it-endpoint-c')).toBe(1);
  const view = await activities.describeEndpoint('it-endpoint-c');
  expect(view?.variants.map((v) => [v.variantName, v.currentWeight])).toEqual([
    ['Champion', 50],
    ['Challenger', 50],
  ]);
});

test("one GetMetricData call per evaluation returns each variant's invocations and errors as served", async () => {
  await deployBaseline(sm(), {
    endpointName: 'it-endpoint-d',
    variantName: 'Champion',
    modelName: 'it-d-champion',
    modelDataUrl: data.modelUrl('champion'),
  });
  await admin.patchFaults({ endpoints: { 'it-endpoint-d': { variants: { Champion: { errorRate5xx: 0.2 } } } } });
  const runtime = new SageMakerRuntimeClient({
    endpoint: emulator.url,
    region: 'us-east-1',
    credentials: EMULATOR_CREDENTIALS,
    maxAttempts: 1,
  });
  const row = '30,70.5,1,2,0,2,120.0,6';
  let ok = 0;
  let failed = 0;
  const start = Date.now();
  for (let i = 0; i < 60; i++) {
    await runtime
      .send(new InvokeEndpointCommand({ EndpointName: 'it-endpoint-d', ContentType: 'text/csv', Body: row }))
      .then(
        () => ok++,
        () => failed++,
      );
  }
  const before = (await admin.requests()).filter((e) => e.operation === 'GetMetricData').length;
  const metrics = await activities.fetchVariantMetrics({
    endpointName: 'it-endpoint-d',
    variantNames: ['Champion'],
    startTime: start - 5_000,
    endTime: Date.now() + 1_000,
    periodSeconds: 1,
  });
  const after = (await admin.requests()).filter((e) => e.operation === 'GetMetricData').length;
  expect(metrics.calls).toBe(1);
  expect(after - before).toBe(1);
  const periods = metrics.variants[0].periods;
  const sum = (f: (p: (typeof periods)[number]) => number) => periods.reduce((n, p) => n + f(p), 0);
  expect(sum((p) => p.invocations)).toBe(60);
  expect(sum((p) => p.errors5xx)).toBe(failed);
  expect(ok + failed).toBe(60);
  expect(failed).toBeGreaterThan(0);
  expect(sum((p) => p.latency?.sampleCount ?? 0)).toBeGreaterThan(0);
  runtime.destroy();
});

test("throttling is retryable, a validation error is not, and both keep AWS's message", async () => {
  // Both of the SDK's own attempts are throttled, so the throttling reaches the activity.
  await admin.patchFaults({ operations: { 'SageMaker.CreateModel': { failNext: 2, failWith: 'throttle' } } });
  const model = {
    modelName: 'it-model-e',
    image: DEMO_IMAGE,
    modelDataUrl: data.modelUrl('champion'),
    executionRoleArn: DEMO_ROLE,
  };
  const throttled = await failure(activities.createModel(model));
  expect(throttled.nonRetryable).toBe(false);
  expect(throttled.message).toMatch(/Throttl/i);
  const invalid = await failure(activities.createModel({ ...model, modelName: 'bad_name' }));
  expect(invalid.nonRetryable).toBe(true);
  expect(invalid.message).toMatch(/ValidationException/);
});

test('preflight refuses what is missing, naming the field, with reads only', async () => {
  const base = {
    endpointName: 'it-endpoint-f',
    baseline: { variantName: 'Champion' },
    candidate: {
      variantName: 'Challenger',
      modelName: 'it-f-v2',
      image: DEMO_IMAGE,
      modelDataUrl: data.modelUrl('challenger'),
      executionRoleArn: DEMO_ROLE,
    },
  };
  const mutatingBefore = (await admin.requests()).filter((e) => e.mutating).length;
  const missingEndpoint = await failure(activities.preflight({ spec: parseSpec(base) }));
  expect(missingEndpoint.message).toMatch(/^endpointName: endpoint "it-endpoint-f" was not found/);
  await deployBaseline(sm(), {
    endpointName: 'it-endpoint-f',
    variantName: 'Champion',
    modelName: 'it-f-v1',
    modelDataUrl: data.modelUrl('champion'),
  });
  const mutatingSeeded = (await admin.requests()).filter((e) => e.mutating).length;
  const missingArtifact = await failure(
    activities.preflight({
      spec: parseSpec({
        ...base,
        candidate: { ...base.candidate, modelDataUrl: 's3://models/churn/nope/model.tar.gz' },
      }),
    }),
  );
  expect(missingArtifact.message).toMatch(/^candidate\.modelDataUrl: there is no object at s3:\/\/models\/churn\/nope/);
  const ok = await activities.preflight({ spec: parseSpec(base) });
  expect(ok).toMatchObject({ createModel: true, originalConfig: { configName: 'it-endpoint-f-initial' } });
  expect(mutatingSeeded - mutatingBefore).toBe(3); // the seeding's own CreateModel/Config/Endpoint
  expect((await admin.requests()).filter((e) => e.mutating).length).toBe(mutatingSeeded);
});
