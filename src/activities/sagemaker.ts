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
  type DataCaptureConfig,
  type DescribeEndpointCommandOutput,
  type ProductionVariant,
  type SageMakerClient,
  type Tag,
} from '@aws-sdk/client-sagemaker';
import { ApplicationFailure, heartbeat, sleep, activityInfo } from '@temporalio/activity';
import { aws, awsErrorMessage, awsErrorName, rethrowAws, userError } from './aws-errors';
import type { AwsClients } from './clients';

/**
 * Endpoint statuses on their way somewhere else: wait for them to settle. Deleting ends with the endpoint gone (the
 * wait then returns null), or Failed (EndpointStatus, botocore sagemaker service-2.json).
 */
function isEndpointChanging(status: string): boolean {
  return ['Creating', 'Updating', 'SystemUpdating', 'RollingBack', 'UpdateRollbackFailed', 'Deleting'].includes(status);
}

/** The endpoint as the workflow needs to see it: plain JSON, no Dates. */
export interface EndpointView {
  endpointName: string;
  status: string;
  configName: string;
  failureReason?: string;
  variants: { variantName: string; currentWeight: number; desiredWeight: number; instanceCount?: number }[];
}

export interface ModelToCreate {
  modelName: string;
  image: string;
  modelDataUrl: string;
  executionRoleArn: string;
  environment?: Record<string, string>;
}

export interface EndpointConfigToCreate {
  configName: string;
  variants: ProductionVariant[];
  /** Carried over from the replaced config so a rollout does not silently drop data capture or encryption. */
  dataCaptureConfig?: DataCaptureConfig;
  kmsKeyId?: string;
}

const NOT_FOUND = /could not find|does not exist|not found/i;

function isNotFound(err: unknown): boolean {
  const name = awsErrorName(err);
  return name === 'ResourceNotFound' || (name === 'ValidationException' && NOT_FOUND.test(awsErrorMessage(err)));
}

function isAlreadyExists(err: unknown): boolean {
  return awsErrorName(err) === 'ValidationException' && /already exist/i.test(awsErrorMessage(err));
}

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

