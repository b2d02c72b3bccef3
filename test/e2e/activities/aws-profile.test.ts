// The rollout's activities against the emulator's aws profile, as the worker runs them in production: the worker's
// own key bound by the shipped IAM policy (deploy/iam-policy.json), eventual consistency after creates, fleets that
// take provisioning time, instance quotas. Calls whose handling depends on Temporal's retries, heartbeats or the
// first attempt's time run on a worker of the real dev server through the rollout's own activity proxies.
// Time-scaled: a 300 s fleet comes up in 1.2 s, a new resource is invisible for 0.5 s.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApplicationAutoScalingClient } from '@aws-sdk/client-application-auto-scaling';
import {
  CloudWatchClient,
  PutCompositeAlarmCommand,
  PutMetricAlarmCommand,
  SetAlarmStateCommand,
} from '@aws-sdk/client-cloudwatch';
import { S3Client } from '@aws-sdk/client-s3';
import {
  CreateEndpointCommand,
  CreateEndpointConfigCommand,
  CreateModelCommand,
  DescribeEndpointConfigCommand,
  SageMakerClient,
  UpdateEndpointCommand,
  UpdateEndpointWeightsAndCapacitiesCommand,
  type ProductionVariant,
} from '@aws-sdk/client-sagemaker';
import { SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import { ApplicationFailure } from '@temporalio/activity';
import { createActivities } from '../../../src/activities';
import { createAwsClients, type AwsClients } from '../../../src/activities/clients';
import { startEmulator, type RunningEmulator } from '../../../src/emulator';
import { EmulatorAdmin } from '../../../src/emulator/admin-client';
import {
  DEMO_IMAGE,
  DEMO_ROLE,
  EMULATOR_ADMIN_CREDENTIALS,
  EMULATOR_CREDENTIALS,
  deployBaseline,
  emulatorSageMaker,
  stageDemoData,
  waitInService,
} from '../../../src/local/local-stack';
import { parseSpec, type RolloutSpecInput } from '../../../src/schema';
import { startActivityRunner, type ActivityRunner } from '../../harness/activity-runner';

const TIME_SCALE = 0.004; // 300 s fleets: 1.2 s
const CONSISTENCY_SECONDS = 125; // 0.5 s here
/** Longer than the consistency window. */
const VISIBLE_MS = 600;

let emulator: RunningEmulator;
let admin: EmulatorAdmin;
let dataDir: string;
let data: ReturnType<typeof stageDemoData>;
let sm: SageMakerClient;
let runner: ActivityRunner;
/** The activities as the worker holds them, called directly (no Temporal) where the test needs the raw failure. */
let activities: ReturnType<typeof createActivities>;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'activities-aws-'));
  data = stageDemoData(dataDir);
  emulator = await startEmulator({
    port: 0,
    dataDir,
    config: {
      profile: 'aws',
      timeScale: TIME_SCALE,
      quotas: { 'ml.m5.xlarge': 2 },
      awsBehaviour: { consistencySeconds: CONSISTENCY_SECONDS },
    },
  });
  admin = new EmulatorAdmin(emulator.url);
  sm = emulatorSageMaker(emulator.url);
  Object.assign(process.env, {
    AWS_ENDPOINT_URL: emulator.url,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: EMULATOR_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: EMULATOR_CREDENTIALS.secretAccessKey,
  });
  const timings = { pollIntervalMs: 100, consistencyWindowMs: 15_000, missingAfterMs: 1_000 };
  activities = createActivities(createAwsClients(), timings);
  runner = await startActivityRunner(timings);
});

