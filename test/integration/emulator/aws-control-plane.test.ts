// The SageMaker control plane in the emulator's aws profile, through the real SDK client, time-scaled: eventual
// consistency of new models and configs, a new fleet per update beside the serving one, instance quotas answered
// with ResourceLimitExceeded, retained variant properties, and capacity changes that take provisioning time.
import {
  CreateEndpointCommand,
  CreateEndpointConfigCommand,
  CreateModelCommand,
  DescribeEndpointCommand,
  DescribeEndpointConfigCommand,
  DescribeModelCommand,
  type ProductionVariant,
  UpdateEndpointCommand,
  UpdateEndpointWeightsAndCapacitiesCommand,
} from '@aws-sdk/client-sagemaker';
import { InvokeEndpointCommand } from '@aws-sdk/client-sagemaker-runtime';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmulator, type EmulatorConfig, type RunningEmulator } from '../../../src/emulator';
import { EmulatorAdmin } from '../../../src/emulator/admin-client';
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

const arn = (kind: string, name: string) => `arn:aws:sagemaker:us-east-1:123456789012:${kind}/${name}`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const ROW = '13,30.94,0,1,1,3,199.8,7';

interface Stack {
  emulator: RunningEmulator;
  c: ReturnType<typeof clientsFor>;
  close(): Promise<void>;
}
const stacks: Stack[] = [];
async function start(config: EmulatorConfig): Promise<Stack> {
  const dataDir = mkdtempSync(join(tmpdir(), 'emulator-aws-'));
  stageChurn(dataDir);
  const emulator = await startEmulator({ port: 0, dataDir, config: { profile: 'aws', ...config } });
  const stack: Stack = {
    emulator,
    c: clientsFor(emulator.url, ADMIN_CREDENTIALS),
    async close() {
      stack.c.destroy();
      await emulator.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  stacks.push(stack);
  return stack;
}
afterAll(async () => {
  for (const s of stacks) await s.close();
});

function variant(name: string, model: string, extra: Partial<ProductionVariant> = {}): ProductionVariant {
  return {
    VariantName: name,
    ModelName: model,
    InstanceType: 'ml.m5.xlarge',
    InitialInstanceCount: 1,
    InitialVariantWeight: 1,
    ...extra,
  };
}

/** Retries `fn` while it answers "Could not find" (the consistency window), as AWS advises callers to. */
async function whenVisible<T>(fn: () => Promise<T>, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      if (!/Could not find/.test((err as Error).message) || Date.now() > deadline) throw err;
      await sleep(10);
    }
  }
}

async function model(s: Stack, name: string, artifact = 'champion'): Promise<void> {
  await s.c.sm.send(
    new CreateModelCommand({
      ModelName: name,
      ExecutionRoleArn: ROLE,
      PrimaryContainer: { Image: XGB_IMAGE, ModelDataUrl: modelUrl(artifact) },
    }),
  );
}

async function config(s: Stack, name: string, variants: ProductionVariant[]): Promise<void> {
  await whenVisible(() =>
    s.c.sm.send(new CreateEndpointConfigCommand({ EndpointConfigName: name, ProductionVariants: variants })),
  );
}

async function endpoint(s: Stack, name: string, configName: string): Promise<void> {
  await whenVisible(() =>
    s.c.sm.send(new CreateEndpointCommand({ EndpointName: name, EndpointConfigName: configName })),
  );
  await waitForStatus(s.c.sm, name);
}

