// The safety invariant every rollout must leave behind, however it ended, read from the emulator and through the AWS
// SDK, never from the rollout's own ledger (`result.resources`): a rollout that forgot to record something it made
// must not be able to hide it.
//   1. the endpoint is InService and serves 100% of traffic from exactly one variant (the expected one) and has no
//      shadow variant, or, for a first deployment rolled back, it is gone;
//   2. nothing the rollout created is left over: every model and endpoint config that appeared while it ran and
//      serves its candidate or its baseline is deleted, or in use by the endpoint;
//   3. nothing it did not create is gone: the models the endpoint served before, and a candidate model that existed
//      before, still exist.
// What the rollout created is found by difference: the emulator's state before the rollout (beforeRollout) and
// after. Tests may run rollouts side by side on one emulator, so a new resource counts as this rollout's only when it
// names this rollout's candidate model or one of the models the endpoint served before (each test seeds its own).
import {
  DescribeEndpointCommand,
  DescribeEndpointConfigCommand,
  DescribeModelCommand,
  type SageMakerClient,
} from '@aws-sdk/client-sagemaker';
import type { EmulatorAdmin } from '../../src/emulator/admin-client';
import type { RolloutResult } from '../../src/workflows/shared';

export interface BeforeRollout {
  endpointName: string;
  region: string;
  /** The candidate's model as the spec names it. */
  candidateModel: string;
  models: string[];
  endpointConfigs: string[];
  /** The models the endpoint served before the rollout (none for a first deployment). */
  originalModels: string[];
}

export interface InvariantReport {
  servingVariant: string | null;
  servingModel: string | null;
  configName: string | null;
}

interface Stack {
  sm: SageMakerClient;
  admin: EmulatorAdmin;
}

/** The emulator's state before a rollout of `spec` starts: take it after seeding, before starting. */
export async function beforeRollout(
  admin: EmulatorAdmin,
  spec: { endpointName: string; region?: string; candidate: { modelName: string } },
): Promise<BeforeRollout> {
  const region = spec.region ?? 'us-east-1';
  const state = await admin.state();
  const endpoint = state.endpoints.find((e) => e.region === region && e.endpointName === spec.endpointName);
  const config =
    endpoint && state.endpointConfigs.find((c) => c.region === region && c.configName === endpoint.configName);
  return {
    endpointName: spec.endpointName,
    region,
    candidateModel: spec.candidate.modelName,
    models: state.models.filter((m) => m.region === region).map((m) => m.modelName),
    endpointConfigs: state.endpointConfigs.filter((c) => c.region === region).map((c) => c.configName),
    originalModels: config?.variants.map((v) => v.modelName) ?? [],
  };
}

function isNotFound(err: unknown): boolean {
  return (
    /not found|could not find|does not exist/i.test(String((err as Error).message)) ||
    (err as Error).name === 'ResourceNotFound'
  );
}

async function exists(call: () => Promise<unknown>): Promise<boolean> {
  try {
    await call();
    return true;
  } catch (err) {
    if (isNotFound(err)) return false;
    throw err;
  }
}

/**
 * Checks the invariant after a rollout ended. `expectServing` is the variant that must serve 100%, or null when the
 * endpoint must be gone (a first deployment rolled back).
 */
export async function checkRolloutInvariants(
  stack: Stack,
  before: BeforeRollout,
  result: Pick<RolloutResult, 'endpointName' | 'servingVariant'>,
  expectServing: string | null,
): Promise<InvariantReport> {
  const { sm, admin } = stack;
  const name = before.endpointName;
  if (result.endpointName !== name) throw new Error(`the result names endpoint ${result.endpointName}, not ${name}`);
  let report: InvariantReport = { servingVariant: null, servingModel: null, configName: null };
  if (expectServing === null) {
    if (await exists(() => sm.send(new DescribeEndpointCommand({ EndpointName: name })))) {
      throw new Error(`endpoint ${name} still exists; the rolled-back first deployment should have deleted it`);
    }
  } else {
    report = await checkServing(sm, name, expectServing);
    if (result.servingVariant !== expectServing) {
      throw new Error(`the result says ${result.servingVariant} serves, but the endpoint serves ${expectServing}`);
    }
  }

  const state = await admin.state();
  const inRegion = <T extends { region: string }>(items: T[]) => items.filter((i) => i.region === before.region);
  const ours = new Set([before.candidateModel, ...before.originalModels]);
  const leftovers: string[] = [];
  for (const config of inRegion(state.endpointConfigs)) {
    const created = !before.endpointConfigs.includes(config.configName);
    if (created && config.configName !== report.configName && config.variants.some((v) => ours.has(v.modelName))) {
      leftovers.push(`endpoint config ${config.configName}`);
    }
  }
  const models = inRegion(state.models).map((m) => m.modelName);
  const usedModels = inRegion(state.endpointConfigs)
    .filter((c) => c.configName === report.configName)
    .flatMap((c) => c.variants.map((v) => v.modelName));
  const candidateCreated = !before.models.includes(before.candidateModel);
  if (candidateCreated && models.includes(before.candidateModel) && !usedModels.includes(before.candidateModel)) {
    leftovers.push(`model ${before.candidateModel}`);
  }
  if (leftovers.length > 0) throw new Error(`rollout of ${name} left behind: ${leftovers.join(', ')}`);

  const kept = [...before.originalModels, ...(candidateCreated ? [] : [before.candidateModel])];
  const lost = kept.filter((m) => !models.includes(m));
  if (lost.length > 0) throw new Error(`rollout of ${name} deleted models it did not create: ${lost.join(', ')}`);
  return report;
}

/** The endpoint is InService with exactly one variant, `expected`, at a positive weight, on models that exist. */
async function checkServing(sm: SageMakerClient, name: string, expected: string): Promise<InvariantReport> {
  const endpoint = await sm.send(new DescribeEndpointCommand({ EndpointName: name }));
  const variants = endpoint.ProductionVariants ?? [];
  const listed = variants.map((v) => `${v.VariantName}=${v.CurrentWeight}`).join(', ');
  if (endpoint.EndpointStatus !== 'InService') {
    throw new Error(`endpoint ${name} is ${endpoint.EndpointStatus}, not InService`);
  }
  const serving = variants.filter((v) => (v.CurrentWeight ?? 0) > 0);
  if (serving.length !== 1) throw new Error(`endpoint ${name} serves from ${serving.length} variants: ${listed}`);
  // A variant at weight 0 still holds instances (and costs money): the loser must be gone, not just idle.
  if (variants.length !== 1) throw new Error(`endpoint ${name} still has ${variants.length} variants: ${listed}`);
  // So must a shadow variant: it answers no caller, yet runs (and bills) its own fleet.
  const shadows = (endpoint.ShadowProductionVariants ?? []).map((v) => v.VariantName);
  if (shadows.length > 0) throw new Error(`endpoint ${name} still has shadow variant(s) ${shadows.join(', ')}`);
  if (serving[0].VariantName !== expected) {
    throw new Error(`endpoint ${name} serves ${serving[0].VariantName}, expected ${expected}`);
  }
  const configName = endpoint.EndpointConfigName!;
  const config = await sm.send(new DescribeEndpointConfigCommand({ EndpointConfigName: configName }));
  const servingModel = (config.ProductionVariants ?? []).find((v) => v.VariantName === expected)?.ModelName ?? '';
  if (!(await exists(() => sm.send(new DescribeModelCommand({ ModelName: servingModel }))))) {
    throw new Error(`endpoint ${name} serves ${expected} from model ${servingModel}, which no longer exists`);
  }
  return { servingVariant: expected, servingModel, configName };
}