export function sagemakerActivities(clients: AwsClients, options: { pollIntervalMs?: number } = {}) {
  const sm = (region?: string): SageMakerClient => clients.sagemaker(region);
  const maxPollMs = options.pollIntervalMs ?? 5_000;

  async function describeEndpoint(endpointName: string, region?: string): Promise<EndpointView | null> {
    try {
      return toEndpointView(await sm(region).send(new DescribeEndpointCommand({ EndpointName: endpointName })));
    } catch (err) {
      if (isNotFound(err)) return null;
      rethrowAws(err, `DescribeEndpoint ${endpointName}`);
    }
  }

  return {
    describeEndpoint,

    /** The production variants and extras of an endpoint config, to re-create the baseline exactly. */
    async describeEndpointConfig(input: {
      configName: string;
      region?: string;
    }): Promise<EndpointConfigToCreate | null> {
      try {
        const out = await sm(input.region).send(
          new DescribeEndpointConfigCommand({ EndpointConfigName: input.configName }),
        );
        return {
          configName: input.configName,
          variants: out.ProductionVariants ?? [],
          ...(out.DataCaptureConfig ? { dataCaptureConfig: out.DataCaptureConfig } : {}),
          ...(out.KmsKeyId ? { kmsKeyId: out.KmsKeyId } : {}),
        };
      } catch (err) {
        if (isNotFound(err)) return null;
        rethrowAws(err, `DescribeEndpointConfig ${input.configName}`);
      }
    },

    async modelExists(input: { modelName: string; region?: string }): Promise<boolean> {
      try {
        await sm(input.region).send(new DescribeModelCommand({ ModelName: input.modelName }));
        return true;
      } catch (err) {
        if (isNotFound(err)) return false;
        rethrowAws(err, `DescribeModel ${input.modelName}`);
      }
    },

    async createModel(input: ModelToCreate & { region?: string }): Promise<void> {
      try {
        await sm(input.region).send(
          new CreateModelCommand({
            ModelName: input.modelName,
            ExecutionRoleArn: input.executionRoleArn,
            PrimaryContainer: { Image: input.image, ModelDataUrl: input.modelDataUrl, Environment: input.environment },
            Tags: rolloutTags(),
          }),
        );
      } catch (err) {
        if (!isAlreadyExists(err)) rethrowAws(err, `CreateModel ${input.modelName}`);
        // A retry after a lost response: accept the model only if it is the one we asked for.
        const existing = await aws(`DescribeModel ${input.modelName}`, () =>
          sm(input.region).send(new DescribeModelCommand({ ModelName: input.modelName })),
        );
        const c = existing.PrimaryContainer;
        if (c?.Image !== input.image || c?.ModelDataUrl !== input.modelDataUrl) {
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
            EndpointConfigName: input.configName,
            ProductionVariants: input.variants,
            ...(input.dataCaptureConfig ? { DataCaptureConfig: input.dataCaptureConfig } : {}),
            ...(input.kmsKeyId ? { KmsKeyId: input.kmsKeyId } : {}),
            Tags: rolloutTags(),
          }),
        );
      } catch (err) {
        if (!isAlreadyExists(err)) rethrowAws(err, `CreateEndpointConfig ${input.configName}`);
        const existing = await aws(`DescribeEndpointConfig ${input.configName}`, () =>
          sm(input.region).send(new DescribeEndpointConfigCommand({ EndpointConfigName: input.configName })),
        );
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
      const current = await describeEndpoint(input.endpointName, input.region);
      if (current) {
        if (current.configName === input.configName) return; // our earlier attempt went through
        throw userError(`endpoint ${input.endpointName} already exists: name its live variant in baseline.variantName`);
      }
      await aws(`CreateEndpoint ${input.endpointName}`, () =>
        sm(input.region).send(
          new CreateEndpointCommand({
            EndpointName: input.endpointName,
            EndpointConfigName: input.configName,
            Tags: rolloutTags(),
          }),
        ),
      );
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
      try {
        await sm(input.region).send(
          new UpdateEndpointCommand({ EndpointName: input.endpointName, EndpointConfigName: input.configName }),
        );
      } catch (err) {
        if (/in-progress|is updating|cannot update/i.test(awsErrorMessage(err))) {
          throw ApplicationFailure.retryable(`UpdateEndpoint ${input.endpointName}: ${awsErrorMessage(err)}`);
        }
        rethrowAws(err, `UpdateEndpoint ${input.endpointName}`);
      }
      return true;
    },

    /** Sets traffic weights (percentages). Returns false when the endpoint already has them. */
    async setWeights(input: {
      endpointName: string;
      weights: Record<string, number>;
      region?: string;
    }): Promise<boolean> {
      const current = await describeEndpoint(input.endpointName, input.region);
      if (!current) throw userError(`endpoint ${input.endpointName} disappeared during the rollout`, 'EndpointMissing');
      const wanted = Object.entries(input.weights);
      const has = (pick: 'desiredWeight' | 'currentWeight') =>
        wanted.every(([name, w]) =>
          current.variants.some((v) => v.variantName === name && Math.abs(v[pick] - w) < 1e-9),
        );
      if (has('desiredWeight') && (current.status === 'InService' || current.status === 'Updating')) return false;
      if (current.status !== 'InService') {
        throw ApplicationFailure.retryable(
          `endpoint ${input.endpointName} is ${current.status}; waiting to set weights`,
        );
      }
      await aws(`UpdateEndpointWeightsAndCapacities ${input.endpointName}`, () =>
        sm(input.region).send(
          new UpdateEndpointWeightsAndCapacitiesCommand({
            EndpointName: input.endpointName,
            DesiredWeightsAndCapacities: wanted.map(([VariantName, DesiredWeight]) => ({ VariantName, DesiredWeight })),
          }),
        ),
      );
      return true;
    },

    /**
     * Polls until the endpoint leaves Creating/Updating, heartbeating so a dead worker is noticed quickly.
     * Returns the endpoint as it settled (InService or Failed, with FailureReason) and how long that took; the
     * workflow decides.
     */
    async waitForEndpoint(input: {
      endpointName: string;
      region?: string;
      /**
       * How long the change is expected to take (the last one of its kind): the first poll comes at 90% of it,
       * after at most 10 s (the heartbeat timeout is 15 s), instead of polling all along.
       */
      expectedMs?: number;
    }): Promise<(EndpointView & { waitedMs: number }) | null> {
      const started = Date.now();
      // The wait follows a change the workflow just asked for, so the endpoint is changing: no poll at time 0.
      let delay = Math.min(10_000, Math.max(Math.min(250, maxPollMs), Math.round(0.9 * (input.expectedMs ?? 0))));
      let backoff = Math.min(250, maxPollMs);
      for (;;) {
        await sleep(delay);
        const view = await describeEndpoint(input.endpointName, input.region);
        heartbeat({ status: view?.status ?? 'missing' });
        if (!view) return null;
        if (!isEndpointChanging(view.status)) return { ...view, waitedMs: Date.now() - started };
        delay = backoff;
        backoff = Math.min(maxPollMs, Math.round(backoff * 1.5));
      }
    },

    async deleteEndpointConfig(input: { configName: string; region?: string }): Promise<boolean> {
      try {
        await sm(input.region).send(new DeleteEndpointConfigCommand({ EndpointConfigName: input.configName }));
        return true;
      } catch (err) {
        if (isNotFound(err)) return false; // deleted by an earlier attempt
        rethrowAws(err, `DeleteEndpointConfig ${input.configName}`);
      }
    },

    async deleteModel(input: { modelName: string; region?: string }): Promise<boolean> {
      try {
        await sm(input.region).send(new DeleteModelCommand({ ModelName: input.modelName }));
        return true;
      } catch (err) {
        if (isNotFound(err)) return false;
        rethrowAws(err, `DeleteModel ${input.modelName}`);
      }
    },

    async deleteEndpoint(input: { endpointName: string; region?: string }): Promise<boolean> {
      try {
        await sm(input.region).send(new DeleteEndpointCommand({ EndpointName: input.endpointName }));
        return true;
      } catch (err) {
        if (isNotFound(err)) return false;
        rethrowAws(err, `DeleteEndpoint ${input.endpointName}`);
      }
    },
  };
}
