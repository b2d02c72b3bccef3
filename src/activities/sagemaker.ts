// SageMaker control-plane activities. Each is idempotent: it looks before it leaps, so a retry after a lost
// response finds the resource (or the change) the first attempt made instead of failing or doing it twice.
import {
  CreateEndpointCommand,
  CreateEndpointConfigCommand,
  CreateModelCommand,
  DeleteEndpointCommand,
  DeleteEndpointConfigCommand,
  DeleteModelCommand,
  DescribeEndpointCommand,
  DescribeEndpointConfigCommand,
  DescribeModelCommand,
  UpdateEndpointCommand,
  UpdateEndpointWeightsAndCapacitiesCommand,
  type CreateEndpointConfigInput,
  type DescribeEndpointCommandOutput,
  type DescribeEndpointConfigCommandOutput,
  type ProductionVariant,
  type SageMakerClient,
  type Tag,
  type VpcConfig,
} from '@aws-sdk/client-sagemaker';
import { ApplicationFailure, activityInfo } from '@temporalio/activity';
import { awsErrorMessage, rethrowAws, userError } from './aws-errors';
import type { AwsClients } from './clients';
import { endpointWaiter } from './endpoint-wait';
import {
  firstAttemptAt,
  isAlreadyExists,
  isDependencyNotFound,
  isInProgress,
  isNotFound,
  notVisibleYet,
} from './sagemaker-errors';

/** The endpoint as the workflow needs to see it: plain JSON, no Dates. */
export interface EndpointView {
  endpointName: string;
  status: string;
  configName: string;
  failureReason?: string;
  variants: {
    variantName: string;
    currentWeight: number;
    desiredWeight: number;
    /** CurrentInstanceCount: the instances serving now. */
    instanceCount?: number;
    /** DesiredInstanceCount: what an update in progress (or autoscaling) is bringing it to. */
    desiredInstanceCount?: number;
  }[];
}

/** A model from an image and its data, or from a model package version of the Model Registry. */
export type ModelToCreate = {
  modelName: string;
  executionRoleArn: string;
  environment?: Record<string, string>;
  /** [BC-SM] CreateModelInput: the baseline model's unless the spec says otherwise (aws-behaviour.md #11). */
  vpcConfig?: VpcConfig;
  enableNetworkIsolation?: boolean;
} & ({ image: string; modelDataUrl: string } | { modelPackageName: string });

/**
 * Everything CreateEndpointConfig takes besides its name, variants and tags ([BC-SM] CreateEndpointConfigInput):
 * DataCaptureConfig, KmsKeyId, AsyncInferenceConfig, ExplainerConfig, ShadowProductionVariants, ExecutionRoleArn,
 * VpcConfig, EnableNetworkIsolation, MetricsConfig. DescribeEndpointConfig returns them all; a config the rollout
 * builds from the original carries them all, so data capture, encryption, networking and metrics settings survive
 * the A/B, final and restore configs (aws-behaviour.md #5). Tags are not a config field that Describe returns.
 */
export type EndpointConfigSettings = Omit<
  CreateEndpointConfigInput,
  'EndpointConfigName' | 'ProductionVariants' | 'Tags'
>;

export interface EndpointConfigToCreate {
  configName: string;
  variants: ProductionVariant[];
  /** Carried over from the replaced config, so a rollout drops none of its settings. */
  settings?: EndpointConfigSettings;
}

/** The settings of a described config, without its identity (name, ARN, creation time) and variants. */
function settingsOf(out: DescribeEndpointConfigCommandOutput): EndpointConfigSettings {
  const settings: EndpointConfigSettings = {
    DataCaptureConfig: out.DataCaptureConfig,
    KmsKeyId: out.KmsKeyId,
    AsyncInferenceConfig: out.AsyncInferenceConfig,
    ExplainerConfig: out.ExplainerConfig,
    ShadowProductionVariants: out.ShadowProductionVariants,
    ExecutionRoleArn: out.ExecutionRoleArn,
    VpcConfig: out.VpcConfig,
    EnableNetworkIsolation: out.EnableNetworkIsolation,
    MetricsConfig: out.MetricsConfig,
  };
  return Object.fromEntries(Object.entries(settings).filter(([, v]) => v !== undefined)) as EndpointConfigSettings;
}

