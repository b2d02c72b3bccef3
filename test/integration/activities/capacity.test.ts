// The capacity activities against the emulator's aws profile, called as the worker calls them: its own key bound by
// the shipped IAM policy, seeding as the account administrator. Fleets take provisioning time (300 s at a 0.002 time
// scale: 0.6 s) and Application Auto Scaling moves a variant's capacity into its registered range.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ApplicationAutoScalingClient,
  DescribeScalableTargetsCommand,
  DescribeScalingPoliciesCommand,
  PutScalingPolicyCommand,
  RegisterScalableTargetCommand,
} from '@aws-sdk/client-application-auto-scaling';
import { DescribeEndpointCommand, type SageMakerClient } from '@aws-sdk/client-sagemaker';
import { createActivities } from '../../../src/activities';
import { createAwsClients } from '../../../src/activities/clients';
import { parseSpec } from '../../../src/schema';
import { startEmulator, type RunningEmulator } from '../../../src/emulator';
import {
  DEMO_IMAGE,
  DEMO_ROLE,
  EMULATOR_ADMIN_CREDENTIALS,
  EMULATOR_CREDENTIALS,
  deployBaseline,
  emulatorSageMaker,
  stageDemoData,
} from '../../../src/local/local-stack';

const TIME_SCALE = 0.002;
const DIMENSION = 'sagemaker:variant:DesiredInstanceCount' as const;

let emulator: RunningEmulator;
let dataDir: string;
let data: ReturnType<typeof stageDemoData>;
let sm: SageMakerClient;
let aas: ApplicationAutoScalingClient;
let activities: ReturnType<typeof createActivities>;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'capacity-it-'));
  data = stageDemoData(dataDir);
  emulator = await startEmulator({
    port: 0,
    dataDir,
    config: { profile: 'aws', timeScale: TIME_SCALE, awsBehaviour: { consistencySeconds: 0 } },
  });
  sm = emulatorSageMaker(emulator.url);
  aas = new ApplicationAutoScalingClient({
    endpoint: emulator.url,
    region: 'us-east-1',
    credentials: EMULATOR_ADMIN_CREDENTIALS,
  });
  Object.assign(process.env, {
    AWS_ENDPOINT_URL: emulator.url,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: EMULATOR_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: EMULATOR_CREDENTIALS.secretAccessKey,
  });
  activities = createActivities(createAwsClients(), { pollIntervalMs: 50, consistencyWindowMs: 5_000 });
});