describe('eventual consistency', () => {
  let s: Stack;
  beforeAll(async () => {
    // A 250 ms window: long enough to land calls inside it, short enough to wait out.
    s = await start({ timeScale: 0.001, awsBehaviour: { consistencySeconds: 250 } });
  });

  test('a new model is not found by Describe or by a config naming it, then it is', async () => {
    await model(s, 'ec-model');
    const described = await errorOf(() => s.c.sm.send(new DescribeModelCommand({ ModelName: 'ec-model' })));
    expect([described.name, described.message]).toEqual([
      'ValidationException',
      `Could not find model "${arn('model', 'ec-model')}".`,
    ]);
    const named = await errorOf(() =>
      s.c.sm.send(
        new CreateEndpointConfigCommand({
          EndpointConfigName: 'ec-config',
          ProductionVariants: [variant('A', 'ec-model')],
        }),
      ),
    );
    expect(named.message).toBe(`Could not find model "${arn('model', 'ec-model')}".`);
    // The write is not eventually consistent: a second create of the same name is refused at once.
    const again = await errorOf(() => model(s, 'ec-model'));
    expect(again.message).toBe(`Cannot create already existing model "${arn('model', 'ec-model')}".`);
    await sleep(300);
    expect((await s.c.sm.send(new DescribeModelCommand({ ModelName: 'ec-model' }))).ModelName).toBe('ec-model');
  });

  test('a config used right after its creation is not found, then found', async () => {
    await model(s, 'ec-model-2');
    await config(s, 'ec-config-2', [variant('A', 'ec-model-2')]);
    const create = () =>
      s.c.sm.send(new CreateEndpointCommand({ EndpointName: 'ec-endpoint', EndpointConfigName: 'ec-config-2' }));
    const notYet = await errorOf(create);
    expect([notYet.name, notYet.message]).toEqual([
      'ValidationException',
      `Could not find endpoint configuration "${arn('endpoint-config', 'ec-config-2')}".`,
    ]);
    const described = await errorOf(() =>
      s.c.sm.send(new DescribeEndpointConfigCommand({ EndpointConfigName: 'ec-config-2' })),
    );
    expect(described.message).toBe(`Could not find endpoint configuration "${arn('endpoint-config', 'ec-config-2')}".`);
    await sleep(300);
    await create();
    expect((await waitForStatus(s.c.sm, 'ec-endpoint')).EndpointStatus).toBe('InService');
  });
});

