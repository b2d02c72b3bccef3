// Preflight: everything a rollout needs is checked READ-ONLY before the first mutating call, so a bad spec or a
// missing resource is reported with a fix and leaves AWS exactly as it was.
import type { ProductionVariant } from '@aws-sdk/client-sagemaker';
import type { RolloutSpec } from '../schema';
import { userError } from './aws-errors';
import type { cloudwatchActivities } from './cloudwatch';
import type { AwsClients } from './clients';
import { s3ObjectExists, type datasetLoader } from './dataset';
import type { EndpointConfigToCreate, sagemakerActivities } from './sagemaker';

export interface PreflightResult {
  /** The endpoint config serving before the rollout (absent for a first deployment). */
  originalConfig?: EndpointConfigToCreate;
  /** The baseline variant exactly as deployed, to re-create it in the rollout's configs. */
  baselineVariant?: ProductionVariant;
  /** Whether the rollout creates the candidate's model (and so may delete it). */
  createModel: boolean;
  datasetRows?: number;
}

export function preflightActivities(
  sm: ReturnType<typeof sagemakerActivities>,
  cw: ReturnType<typeof cloudwatchActivities>,
  loadDataset: ReturnType<typeof datasetLoader>,
  clients: AwsClients,
) {
  return {
    async preflight(input: { spec: RolloutSpec; region?: string }): Promise<PreflightResult> {
      const { spec, region } = input;
      const where = region ? ` in region ${region}` : '';
      const endpoint = await sm.describeEndpoint(spec.endpointName, region);
      const result: PreflightResult = { createModel: spec.candidate.image !== undefined };

      if (spec.baseline) {
        if (!endpoint) {
          throw userError(
            `endpointName: endpoint "${spec.endpointName}" was not found${where}: check the name and AWS region, or leave out baseline to create it (first deployment)`,
          );
        }
        if (endpoint.status !== 'InService') {
          throw userError(
            `endpointName: endpoint "${spec.endpointName}" is ${endpoint.status}, not InService: wait for it or fix it first`,
          );
        }
        const names = endpoint.variants.map((v) => v.variantName);
        if (!names.includes(spec.baseline.variantName)) {
          throw userError(
            `baseline.variantName: endpoint "${spec.endpointName}" has no variant "${spec.baseline.variantName}" (it has ${names.join(', ')}): name the live variant`,
          );
        }
        if (names.length > 1) {
          throw userError(
            `endpointName: endpoint "${spec.endpointName}" serves ${names.length} variants (${names.join(', ')}); a rollout starts from one live variant: finish the other rollout or remove the extra variants first`,
          );
        }
        if (names.includes(spec.candidate.variantName)) {
          throw userError(
            `candidate.variantName: "${spec.candidate.variantName}" is already a variant of the endpoint: pick another name`,
          );
        }
        const config = await sm.describeEndpointConfig({ configName: endpoint.configName, region });
        const baselineVariant = config?.variants.find((v) => v.VariantName === spec.baseline!.variantName);
        if (!config || !baselineVariant) {
          throw userError(
            `endpointName: the endpoint config "${endpoint.configName}" of "${spec.endpointName}" cannot be read: it may have been deleted; redeploy the endpoint first`,
          );
        }
        result.originalConfig = config;
        result.baselineVariant = baselineVariant;
      } else if (endpoint) {
        throw userError(
          `baseline: endpoint "${spec.endpointName}" already exists${where}: name its live variant in baseline.variantName to roll out next to it`,
        );
      }

      const exists = await sm.modelExists({ modelName: spec.candidate.modelName, region });
      if (result.createModel && exists) {
        throw userError(
          `candidate.modelName: model "${spec.candidate.modelName}" already exists: give the candidate a new modelName, or leave out image, modelDataUrl and executionRoleArn to deploy the existing model`,
        );
      }
      if (!result.createModel && !exists) {
        throw userError(
          `candidate.modelName: model "${spec.candidate.modelName}" was not found${where}: add image, modelDataUrl and executionRoleArn to create it`,
        );
      }

      // SageMaker accepts a model whose artifact is missing and fails only when the endpoint update starts the
      // container, minutes later and after mutating calls. Look first, where the worker is allowed to.
      const artifact = spec.candidate.modelDataUrl;
      if (result.createModel && artifact && (await s3ObjectExists(clients, artifact, region)) === 'missing') {
        throw userError(
          `candidate.modelDataUrl: there is no object at ${artifact}${where}: check the bucket and key of the model artifact`,
        );
      }

      if (spec.guardrails.alarms.length > 0) {
        const missing = (await cw.alarmStates({ alarmNames: spec.guardrails.alarms, region }))
          .filter((a) => a.state === 'MISSING')
          .map((a) => a.name);
        if (missing.length > 0) {
          throw userError(
            `guardrails.alarms: no CloudWatch alarm named ${missing.join(', ')}${where}: create it or remove it from the spec`,
          );
        }
      }

      const replay = spec.traffic.replay;
      if (replay) {
        const data = await loadDataset(replay.dataUrl, replay.format, region);
        result.datasetRows = data.rows.length;
      }
      return result;
    },
  };
}