afterAll(async () => {
  await runner?.close();
  await emulator?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function failure(p: Promise<unknown>): Promise<ApplicationFailure> {
  const err = await p.then(
    () => new Error('expected a failure'),
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ApplicationFailure);
  return err as ApplicationFailure;
}

/** Resolves once the emulator has logged a call of `operation` naming `name` (the call may still be held). */
async function logged(operation: string, name: string): Promise<void> {
  for (let i = 0; i < 500; i++) {
    const log = await admin.requests({ service: 'SageMaker' });
    if (log.some((e) => e.operation === operation && JSON.stringify(e).includes(name))) return;
    await sleep(10);
  }
  throw new Error(`no ${operation} naming ${name} was logged`);
}

const calls = async (operation: string, name: string) =>
  (await admin.requests()).filter((e) => e.operation === operation && JSON.stringify(e).includes(name));

function variant(name: string, model: string, extra: Partial<ProductionVariant> = {}): ProductionVariant {
  return {
    VariantName: name,
    ModelName: model,
    InstanceType: 'ml.m5.large',
    InitialInstanceCount: 1,
    InitialVariantWeight: 1,
    ...extra,
  };
}

/** Creates a model as the account administrator (seeding), and waits until SageMaker finds it. */
async function seedModel(name: string, extra: Record<string, unknown> = {}): Promise<void> {
  await sm.send(
    new CreateModelCommand({
      ModelName: name,
      ExecutionRoleArn: DEMO_ROLE,
      PrimaryContainer: { Image: DEMO_IMAGE, ModelDataUrl: data.modelUrl('champion') },
      ...extra,
    }),
  );
  await sleep(VISIBLE_MS);
}

function spec(endpointName: string, overrides: Partial<RolloutSpecInput> = {}) {
  return parseSpec({
    endpointName,
    baseline: { variantName: 'Champion' },
    candidate: {
      variantName: 'Challenger',
      modelName: `${endpointName}-v2`,
      image: DEMO_IMAGE,
      modelDataUrl: data.modelUrl('challenger'),
      executionRoleArn: DEMO_ROLE,
    },
    ...overrides,
  });
}

describe('preflight', () => {
  test('#26 with the shipped policy the worker may not read the model bucket: the artifact check is skipped with a note; a 404 still means missing', async () => {
    await deployBaseline(sm, {
      endpointName: 'pf-artifact',
      variantName: 'Champion',
      modelName: 'pf-artifact-v1',
      modelDataUrl: data.modelUrl('champion'),
    });
    const result = await activities.preflight({ spec: spec('pf-artifact') });
    expect(result.notes).toEqual([
      `candidate.modelDataUrl: not checked: the worker may not read ${data.modelUrl('challenger')} (S3 answered 403), so a missing artifact shows only when the endpoint update starts the container`,
    ]);
    // The 403 was the policy's: HeadObject as s3:GetObject on the models bucket, which the policy does not grant.
    const heads = (await admin.requests({ service: 'S3' })).filter((e) => e.operation === 'HeadObject');
    expect(heads.map((e) => [e.status, e.errorCode])).toEqual([[403, 'AccessDenied']]);

    // A caller allowed to list the bucket hears 404 for a missing key: that is "missing", and preflight refuses.
    const asAdmin = createActivities(clientsAs(EMULATOR_ADMIN_CREDENTIALS));
    const missing = await failure(
      asAdmin.preflight({
        spec: spec('pf-artifact', {
          candidate: { ...spec('pf-artifact').candidate, modelDataUrl: 's3://models/churn/nope/model.tar.gz' },
        }),
      }),
    );
    expect(missing.message).toMatch(/^candidate\.modelDataUrl: there is no object at s3:\/\/models\/churn\/nope/);
  });

  test("#17/#18 carries the endpoint's name as SageMaker spells it, whatever the spec's case", async () => {
    await deployBaseline(sm, {
      endpointName: 'pf-Churn-Case',
      variantName: 'Champion',
      modelName: 'pf-churn-case-v1',
      modelDataUrl: data.modelUrl('champion'),
    });
    const result = await activities.preflight({ spec: spec('PF-CHURN-CASE') });
    expect(result.endpointName).toBe('pf-Churn-Case');
  });

  test("#5 the original config's settings are all read, to be carried into every config the rollout makes", async () => {
    await seedModel('pf-settings-v1');
    const settings = {
      KmsKeyId: 'arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab',
      DataCaptureConfig: {
        EnableCapture: true,
        InitialSamplingPercentage: 20,
        DestinationS3Uri: 's3://data/capture',
        CaptureOptions: [{ CaptureMode: 'Input' as const }, { CaptureMode: 'Output' as const }],
      },
      VpcConfig: { SecurityGroupIds: ['sg-0123456789abcdef0'], Subnets: ['subnet-0123456789abcdef0'] },
      EnableNetworkIsolation: true,
      MetricsConfig: { EnableEnhancedMetrics: true },
    };
    await sm.send(
      new CreateEndpointConfigCommand({
        EndpointConfigName: 'pf-settings-config',
        ProductionVariants: [variant('Champion', 'pf-settings-v1')],
        ...settings,
      }),
    );
    await sleep(VISIBLE_MS);
    const read = await activities.describeEndpointConfig({ configName: 'pf-settings-config' });
    expect(read).toEqual({
      configName: 'pf-settings-config',
      variants: [expect.objectContaining({ VariantName: 'Champion', ModelName: 'pf-settings-v1' })],
      settings,
    });
    // Created again under another name by the worker (as the A/B config is), the settings come back the same.
    await activities.createEndpointConfig({ ...read!, configName: 'pf-settings-copy' });
    await sleep(VISIBLE_MS);
    const copy = await sm.send(new DescribeEndpointConfigCommand({ EndpointConfigName: 'pf-settings-copy' }));
    expect(copy).toMatchObject(settings);
  });

  test('#12 refuses endpoints and models it cannot roll out safely (async, shadow, serverless, multi-model, pipeline), saying why', async () => {
    await seedModel('pf-kinds-v1');
    await seedModel('pf-kinds-shadow');
    await seedModel('pf-kinds-pipeline', {
      PrimaryContainer: undefined,
      Containers: [
        { Image: DEMO_IMAGE, ModelDataUrl: data.modelUrl('champion') },
        { Image: DEMO_IMAGE, ModelDataUrl: data.modelUrl('challenger') },
      ],
    });
    await seedModel('pf-kinds-multi', {
      PrimaryContainer: { Image: DEMO_IMAGE, ModelDataUrl: data.modelUrl('champion'), Mode: 'MultiModel' },
    });
    const kinds: [string, Partial<ConstructorParameters<typeof CreateEndpointConfigCommand>[0]>, RegExp][] = [
      [
        'pf-async',
        {
          ProductionVariants: [variant('Champion', 'pf-kinds-v1')],
          AsyncInferenceConfig: { OutputConfig: { S3OutputPath: 's3://data/async-out' } },
        },
        /uses asynchronous inference/,
      ],
      [
        'pf-shadow',
        {
          ProductionVariants: [variant('Champion', 'pf-kinds-v1')],
          ShadowProductionVariants: [variant('Shadow', 'pf-kinds-shadow')],
        },
        /has a shadow variant \(Shadow\)/,
      ],
      [
        'pf-serverless',
        {
          ProductionVariants: [
            {
              VariantName: 'Champion',
              ModelName: 'pf-kinds-v1',
              ServerlessConfig: { MemorySizeInMB: 2048, MaxConcurrency: 5 },
            },
          ],
        },
        /has a serverless variant \(Champion\)/,
      ],
      ['pf-multi', { ProductionVariants: [variant('Champion', 'pf-kinds-multi')] }, /Mode MultiModel/],
    ];
    for (const [name, config] of kinds) {
      await sm.send(
        new CreateEndpointConfigCommand({ EndpointConfigName: `${name}-config`, ProductionVariants: [], ...config }),
      );
    }
    await sleep(VISIBLE_MS);
    for (const [name] of kinds) {
      await sm.send(new CreateEndpointCommand({ EndpointName: name, EndpointConfigName: `${name}-config` }));
    }
    await Promise.all(kinds.map(([name]) => waitInService(sm, name)));
    const mutatingBefore = (await admin.requests({ mutating: true })).length;
    for (const [name, , why] of kinds) {
      const refused = await failure(activities.preflight({ spec: spec(name) }));
      expect([name, refused.nonRetryable, refused.message]).toEqual([name, true, expect.stringMatching(why)]);
    }
    // A pipeline cannot run in the emulator; as an existing candidate model it is refused all the same.
    const pipeline = await failure(
      activities.preflight({
        spec: spec('pf-async', {
          baseline: undefined,
          endpointName: 'pf-new-endpoint',
          steps: [{ candidateWeight: 100 }],
          candidate: { variantName: 'Challenger', modelName: 'pf-kinds-pipeline' },
        }),
      }),
    );
    expect(pipeline.message).toMatch(
      /^candidate\.modelName: model "pf-kinds-pipeline" is an inference pipeline \(2 containers\)/,
    );
    expect((await admin.requests({ mutating: true })).length).toBe(mutatingBefore); // reads only
  });

  test('#20 refuses a replay whose requests would exceed InvokeEndpoint’s 6 MB body, naming rowsPerRequest', async () => {
    await deployBaseline(sm, {
      endpointName: 'pf-size',
      variantName: 'Champion',
      modelName: 'pf-size-v1',
      modelDataUrl: data.modelUrl('champion'),
    });
    // Rows of 79,999 bytes (label stripped): 78 fit in 6291456 bytes, one per line; 100 do not.
    const row = Array.from({ length: 10_000 }, () => '1.23456').join(',');
    const file = join(dataDir, 'wide.csv');
    writeFileSync(file, `1,${row}\n0,${row}\n`);
    const replay = (rowsPerRequest: number) =>
      spec('pf-size', { traffic: { replay: { dataUrl: `file://${file}`, ratePerSecond: 1, rowsPerRequest } } });
    const refused = await failure(activities.preflight({ spec: replay(100) }));
    expect(refused.message).toBe(
      'traffic.replay.rowsPerRequest: 100 rows of up to 79999 bytes make a request of up to 7999999 bytes, over ' +
        "InvokeEndpoint's limit of 6291456 bytes: set rowsPerRequest to at most 78",
    );
    await expect(activities.preflight({ spec: replay(78) })).resolves.toMatchObject({ datasetRows: 2 });
  });
});

describe('eventual consistency (#6) and lost responses (#19)', () => {
  test('a config naming a model created a moment ago, and an endpoint naming that config, are retried until SageMaker finds them', async () => {
    await runner.call('quick', 'createModel', {
      modelName: 'ec-model',
      image: DEMO_IMAGE,
      modelDataUrl: data.modelUrl('champion'),
      executionRoleArn: DEMO_ROLE,
    });
    await runner.call('quick', 'createEndpointConfig', {
      configName: 'ec-config',
      variants: [variant('Champion', 'ec-model')],
    });
    await runner.call('quick', 'createEndpoint', { endpointName: 'ec-endpoint', configName: 'ec-config' });
    // The first attempts met the consistency window ("Could not find …") and were retried, not failed.
    const refused = (await calls('CreateEndpointConfig', 'ec-config')).filter((e) => e.errorCode);
    expect(refused.map((e) => e.errorCode)).toContain('ValidationException');
    const looked = await calls('DescribeEndpointConfig', 'ec-config');
    expect(looked[0].errorCode).toBe('ValidationException'); // [BC-SM]: describe the config before CreateEndpoint
    expect((await calls('CreateEndpoint', 'ec-endpoint')).filter((e) => e.changedState)).toHaveLength(1);
    await waitInService(sm, 'ec-endpoint');
  });

  test('deleting a config the rollout created a moment ago deletes it, rather than taking "not found" for "already deleted"', async () => {
    await seedModel('ec-delete-model');
    await sm.send(
      new CreateEndpointConfigCommand({
        EndpointConfigName: 'ec-delete-config',
        ProductionVariants: [variant('Champion', 'ec-delete-model')],
      }),
    );
    const createdAt = Date.now();
    expect(await runner.call('quick', 'deleteEndpointConfig', { configName: 'ec-delete-config', createdAt })).toBe(
      true,
    );
    await sleep(VISIBLE_MS);
    expect(await activities.describeEndpointConfig({ configName: 'ec-delete-config' })).toBeNull();
    // Created long ago (or never), not found is "already deleted", at once.
    expect(await activities.deleteEndpointConfig({ configName: 'ec-delete-config', createdAt: 0 })).toBe(false);
  });

  test('waitForEndpoint calls an endpoint missing only after several not-founds over missingAfterMs', async () => {
    const started = Date.now();
    expect(await runner.call('waits', 'waitForEndpoint', { endpointName: 'ec-never-made' })).toBeNull();
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_000);
    expect((await calls('DescribeEndpoint', 'ec-never-made')).length).toBeGreaterThanOrEqual(3);
  });

  test('#19 CreateEndpoint answered "already existing" after its own earlier attempt went through: accepted', async () => {
    await seedModel('lr-model');
    await sm.send(
      new CreateEndpointConfigCommand({
        EndpointConfigName: 'lr-config',
        ProductionVariants: [variant('Champion', 'lr-model')],
      }),
    );
    await sleep(VISIBLE_MS);
    // The activity finds no endpoint, then (while the config's answer is held) the first attempt lands: what the
    // SDK's resend of a CreateEndpoint whose response was lost meets.
    await admin.patchFaults({ operations: { 'SageMaker.DescribeEndpointConfig': { responseDelayMs: 400 } } });
    try {
      const creating = activities.createEndpoint({ endpointName: 'lr-endpoint', configName: 'lr-config' });
      await logged('DescribeEndpointConfig', 'lr-config');
      await sm.send(new CreateEndpointCommand({ EndpointName: 'lr-endpoint', EndpointConfigName: 'lr-config' }));
      await expect(creating).resolves.toBeUndefined();
    } finally {
      await admin.patchFaults({ operations: { 'SageMaker.DescribeEndpointConfig': null } });
    }
    const answers = (await calls('CreateEndpoint', 'lr-endpoint')).map((e) => e.errorCode ?? 'ok');
    expect(answers).toEqual(['ok', 'ValidationException']);
    // Someone else's endpoint of that name (another config) is still refused.
    const other = await failure(activities.createEndpoint({ endpointName: 'lr-endpoint', configName: 'ec-config' }));
    expect(other.message).toMatch(/endpoint lr-endpoint already exists/);
  });
});

describe('busy endpoints, waits and quotas', () => {
  test('#7 an update that starts between setWeights’ Describe and its call (autoscaling) is retried, not fatal', async () => {
    await deployBaseline(sm, {
      endpointName: 'busy-weights',
      variantName: 'Champion',
      modelName: 'busy-weights-v1',
      modelDataUrl: data.modelUrl('champion'),
    });
    await admin.patchFaults({ operations: { 'SageMaker.DescribeEndpoint': { responseDelayMs: 300 } } });
    let refused: ApplicationFailure;
    try {
      const setting = failure(activities.setWeights({ endpointName: 'busy-weights', weights: { Champion: 2 } }));
      await logged('DescribeEndpoint', 'busy-weights');
      await sm.send(
        new UpdateEndpointWeightsAndCapacitiesCommand({
          EndpointName: 'busy-weights',
          DesiredWeightsAndCapacities: [{ VariantName: 'Champion', DesiredInstanceCount: 2 }],
        }),
      );
      refused = await setting;
    } finally {
      await admin.patchFaults({ operations: { 'SageMaker.DescribeEndpoint': null } });
    }
    expect(refused.nonRetryable).toBe(false);
    expect(refused.message).toMatch(/^UpdateEndpointWeightsAndCapacities busy-weights: Cannot update in-progress/);
    // Retried by Temporal, the call goes through once the scaling is done.
    expect(await runner.call('quick', 'setWeights', { endpointName: 'busy-weights', weights: { Champion: 2 } })).toBe(
      true,
    );
  });

  test('#8 a wait ends at UpdateRollbackFailed with its FailureReason, and at its deadline naming what it waited for', async () => {
    await deployBaseline(sm, {
      endpointName: 'busy-wait',
      variantName: 'Champion',
      modelName: 'busy-wait-v1',
      modelDataUrl: data.modelUrl('champion'),
    });
    // Scaling out takes a fleet's provisioning time (1.2 s here): longer than this wait's deadline.
    await sm.send(
      new UpdateEndpointWeightsAndCapacitiesCommand({
        EndpointName: 'busy-wait',
        DesiredWeightsAndCapacities: [{ VariantName: 'Champion', DesiredInstanceCount: 2 }],
      }),
    );
    const late = await runner.failure('waits', 'waitForEndpoint', {
      endpointName: 'busy-wait',
      what: 'scaling out',
      timeoutMs: 400,
    });
    expect(late).toMatchObject({ type: 'WaitTimedOut', nonRetryable: true });
    expect(late.message).toMatch(
      /^waited \d s for endpoint busy-wait to settle \(scaling out\): it is still Updating$/,
    );
    await waitInService(sm, 'busy-wait');

    const reason = 'Both the rolling deployment and auto-rollback failed (test).';
    await admin.patchFaults({
      endpoints: { 'busy-wait': { updateEndsIn: 'UpdateRollbackFailed', updateFails: reason } },
    });
    await seedModel('busy-wait-v2');
    await sm.send(
      new CreateEndpointConfigCommand({
        EndpointConfigName: 'busy-wait-v2-config',
        ProductionVariants: [variant('Champion', 'busy-wait-v2')],
      }),
    );
    await sleep(VISIBLE_MS);
    await sm.send(new UpdateEndpointCommand({ EndpointName: 'busy-wait', EndpointConfigName: 'busy-wait-v2-config' }));
    const settled = await runner.call<{ status: string; failureReason?: string }>('waits', 'waitForEndpoint', {
      endpointName: 'busy-wait',
    });
    expect(settled).toMatchObject({ status: 'UpdateRollbackFailed', failureReason: reason });
  });

  test('#9 DeleteEndpoint of an endpoint still Creating is retried until it can be deleted', async () => {
    await seedModel('busy-delete-v1');
    await sm.send(
      new CreateEndpointConfigCommand({
        EndpointConfigName: 'busy-delete-config',
        ProductionVariants: [variant('Champion', 'busy-delete-v1')],
      }),
    );
    await sleep(VISIBLE_MS);
    await sm.send(new CreateEndpointCommand({ EndpointName: 'busy-delete', EndpointConfigName: 'busy-delete-config' }));
    const refused = await failure(activities.deleteEndpoint({ endpointName: 'busy-delete' }));
    expect([refused.nonRetryable, refused.message]).toEqual([
      false,
      expect.stringMatching(/^DeleteEndpoint busy-delete: Cannot update in-progress endpoint/),
    ]);
    expect(await runner.call('quick', 'deleteEndpoint', { endpointName: 'busy-delete' })).toBe(true);
  });

  test('#3 ResourceLimitExceeded is not retried, and says which quota and how many instances the update needed', async () => {
    await deployBaseline(sm, {
      endpointName: 'quota',
      variantName: 'Champion',
      modelName: 'quota-v1',
      modelDataUrl: data.modelUrl('champion'),
      instanceType: 'ml.m5.xlarge',
    });
    await seedModel('quota-v2');
    await sm.send(
      new CreateEndpointConfigCommand({
        EndpointConfigName: 'quota-ab',
        ProductionVariants: [
          variant('Champion', 'quota-v1', { InstanceType: 'ml.m5.xlarge' }),
          variant('Challenger', 'quota-v2', { InstanceType: 'ml.m5.xlarge', InitialVariantWeight: 0 }),
        ],
      }),
    );
    await sleep(VISIBLE_MS);
    const refused = await failure(activities.updateEndpoint({ endpointName: 'quota', configName: 'quota-ab' }));
    expect([refused.nonRetryable, refused.type]).toEqual([true, 'ResourceLimitExceeded']);
    expect(refused.message).toMatch(
      /^UpdateEndpoint quota: the quota 'ml\.m5\.xlarge for endpoint usage' is too small: it needs 2 more instances \(3 in all, 1 in use\) and the quota is 2\./,
    );
  });
});

describe('alarms (#15, #21)', () => {
  test("the worker reads metric and composite alarms' states, all rollouts' names in one DescribeAlarms", async () => {
    const cw = new CloudWatchClient({
      endpoint: emulator.url,
      region: 'us-east-1',
      credentials: EMULATOR_ADMIN_CREDENTIALS,
    });
    for (const name of ['al-latency', 'al-errors']) {
      await cw.send(
        new PutMetricAlarmCommand({
          AlarmName: name,
          Namespace: 'AWS/SageMaker',
          MetricName: 'ModelLatency',
          Statistic: 'Average',
          Period: 3600, // evaluated every 14.4 s here: a state set by hand holds through the test
          EvaluationPeriods: 1,
          Threshold: 1e9,
          ComparisonOperator: 'GreaterThanThreshold',
        }),
      );
    }
    // The service's health as a composite alarm, in ALARM because one alarm it names is.
    await cw.send(
      new PutCompositeAlarmCommand({ AlarmName: 'al-health', AlarmRule: 'ALARM("al-latency") OR ALARM("al-errors")' }),
    );
    await cw.send(new SetAlarmStateCommand({ AlarmName: 'al-errors', StateValue: 'ALARM', StateReason: 'test' }));
    cw.destroy();
    const before = (await admin.requests({ service: 'CloudWatch' })).filter((e) => e.operation === 'DescribeAlarms');
    // Three rollouts of this worker ask at once: one call answers them all. Asking for composite alarms needs
    // cloudwatch:DescribeAlarms on "*" ([BC-CW]), which the shipped policy grants.
    const answers = await Promise.all([
      activities.alarmStates({ alarmNames: ['al-latency'] }),
      activities.alarmStates({ alarmNames: ['al-health', 'al-latency'] }),
      activities.alarmStates({ alarmNames: ['al-nope'] }),
    ]);
    expect(answers.map((a) => a.map((s) => `${s.name}=${s.state}`))).toEqual([
      ['al-latency=INSUFFICIENT_DATA'],
      ['al-health=ALARM', 'al-latency=INSUFFICIENT_DATA'],
      ['al-nope=MISSING'],
    ]);
    const after = (await admin.requests({ service: 'CloudWatch' })).filter((e) => e.operation === 'DescribeAlarms');
    expect(after.slice(before.length).map((e) => e.status)).toEqual([200]);
    // Within the cache's few seconds, asking again costs no call.
    const describeCalls = async () =>
      (await admin.requests({ service: 'CloudWatch' })).filter((e) => e.operation === 'DescribeAlarms').length;
    await activities.alarmStates({ alarmNames: ['al-latency'] });
    expect(await describeCalls()).toBe(after.length);
    // A name not read yet waits for the Region's next batch, at least a second after the last one began.
    const asked = Date.now();
    const later = await activities.alarmStates({ alarmNames: ['al-errors', 'al-later'] });
    expect(later.map((a) => `${a.name}=${a.state}`)).toEqual(['al-errors=ALARM', 'al-later=MISSING']);
    expect(Date.now() - asked).toBeGreaterThanOrEqual(500);
    expect(await describeCalls()).toBe(after.length + 1);
  });
});

/** AWS clients for one caller, pointed at the emulator. */
function clientsAs(credentials: { accessKeyId: string; secretAccessKey: string }): AwsClients {
  const cfg = { endpoint: emulator.url, region: 'us-east-1', credentials, maxAttempts: 2 };
  return {
    sagemaker: () => new SageMakerClient(cfg),
    runtime: () => new SageMakerRuntimeClient(cfg),
    cloudwatch: () => new CloudWatchClient(cfg),
    s3: () => new S3Client({ ...cfg, forcePathStyle: true }),
    autoscaling: () => new ApplicationAutoScalingClient(cfg),
  };
}
