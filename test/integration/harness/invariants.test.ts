// The rollout invariant checker (test/harness/invariants.ts) finds what a rollout left behind from the emulator's
// state, not from the rollout's ledger: here it is shown what a careless rollout would leave, and must say so.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateEndpointConfigCommand,
  CreateModelCommand,
  DeleteEndpointConfigCommand,
  DeleteModelCommand,
  type SageMakerClient,
} from '@aws-sdk/client-sagemaker';
import { startEmulator, type RunningEmulator } from '../../../src/emulator';
import { EmulatorAdmin } from '../../../src/emulator/admin-client';
import {
  DEMO_IMAGE,
  DEMO_ROLE,
  deployBaseline,
  emulatorSageMaker,
  stageDemoData,
} from '../../../src/local/local-stack';
import { beforeRollout, checkRolloutInvariants, type BeforeRollout } from '../../harness/invariants';

let emulator: RunningEmulator;
let stack: { sm: SageMakerClient; admin: EmulatorAdmin };
let dataDir: string;
let data: ReturnType<typeof stageDemoData>;
let seq = 0;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'invariants-it-'));
  data = stageDemoData(dataDir);
  emulator = await startEmulator({
    port: 0,
    dataDir,
    config: { delays: { createMs: 20, updateMs: 20, deleteMs: 20 } },
  });
  stack = { sm: emulatorSageMaker(emulator.url), admin: new EmulatorAdmin(emulator.url) };
});

afterAll(async () => {
  await emulator?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

/** An endpoint serving the champion as "Champion", and the state before a rollout of `candidate` on it. */
async function seeded(): Promise<{ endpointName: string; candidate: string; before: BeforeRollout }> {
  const endpointName = `inv-${++seq}`;
  await deployBaseline(stack.sm, {
    endpointName,
    variantName: 'Champion',
    modelName: `${endpointName}-champion`,
    modelDataUrl: data.modelUrl('champion'),
  });
  const candidate = `${endpointName}-candidate`;
  return {
    endpointName,
    candidate,
    before: await beforeRollout(stack.admin, { endpointName, candidate: { modelName: candidate } }),
  };
}

async function createModel(name: string): Promise<void> {
  await stack.sm.send(
    new CreateModelCommand({
      ModelName: name,
      ExecutionRoleArn: DEMO_ROLE,
      PrimaryContainer: { Image: DEMO_IMAGE, ModelDataUrl: data.modelUrl('challenger') },
    }),
  );
}

async function createConfig(name: string, models: Record<string, string>): Promise<void> {
  await stack.sm.send(
    new CreateEndpointConfigCommand({
      EndpointConfigName: name,
      ProductionVariants: Object.entries(models).map(([VariantName, ModelName]) => ({
        VariantName,
        ModelName,
        InstanceType: 'ml.m5.large',
        InitialInstanceCount: 1,
        InitialVariantWeight: 1,
      })),
    }),
  );
}

const served = (endpointName: string, servingVariant: string) => ({ endpointName, servingVariant });

test('an endpoint left as it was passes, and the report names what serves', async () => {
  const { endpointName, before } = await seeded();
  await expect(checkRolloutInvariants(stack, before, served(endpointName, 'Champion'), 'Champion')).resolves.toEqual({
    servingVariant: 'Champion',
    servingModel: `${endpointName}-champion`,
    configName: `${endpointName}-initial`,
  });
  await expect(checkRolloutInvariants(stack, before, served(endpointName, 'Champion'), 'Challenger')).rejects.toThrow(
    `endpoint ${endpointName} serves Champion, expected Challenger`,
  );
  await expect(checkRolloutInvariants(stack, before, served(endpointName, 'Champion'), null)).rejects.toThrow(
    'should have deleted it',
  );
});

test('a config and a model the rollout made and no longer uses are found without its ledger', async () => {
  const { endpointName, candidate, before } = await seeded();
  await createModel(candidate);
  await createConfig(`${endpointName}-ab`, { Champion: `${endpointName}-champion`, Challenger: candidate });
  // Someone else's config appearing meanwhile (a rollout of another endpoint) is not this rollout's.
  await createModel(`${endpointName}-elsewhere`);
  await createConfig(`${endpointName}-elsewhere`, { Other: `${endpointName}-elsewhere` });
  await expect(checkRolloutInvariants(stack, before, served(endpointName, 'Champion'), 'Champion')).rejects.toThrow(
    `rollout of ${endpointName} left behind: endpoint config ${endpointName}-ab, model ${candidate}`,
  );
  await stack.sm.send(new DeleteEndpointConfigCommand({ EndpointConfigName: `${endpointName}-ab` }));
  await stack.sm.send(new DeleteModelCommand({ ModelName: candidate }));
  await expect(
    checkRolloutInvariants(stack, before, served(endpointName, 'Champion'), 'Champion'),
  ).resolves.toBeTruthy();
});

test('a model the endpoint served before must survive the rollout', async () => {
  const { endpointName, before } = await seeded();
  await stack.sm.send(new DeleteModelCommand({ ModelName: `${endpointName}-champion` }));
  await expect(checkRolloutInvariants(stack, before, served(endpointName, 'Champion'), 'Champion')).rejects.toThrow(
    `serves Champion from model ${endpointName}-champion, which no longer exists`,
  );
});

test("the result's claim of what serves is held against the endpoint", async () => {
  const { endpointName, before } = await seeded();
  await expect(checkRolloutInvariants(stack, before, served(endpointName, 'Challenger'), 'Champion')).rejects.toThrow(
    'the result says Challenger serves, but the endpoint serves Champion',
  );
});