/**
 * What preflight needs of a model: pipelines (several containers) and multi-model endpoints are refused; the network
 * settings are what a candidate's model takes from the baseline's (aws-behaviour.md #11).
 */
export interface ModelShape {
  containers: number;
  multiModel: boolean;
  vpcConfig?: VpcConfig;
  enableNetworkIsolation?: boolean;
}

export interface SageMakerOptions {
  /** Longest wait between DescribeEndpoint polls. */
  pollIntervalMs?: number;
  /** How long a not-found just after a create is taken for eventual consistency and retried (default 60 s). */
  consistencyWindowMs?: number;
  /** How long an endpoint must stay not found before a wait calls it missing (default 30 s). */
  missingAfterMs?: number;
  /** A wait's deadline from its first attempt (default 60 min, the EndpointInService waiter's 120 × 30 s). */
  waitTimeoutMs?: number;
}

/**
 * Every UpdateEndpoint keeps each same-named variant's live instance count and takes the weights from the new config.
 * By default an update resets every variant to its config's InitialInstanceCount ([BC-SM] UpdateEndpointInput
 * RetainAllVariantProperties: "To use the variant properties specified in a new EndpointConfig … set
 * RetainAllVariantProperties to false. The default is false."), which would "throw away whatever value for desired
 * instance count there is currently at runtime (according the endpoint autoscaling policy)"
 * (aws/sagemaker-python-sdk#3126): a baseline autoscaled to 10 would drop to its config's 2 during the A/B deploy and
 * again on a rollback (aws-behaviour.md #2). The weights are the rollout's to set, so DesiredWeight is excluded
 * ([BC-SM] ExcludeRetainedVariantProperties, VariantPropertyType DesiredWeight).
 */
export const RETAIN_RUNTIME_CAPACITY = {
  RetainAllVariantProperties: true,
  ExcludeRetainedVariantProperties: [{ VariantPropertyType: 'DesiredWeight' as const }],
};

function toEndpointView(out: DescribeEndpointCommandOutput): EndpointView {
  return {
    endpointName: out.EndpointName ?? '',
    status: out.EndpointStatus ?? 'Unknown',
    configName: out.EndpointConfigName ?? '',
    ...(out.FailureReason ? { failureReason: out.FailureReason } : {}),
    variants: (out.ProductionVariants ?? []).map((v) => ({
      variantName: v.VariantName ?? '',
      currentWeight: v.CurrentWeight ?? 0,
      desiredWeight: v.DesiredWeight ?? v.CurrentWeight ?? 0,
      ...(v.CurrentInstanceCount !== undefined ? { instanceCount: v.CurrentInstanceCount } : {}),
      ...(v.DesiredInstanceCount !== undefined ? { desiredInstanceCount: v.DesiredInstanceCount } : {}),
    })),
  };
}

/** Tags on everything a rollout creates, so people (and our cleanup) can tell what it made. */
/** Tags naming the rollout that created a resource; none when called outside an activity (scripts, tests). */
export function rolloutTags(): Tag[] {
  let execution;
  try {
    execution = activityInfo().workflowExecution;
  } catch {
    return [];
  }
  if (!execution) return [];
  return [
    { Key: 'model-rollout:workflow-id', Value: execution.workflowId },
    { Key: 'model-rollout:run-id', Value: execution.runId },
  ];
}