describe('fleets and instance quotas', () => {
  let s: Stack;
  beforeAll(async () => {
    // ml.m5.xlarge fleets take 300 AWS seconds: 1.2 s here.
    s = await start({ timeScale: 0.004, quotas: { 'ml.m5.xlarge': 4 }, awsBehaviour: { consistencySeconds: 0 } });
    await model(s, 'q-champion');
    await model(s, 'q-challenger', 'challenger');
    await config(s, 'q-two', [variant('Champion', 'q-champion', { InitialInstanceCount: 2 })]);
    await endpoint(s, 'quota', 'q-two');
  });

  test('an update beyond the quota answers ResourceLimitExceeded at once and leaves the endpoint as it was', async () => {
    await config(s, 'q-three', [variant('Champion', 'q-challenger', { InitialInstanceCount: 3 })]);
    const before = await s.c.sm.send(new DescribeEndpointCommand({ EndpointName: 'quota' }));
    const refused = await errorOf(() =>
      s.c.sm.send(new UpdateEndpointCommand({ EndpointName: 'quota', EndpointConfigName: 'q-three' })),
    );
    expect(refused.name).toBe('ResourceLimitExceeded');
    expect(refused.$metadata?.httpStatusCode).toBe(400);
    expect(refused.message).toBe(
      "The account-level service limit 'ml.m5.xlarge for endpoint usage' is 4 Instances, with current utilization of " +
        '2 Instances and a request delta of 3 Instances. Please use AWS Service Quotas to request an increase for ' +
        'this quota. If AWS Service Quotas is not available, contact AWS support to request an increase for this quota.',
    );
    const after = await s.c.sm.send(new DescribeEndpointCommand({ EndpointName: 'quota' }));
    expect(after.EndpointStatus).toBe('InService');
    expect(after.EndpointConfigName).toBe('q-two');
    expect(after.PendingDeploymentSummary).toBeUndefined();
    expect(after.ProductionVariants).toEqual(before.ProductionVariants);

    const scale = await errorOf(() =>
      s.c.sm.send(
        new UpdateEndpointWeightsAndCapacitiesCommand({
          EndpointName: 'quota',
          DesiredWeightsAndCapacities: [{ VariantName: 'Champion', DesiredInstanceCount: 5 }],
        }),
      ),
    );
    expect(scale.message).toContain('with current utilization of 2 Instances and a request delta of 3 Instances');
    expect((await s.c.sm.send(new DescribeEndpointCommand({ EndpointName: 'quota' }))).EndpointStatus).toBe(
      'InService',
    );
  });

  test('an update brings up a new fleet beside the serving one, which keeps serving until the new one is InService', async () => {
    await config(s, 'q-ab', [
      variant('Champion', 'q-champion', { InitialInstanceCount: 1 }),
      variant('Challenger', 'q-challenger', { InitialInstanceCount: 1, InitialVariantWeight: 0 }),
    ]);
    const started = Date.now();
    await s.c.sm.send(new UpdateEndpointCommand({ EndpointName: 'quota', EndpointConfigName: 'q-ab' }));
    const during = await s.c.sm.send(new DescribeEndpointCommand({ EndpointName: 'quota' }));
    expect(during.EndpointStatus).toBe('Updating');
    expect(during.EndpointConfigName).toBe('q-ab');
    expect(during.ProductionVariants?.map((v) => [v.VariantName, v.CurrentInstanceCount])).toEqual([['Champion', 2]]);
    const pending = during.PendingDeploymentSummary!;
    expect(pending.EndpointConfigName).toBe('q-ab');
    expect(
      pending.ProductionVariants?.map((v) => [
        v.VariantName,
        v.InstanceType,
        v.CurrentInstanceCount,
        v.DesiredInstanceCount,
        v.DesiredWeight,
        v.VariantStatus?.[0]?.Status,
      ]),
    ).toEqual([
      ['Champion', 'ml.m5.xlarge', 0, 1, 1, 'Creating'],
      ['Challenger', 'ml.m5.xlarge', 0, 1, 0, 'Creating'],
    ]);
    // Old (2) and new (2) fleets together fill the quota of 4: nothing more fits until the old one is gone.
    await config(s, 'q-one', [variant('Solo', 'q-champion')]);
    const full = await errorOf(() =>
      s.c.sm.send(new CreateEndpointCommand({ EndpointName: 'quota-2', EndpointConfigName: 'q-one' })),
    );
    expect(full.message).toContain('with current utilization of 4 Instances and a request delta of 1 Instances');
    // Traffic meanwhile is served by the old fleet.
    const served = await s.c.runtime.send(
      new InvokeEndpointCommand({ EndpointName: 'quota', ContentType: 'text/csv', Body: ROW }),
    );
    expect(served.InvokedProductionVariant).toBe('Champion');

    const done = await waitForStatus(s.c.sm, 'quota');
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000); // 300 AWS seconds × 0.004, less timer slack
    expect(done.EndpointStatus).toBe('InService');
    expect(done.PendingDeploymentSummary).toBeUndefined();
    expect(done.ProductionVariants?.map((v) => [v.VariantName, v.CurrentInstanceCount, v.CurrentWeight])).toEqual([
      ['Champion', 1, 1],
      ['Challenger', 1, 0],
    ]);
    // With the old fleet gone there is room again.
    await s.c.sm.send(new CreateEndpointCommand({ EndpointName: 'quota-2', EndpointConfigName: 'q-one' }));
  });
});