afterAll(async () => {
  aas?.destroy();
  sm?.destroy();
  await emulator?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

const target = (endpoint: string, variant: string) => ({
  ServiceNamespace: 'sagemaker' as const,
  ResourceId: `endpoint/${endpoint}/variant/${variant}`,
  ScalableDimension: DIMENSION,
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The endpoint as the activities see it, once it is InService (waitForEndpoint needs an activity context). */
async function settled(endpoint: string) {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const view = await activities.describeEndpoint(endpoint);
    if (view?.status === 'InService') return view;
    if (Date.now() > deadline) throw new Error(`${endpoint} is ${view?.status}`);
    await sleep(50);
  }
}

/** Each variant's CurrentInstanceCount, once the endpoint is InService. */
async function instances(endpoint: string): Promise<Record<string, number>> {
  const view = await settled(endpoint);
  return Object.fromEntries(view.variants.map((v) => [v.variantName, v.instanceCount ?? -1]));
}

/** A baseline whose config asks for 1 instance, scaled to 3 by Application Auto Scaling (its minimum). */
async function autoscaledBaseline(endpoint: string): Promise<void> {
  await deployBaseline(sm, {
    endpointName: endpoint,
    variantName: 'Champion',
    modelName: `${endpoint}-champion`,
    modelDataUrl: data.modelUrl('champion'),
  });
  await aas.send(
    new RegisterScalableTargetCommand({ ...target(endpoint, 'Champion'), MinCapacity: 3, MaxCapacity: 6 }),
  );
  expect(await instances(endpoint)).toEqual({ Champion: 3 });
}

/** Puts a candidate ("Challenger", 2 instances, weight 0) beside the baseline through the activities. */
async function beside(endpoint: string): Promise<boolean> {
  const original = (await sm.send(new DescribeEndpointCommand({ EndpointName: endpoint }))).EndpointConfigName!;
  const baseline = (await activities.describeEndpointConfig({ configName: original }))!.variants[0];
  await activities.createModel({
    modelName: `${endpoint}-challenger`,
    image: DEMO_IMAGE,
    modelDataUrl: data.modelUrl('challenger'),
    executionRoleArn: DEMO_ROLE,
  });
  await activities.createEndpointConfig({
    configName: `${endpoint}-ab`,
    variants: [
      { ...baseline, InitialVariantWeight: 100 },
      {
        VariantName: 'Challenger',
        ModelName: `${endpoint}-challenger`,
        InstanceType: 'ml.m5.large',
        InitialInstanceCount: 2,
        InitialVariantWeight: 0,
      },
    ],
  });
  const updated = await activities.updateEndpoint({ endpointName: endpoint, configName: `${endpoint}-ab` });
  await settled(endpoint);
  return updated;
}

describe('UpdateEndpoint keeps the runtime capacity', () => {
  test("the autoscaled baseline's instances are the same after the A/B update and after the restore, not its config's count", async () => {
    const endpoint = 'cap-retain';
    await autoscaledBaseline(endpoint);
    const original = (await sm.send(new DescribeEndpointCommand({ EndpointName: endpoint }))).EndpointConfigName!;
    const baseline = (await activities.describeEndpointConfig({ configName: original }))!.variants[0];
    expect(baseline.InitialInstanceCount).toBe(1);

    expect(await beside(endpoint)).toBe(true);
    // The weights come from the new config (DesiredWeight excluded from what is retained); the counts are the live ones.
    const ab = await settled(endpoint);
    expect(ab.variants.map((v) => [v.variantName, v.instanceCount, v.currentWeight])).toEqual([
      ['Champion', 3, 100],
      ['Challenger', 2, 0],
    ]);

    expect(await activities.updateEndpoint({ endpointName: endpoint, configName: original })).toBe(true);
    expect(await instances(endpoint)).toEqual({ Champion: 3 });
  });
});

describe('Application Auto Scaling of a variant, under the shipped IAM policy', () => {
  const perInstance = {
    TargetValue: 70,
    PredefinedMetricSpecification: { PredefinedMetricType: 'SageMakerVariantInvocationsPerInstance' as const },
    ScaleInCooldown: 600,
    ScaleOutCooldown: 120,
  };
  const latency = {
    TargetValue: 200_000,
    CustomizedMetricSpecification: {
      MetricName: 'ModelLatency',
      Namespace: 'AWS/SageMaker',
      Dimensions: [
        { Name: 'EndpointName', Value: 'cap-scaling' },
        { Name: 'VariantName', Value: 'Champion' },
      ],
      Statistic: 'Average' as const,
    },
  };

  test('reads the target and its policies, suspends scale-in, copies them to another variant, deregisters', async () => {
    const endpoint = 'cap-scaling';
    await autoscaledBaseline(endpoint);
    expect(await activities.describeVariantScaling({ endpointName: endpoint, variantName: 'Nope' })).toBeNull();
    await aas.send(
      new RegisterScalableTargetCommand({ ...target(endpoint, 'Champion'), MinCapacity: 2, MaxCapacity: 6 }),
    );
    for (const [name, configuration] of [
      ['per-instance', perInstance],
      ['latency', latency],
    ] as const) {
      await aas.send(
        new PutScalingPolicyCommand({
          ...target(endpoint, 'Champion'),
          PolicyName: name,
          PolicyType: 'TargetTrackingScaling',
          TargetTrackingScalingPolicyConfiguration: configuration,
        }),
      );
    }
    const found = await activities.describeVariantScaling({ endpointName: endpoint, variantName: 'Champion' });
    expect(found).toEqual({
      minCapacity: 2,
      maxCapacity: 6,
      suspended: { dynamicScalingIn: false, dynamicScalingOut: false, scheduledScaling: false },
      policies: [
        { policyName: 'per-instance', policyType: 'TargetTrackingScaling', targetTracking: perInstance },
        { policyName: 'latency', policyType: 'TargetTrackingScaling', targetTracking: latency },
      ],
    });

    // Scale-in suspended, nothing else changed.
    const suspended = { ...found!.suspended, dynamicScalingIn: true };
    await activities.registerVariantScaling({
      endpointName: endpoint,
      variantName: 'Champion',
      scaling: { ...found!, suspended },
    });
    const after = await aas.send(
      new DescribeScalableTargetsCommand({
        ServiceNamespace: 'sagemaker',
        ResourceIds: [`endpoint/${endpoint}/variant/Champion`],
      }),
    );
    expect(after.ScalableTargets?.map((t) => [t.MinCapacity, t.MaxCapacity, t.SuspendedState])).toEqual([
      [2, 6, { DynamicScalingInSuspended: true, DynamicScalingOutSuspended: false, ScheduledScalingSuspended: false }],
    ]);

    // Copied to a second variant: the same range, state and policies, the custom metric now naming that variant.
    await beside(endpoint);
    const arns = await activities.registerVariantScaling({
      endpointName: endpoint,
      variantName: 'Challenger',
      scaling: found!,
      policies: found!.policies,
      policiesFrom: 'Champion',
    });
    expect(arns).toHaveLength(2);
    const copied = await aas.send(
      new DescribeScalingPoliciesCommand({
        ServiceNamespace: 'sagemaker',
        ResourceId: `endpoint/${endpoint}/variant/Challenger`,
      }),
    );
    expect(copied.ScalingPolicies?.map((p) => [p.PolicyName, p.PolicyARN])).toEqual([
      ['per-instance', arns[0]],
      ['latency', arns[1]],
    ]);
    expect(copied.ScalingPolicies?.[0].TargetTrackingScalingPolicyConfiguration).toEqual(perInstance);
    expect(copied.ScalingPolicies?.[1].TargetTrackingScalingPolicyConfiguration?.CustomizedMetricSpecification).toEqual(
      {
        ...latency.CustomizedMetricSpecification,
        Dimensions: [
          { Name: 'EndpointName', Value: endpoint },
          { Name: 'VariantName', Value: 'Challenger' },
        ],
      },
    );

    expect(await activities.deregisterVariantScaling({ endpointName: endpoint, variantName: 'Challenger' })).toBe(true);
    expect(await activities.deregisterVariantScaling({ endpointName: endpoint, variantName: 'Challenger' })).toBe(
      false,
    );
    expect(await activities.describeVariantScaling({ endpointName: endpoint, variantName: 'Challenger' })).toBeNull();
  });
});

describe('preflight reads the baseline’s capacity', () => {
  const spec = (endpoint: string, capacity: Record<string, unknown> = {}) =>
    parseSpec({
      endpointName: endpoint,
      baseline: { variantName: 'Champion' },
      candidate: {
        variantName: 'Challenger',
        modelName: `${endpoint}-candidate`,
        image: DEMO_IMAGE,
        modelDataUrl: data.modelUrl('challenger'),
        executionRoleArn: DEMO_ROLE,
      },
      capacity,
    });

  test('its live instance count, its model’s network, and its scaling; capacity.followWeights true on it is refused', async () => {
    const endpoint = 'cap-preflight';
    await autoscaledBaseline(endpoint);
    const plain = await activities.preflight({ spec: spec(endpoint) });
    expect(plain).toMatchObject({
      baselineInstances: 3,
      baselineModel: { enableNetworkIsolation: false },
      baselineScaling: { minCapacity: 3, maxCapacity: 6, policies: [] },
    });
    const refused = await activities.preflight({ spec: spec(endpoint, { followWeights: true }) }).then(
      () => null,
      (err: Error) => err.message,
    );
    expect(refused).toMatch(
      /^capacity\.followWeights: the baseline "Champion" is autoscaled \(min 3, max 6\): its instance count is Application Auto Scaling's to set/,
    );
    // Not autoscaled: no scaling, and followWeights may be asked for.
    await activities.deregisterVariantScaling({ endpointName: endpoint, variantName: 'Champion' });
    const after = await activities.preflight({ spec: spec(endpoint, { followWeights: true }) });
    expect(after.baselineInstances).toBe(3);
    expect(after.baselineScaling).toBeUndefined();
  });
});