export function sagemakerActivities(clients: AwsClients, options: SageMakerOptions = {}) {
  const sm = (region?: string): SageMakerClient => clients.sagemaker(region);
  const windowMs = options.consistencyWindowMs ?? 60_000;

  async function describeEndpoint(endpointName: string, region?: string): Promise<EndpointView | null> {
    try {
      return toEndpointView(await sm(region).send(new DescribeEndpointCommand({ EndpointName: endpointName })));
    } catch (err) {
      if (isNotFound(err)) return null;
      rethrowAws(err, `DescribeEndpoint ${endpointName}`);
    }
  }

  /** A resource the rollout just created (or refers to) answered not-found: retry within the window from `since`. */
  const notYet = (what: string, since = firstAttemptAt()) => notVisibleYet(what, since, windowMs);

  /**
   * [BC-SM] CreateEndpoint: "call DescribeEndpointConfig before calling CreateEndpoint to minimize the potential impact
   * of a DynamoDB eventually consistent read". The same holds for UpdateEndpoint.
   */
  async function configVisible(configName: string, region?: string): Promise<void> {
    try {
      await sm(region).send(new DescribeEndpointConfigCommand({ EndpointConfigName: configName }));
    } catch (err) {
      if (isNotFound(err)) throw notYet(`endpoint config ${configName}`);
      rethrowAws(err, `DescribeEndpointConfig ${configName}`);
    }
  }

  /** Deleting something the rollout created within the window: a not-found may be the create not visible yet. */
  function deletedOrNotYet(what: string, createdAt: number | undefined): false {
    if (createdAt !== undefined && Date.now() - createdAt < windowMs) throw notYet(what, createdAt);
    return false;
  }

  return {
    describeEndpoint,

    /** An endpoint config's production variants and every other setting, to re-create the baseline exactly. */
    async describeEndpointConfig(input: {
      configName: string;
      region?: string;
    }): Promise<EndpointConfigToCreate | null> {
      try {
        const out = await sm(input.region).send(
          new DescribeEndpointConfigCommand({ EndpointConfigName: input.configName }),
        );
        const settings = settingsOf(out);
        return {
          configName: input.configName,
          variants: out.ProductionVariants ?? [],
          ...(Object.keys(settings).length > 0 ? { settings } : {}),
        };
      } catch (err) {
        if (isNotFound(err)) return null;
        rethrowAws(err, `DescribeEndpointConfig ${input.configName}`);
      }
    },

    /** The model's containers, or null when there is no such model. */
    async describeModel(input: { modelName: string; region?: string }): Promise<ModelShape | null> {
      try {
        const out = await sm(input.region).send(new DescribeModelCommand({ ModelName: input.modelName }));
        const containers = out.Containers && out.Containers.length > 0 ? out.Containers : [out.PrimaryContainer ?? {}];
        return {
          containers: containers.length,
          multiModel: containers.some((c) => c.Mode === 'MultiModel'),
          ...(out.VpcConfig ? { vpcConfig: out.VpcConfig } : {}),
          ...(out.EnableNetworkIsolation !== undefined ? { enableNetworkIsolation: out.EnableNetworkIsolation } : {}),
        };
      } catch (err) {
        if (isNotFound(err)) return null;
        rethrowAws(err, `DescribeModel ${input.modelName}`);
      }
    },

    async createModel(input: ModelToCreate & { region?: string }): Promise<void> {
      try {
        await sm(input.region).send(
          new CreateModelCommand({
            ModelName: input.modelName,
            ExecutionRoleArn: input.executionRoleArn,
            PrimaryContainer:
              'modelPackageName' in input
                ? { ModelPackageName: input.modelPackageName, Environment: input.environment }
                : { Image: input.image, ModelDataUrl: input.modelDataUrl, Environment: input.environment },
            ...(input.vpcConfig ? { VpcConfig: input.vpcConfig } : {}),
            ...(input.enableNetworkIsolation !== undefined
              ? { EnableNetworkIsolation: input.enableNetworkIsolation }
              : {}),
            Tags: rolloutTags(),
          }),
        );
      } catch (err) {
        if (!isAlreadyExists(err)) rethrowAws(err, `CreateModel ${input.modelName}`);
        // A retry after a lost response: accept the model only if it is the one we asked for. Just created, it may
        // not be readable yet.
        let existing;
        try {
          existing = await sm(input.region).send(new DescribeModelCommand({ ModelName: input.modelName }));
        } catch (describeErr) {
          if (isNotFound(describeErr)) throw notYet(`model ${input.modelName}`);
          rethrowAws(describeErr, `DescribeModel ${input.modelName}`);
        }
        const c = existing.PrimaryContainer;
        const same =
          'modelPackageName' in input
            ? c?.ModelPackageName === input.modelPackageName
            : c?.Image === input.image && c?.ModelDataUrl === input.modelDataUrl;
        if (!same) {
          throw userError(
            `model ${input.modelName} already exists with another image or modelDataUrl: give the candidate a new modelName`,
          );
        }
      }
    },

    async createEndpointConfig(input: EndpointConfigToCreate & { region?: string }): Promise<void> {
      try {
        await sm(input.region).send(
          new CreateEndpointConfigCommand({
            ...input.settings,
            EndpointConfigName: input.configName,
            ProductionVariants: input.variants,
            Tags: rolloutTags(),
          }),
        );
      } catch (err) {
        // The candidate's model was created a moment ago: SageMaker may not find it yet ([BC-SM] CreateEndpointConfig).
        if (isDependencyNotFound(err, 'model')) throw notYet(`a model of endpoint config ${input.configName}`);
        if (!isAlreadyExists(err)) rethrowAws(err, `CreateEndpointConfig ${input.configName}`);
        let existing;
        try {
          existing = await sm(input.region).send(
            new DescribeEndpointConfigCommand({ EndpointConfigName: input.configName }),
          );
        } catch (describeErr) {
          if (isNotFound(describeErr)) throw notYet(`endpoint config ${input.configName}`);
          rethrowAws(describeErr, `DescribeEndpointConfig ${input.configName}`);
        }
        const key = (vs: ProductionVariant[]) =>
          vs
            .map((v) => `${v.VariantName}=${v.ModelName}`)
            .sort()
            .join(',');
        if (key(existing.ProductionVariants ?? []) !== key(input.variants)) {
          throw userError(`endpoint config ${input.configName} already exists with other variants`);
        }
      }
    },

    async createEndpoint(input: { endpointName: string; configName: string; region?: string }): Promise<void> {
      const ours = async (): Promise<boolean> => {
        const current = await describeEndpoint(input.endpointName, input.region);
        if (!current) return false;
        if (current.configName === input.configName) return true; // our earlier attempt went through
        throw userError(`endpoint ${input.endpointName} already exists: name its live variant in baseline.variantName`);
      };
      if (await ours()) return;
      await configVisible(input.configName, input.region);
      try {
        await sm(input.region).send(
          new CreateEndpointCommand({
            EndpointName: input.endpointName,
            EndpointConfigName: input.configName,
            Tags: rolloutTags(),
          }),
        );
      } catch (err) {
        // The SDK resends a CreateEndpoint whose answer was lost (ECONNRESET, timeouts: smithy's transient errors),
        // and SageMaker then answers "Cannot create already existing endpoint" (aws/sagemaker-python-sdk#101):
        // accept the endpoint when it is the one we asked for.
        if (isAlreadyExists(err)) {
          if (await ours()) return;
          throw notYet(`endpoint ${input.endpointName}`);
        }
        if (isDependencyNotFound(err, 'endpoint configuration')) throw notYet(`endpoint config ${input.configName}`);
        rethrowAws(err, `CreateEndpoint ${input.endpointName}`);
      }
    },

    /** Points the endpoint at another config. Returns false when it already is (or is being) there. */
    async updateEndpoint(input: { endpointName: string; configName: string; region?: string }): Promise<boolean> {
      const current = await describeEndpoint(input.endpointName, input.region);
      if (!current) throw userError(`endpoint ${input.endpointName} disappeared during the rollout`, 'EndpointMissing');
      if (current.configName === input.configName && current.status !== 'Failed') return false;
      if (current.status === 'Updating' || current.status === 'Creating' || current.status === 'SystemUpdating') {
        // Possibly our own earlier attempt, possibly someone else's change: wait for it and look again.
        throw ApplicationFailure.retryable(`endpoint ${input.endpointName} is ${current.status}; waiting to update it`);
      }
      await configVisible(input.configName, input.region);
      try {
        await sm(input.region).send(
          new UpdateEndpointCommand({
            EndpointName: input.endpointName,
            EndpointConfigName: input.configName,
            ...RETAIN_RUNTIME_CAPACITY,
          }),
        );
      } catch (err) {
        if (isInProgress(err)) {
          throw ApplicationFailure.retryable(`UpdateEndpoint ${input.endpointName}: ${awsErrorMessage(err)}`);
        }
        if (isDependencyNotFound(err, 'endpoint configuration')) throw notYet(`endpoint config ${input.configName}`);
        rethrowAws(err, `UpdateEndpoint ${input.endpointName}`);
      }
      return true;
    },

    /**
     * Sets traffic weights (percentages) and/or instance counts per variant in one UpdateEndpointWeightsAndCapacities
     * ([BC-SM] DesiredWeightAndCapacity). Returns false when the endpoint already has (or is getting) them.
     */
    async setWeights(input: {
      endpointName: string;
      weights?: Record<string, number>;
      instanceCounts?: Record<string, number>;
      region?: string;
    }): Promise<boolean> {
      const current = await describeEndpoint(input.endpointName, input.region);
      if (!current) throw userError(`endpoint ${input.endpointName} disappeared during the rollout`, 'EndpointMissing');
      const weights = Object.entries(input.weights ?? {});
      const counts = Object.entries(input.instanceCounts ?? {});
      const variant = (name: string) => current.variants.find((v) => v.variantName === name);
      const has = (pick: 'desiredWeight' | 'currentWeight') =>
        weights.every(([name, w]) => {
          const v = variant(name);
          return v !== undefined && Math.abs(v[pick] - w) < 1e-9;
        });
      const hasCounts = counts.every(([name, n]) => variant(name)?.desiredInstanceCount === n);
      if (has('desiredWeight') && hasCounts && (current.status === 'InService' || current.status === 'Updating')) {
        return false;
      }
      if (current.status !== 'InService') {
        throw ApplicationFailure.retryable(
          `endpoint ${input.endpointName} is ${current.status}; waiting to set weights`,
        );
      }
      const names = [...new Set([...weights.map(([n]) => n), ...counts.map(([n]) => n)])];
      try {
        await sm(input.region).send(
          new UpdateEndpointWeightsAndCapacitiesCommand({
            EndpointName: input.endpointName,
            DesiredWeightsAndCapacities: names.map((VariantName) => ({
              VariantName,
              ...(input.weights?.[VariantName] !== undefined ? { DesiredWeight: input.weights[VariantName] } : {}),
              ...(input.instanceCounts?.[VariantName] !== undefined
                ? { DesiredInstanceCount: input.instanceCounts[VariantName] }
                : {}),
            })),
          }),
        );
      } catch (err) {
        // Autoscaling may have started an update between the Describe and this call (aws-behaviour.md #7).
        if (isInProgress(err)) {
          throw ApplicationFailure.retryable(
            `UpdateEndpointWeightsAndCapacities ${input.endpointName}: ${awsErrorMessage(err)}`,
          );
        }
        rethrowAws(err, `UpdateEndpointWeightsAndCapacities ${input.endpointName}`);
      }
      return true;
    },

    waitForEndpoint: endpointWaiter(describeEndpoint, {
      maxPollMs: options.pollIntervalMs ?? 5_000,
      missingAfterMs: options.missingAfterMs ?? 30_000,
      timeoutMs: options.waitTimeoutMs ?? 60 * 60_000,
    }),

    /** `createdAt`: when the rollout created the config (epoch ms), so a not-found just after is not "deleted". */
    async deleteEndpointConfig(input: { configName: string; createdAt?: number; region?: string }): Promise<boolean> {
      try {
        await sm(input.region).send(new DeleteEndpointConfigCommand({ EndpointConfigName: input.configName }));
        return true;
      } catch (err) {
        if (isNotFound(err)) return deletedOrNotYet(`endpoint config ${input.configName}`, input.createdAt);
        rethrowAws(err, `DeleteEndpointConfig ${input.configName}`);
      }
    },

    async deleteModel(input: { modelName: string; createdAt?: number; region?: string }): Promise<boolean> {
      try {
        await sm(input.region).send(new DeleteModelCommand({ ModelName: input.modelName }));
        return true;
      } catch (err) {
        if (isNotFound(err)) return deletedOrNotYet(`model ${input.modelName}`, input.createdAt);
        rethrowAws(err, `DeleteModel ${input.modelName}`);
      }
    },

    async deleteEndpoint(input: { endpointName: string; createdAt?: number; region?: string }): Promise<boolean> {
      try {
        await sm(input.region).send(new DeleteEndpointCommand({ EndpointName: input.endpointName }));
        return true;
      } catch (err) {
        if (isNotFound(err)) return deletedOrNotYet(`endpoint ${input.endpointName}`, input.createdAt);
        // [ACK] hooks.go customDeleteEndpoint: "requeueAfter until endpoint is in InService or Failed state before a
        // deleteEndpoint can be called".
        if (isInProgress(err)) {
          throw ApplicationFailure.retryable(`DeleteEndpoint ${input.endpointName}: ${awsErrorMessage(err)}`);
        }
        rethrowAws(err, `DeleteEndpoint ${input.endpointName}`);
      }
    },
  };
}