describe('retained variant properties and capacity changes', () => {
  let s: Stack;
  const describe = () => s.c.sm.send(new DescribeEndpointCommand({ EndpointName: 'retain' }));
  const variants = async () =>
    (await describe()).ProductionVariants?.map((v) => [v.VariantName, v.CurrentWeight, v.CurrentInstanceCount]);

  beforeAll(async () => {
    s = await start({
      timeScale: 0.002,
      awsBehaviour: { consistencySeconds: 0, weightChangeSeconds: 10, scaleInSeconds: 20 },
    });
    await model(s, 'r-model');
    await config(s, 'r-1', [variant('Champion', 'r-model')]);
    await config(s, 'r-2', [variant('Champion', 'r-model')]);
    await endpoint(s, 'retain', 'r-1');
  });

  test('DesiredInstanceCount scales the variant: Updating, new instances after the provisioning time, weights sooner', async () => {
    await s.c.sm.send(
      new UpdateEndpointWeightsAndCapacitiesCommand({
        EndpointName: 'retain',
        DesiredWeightsAndCapacities: [{ VariantName: 'Champion', DesiredWeight: 0.5, DesiredInstanceCount: 3 }],
      }),
    );
    const at = await describe();
    expect(at.EndpointStatus).toBe('Updating');
    expect(at.ProductionVariants?.[0]).toMatchObject({
      DesiredInstanceCount: 3,
      CurrentInstanceCount: 1,
      DesiredWeight: 0.5,
    });
    await sleep(100); // past the weight change (20 ms), well before the fleet (600 ms)
    expect(await variants()).toEqual([['Champion', 0.5, 1]]);
    expect((await describe()).EndpointStatus).toBe('Updating');
    expect((await waitForStatus(s.c.sm, 'retain')).ProductionVariants?.[0]).toMatchObject({
      CurrentInstanceCount: 3,
      DesiredInstanceCount: 3,
      CurrentWeight: 0.5,
    });
  });

  test("RetainAllVariantProperties keeps the live weight and count; ExcludeRetainedVariantProperties takes the config's", async () => {
    await s.c.sm.send(
      new UpdateEndpointCommand({
        EndpointName: 'retain',
        EndpointConfigName: 'r-2',
        RetainAllVariantProperties: true,
      }),
    );
    expect((await describe()).PendingDeploymentSummary?.ProductionVariants?.[0]).toMatchObject({
      DesiredInstanceCount: 3,
      DesiredWeight: 0.5,
    });
    await waitForStatus(s.c.sm, 'retain');
    expect(await variants()).toEqual([['Champion', 0.5, 3]]);

    await s.c.sm.send(
      new UpdateEndpointCommand({
        EndpointName: 'retain',
        EndpointConfigName: 'r-1',
        RetainAllVariantProperties: true,
        ExcludeRetainedVariantProperties: [{ VariantPropertyType: 'DesiredWeight' }],
      }),
    );
    await waitForStatus(s.c.sm, 'retain');
    expect(await variants()).toEqual([['Champion', 1, 3]]);

    // The default (false): the config's InitialInstanceCount and InitialVariantWeight.
    await s.c.sm.send(
      new UpdateEndpointWeightsAndCapacitiesCommand({
        EndpointName: 'retain',
        DesiredWeightsAndCapacities: [{ VariantName: 'Champion', DesiredWeight: 0.25 }],
      }),
    );
    await waitForStatus(s.c.sm, 'retain');
    await s.c.sm.send(new UpdateEndpointCommand({ EndpointName: 'retain', EndpointConfigName: 'r-2' }));
    await waitForStatus(s.c.sm, 'retain');
    expect(await variants()).toEqual([['Champion', 1, 1]]);
  });

  test('an accepted capacity change that fails: InService on the old weights and count, FailureReason until the next update', async () => {
    const admin = new EmulatorAdmin(s.emulator.url);
    await admin.patchFaults({ endpoints: { retain: { capacityUpdateFails: 'Insufficient capacity (test)' } } });
    await s.c.sm.send(
      new UpdateEndpointWeightsAndCapacitiesCommand({
        EndpointName: 'retain',
        DesiredWeightsAndCapacities: [{ VariantName: 'Champion', DesiredWeight: 0.5, DesiredInstanceCount: 2 }],
      }),
    );
    expect((await describe()).EndpointStatus).toBe('Updating');
    const failed = await waitForStatus(s.c.sm, 'retain');
    expect([failed.EndpointStatus, failed.FailureReason]).toEqual(['InService', 'Insufficient capacity (test)']);
    expect(failed.ProductionVariants?.[0]).toMatchObject({
      CurrentWeight: 1,
      DesiredWeight: 1,
      CurrentInstanceCount: 1,
      DesiredInstanceCount: 1,
    });
    // The fault is spent: the same change again succeeds, and the FailureReason is gone with the new update.
    await s.c.sm.send(
      new UpdateEndpointWeightsAndCapacitiesCommand({
        EndpointName: 'retain',
        DesiredWeightsAndCapacities: [{ VariantName: 'Champion', DesiredInstanceCount: 2 }],
      }),
    );
    expect((await describe()).FailureReason).toBeUndefined();
    const done = await waitForStatus(s.c.sm, 'retain');
    expect([done.EndpointStatus, done.FailureReason, done.ProductionVariants?.[0]?.CurrentInstanceCount]).toEqual([
      'InService',
      undefined,
      2,
    ]);
  });
});
