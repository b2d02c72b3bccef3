// Preflight: everything a rollout needs is checked READ-ONLY before the first mutating call, so a bad spec or a
// missing resource is reported with a fix and leaves AWS exactly as it was.
import type { ProductionVariant } from '@aws-sdk/client-sagemaker';
import type { RolloutSpec } from '../schema';
import { userError } from './aws-errors';
import type { alarmActivities } from './alarms';
import type { AwsClients } from './clients';
import type { registryActivities } from './registry';
import { s3ObjectExists, type Dataset, type datasetLoader } from './dataset';
import { isEndpointChanging } from './endpoint-wait';
import { unsupportedEndpoint, unsupportedModel } from './preflight-support';
import type { autoscalingActivities, VariantScaling } from './autoscaling';
import { baselineCapacity } from './preflight-capacity';
import type { EndpointConfigToCreate, ModelShape, sagemakerActivities } from './sagemaker';

export interface PreflightResult {
  /**
   * The endpoint's name as SageMaker spells it (DescribeEndpoint's EndpointName), which every later call and every
   * CloudWatch dimension uses: SageMaker matches names case-insensitively (it lowercases them in ARNs,
   * aws/amazon-sagemaker-examples#293) but CloudWatch dimension values are case-sensitive (aws-behaviour.md #18).
   * The spec's spelling for a first deployment.
   */
  endpointName: string;
  /** The endpoint config serving before the rollout (absent for a first deployment). */
  originalConfig?: EndpointConfigToCreate;
  /** The baseline variant exactly as deployed, to re-create it in the rollout's configs. */
  baselineVariant?: ProductionVariant;
  /** The baseline's live instance count (CurrentInstanceCount): the candidate's default size. */
  baselineInstances?: number;
  /** The baseline model's network settings, which a model the rollout creates takes unless the spec says otherwise. */
  baselineModel?: Pick<ModelShape, 'vpcConfig' | 'enableNetworkIsolation'>;
  /** The baseline variant's Application Auto Scaling; absent when it is not autoscaled. */
  baselineScaling?: VariantScaling;
  /** Whether the rollout creates the candidate's model (and so may delete it). */
  createModel: boolean;
  datasetRows?: number;
  /** Checks preflight could not make, and why (e.g. the worker may not read the model bucket). */
  notes: string[];
}

/** [BC-RT] InvokeEndpoint Body: "max": 6291456 bytes. */
export const INVOKE_BODY_MAX_BYTES = 6_291_456;

/** The largest request body replay sends: rowsPerRequest of the largest rows, one per line (traffic.ts). */
export function largestRequestBytes(data: Dataset, rowsPerRequest: number): { bytes: number; rowBytes: number } {
  let rowBytes = 0;
  for (const row of data.rows) rowBytes = Math.max(rowBytes, Buffer.byteLength(row.payload, 'utf8'));
  return { bytes: rowsPerRequest * rowBytes + (rowsPerRequest - 1), rowBytes };
}

export function preflightActivities(
  sm: ReturnType<typeof sagemakerActivities>,
  alarms: ReturnType<typeof alarmActivities>,
  loadDataset: ReturnType<typeof datasetLoader>,
  clients: AwsClients,
  scaling: ReturnType<typeof autoscalingActivities>,
  registry: ReturnType<typeof registryActivities>,
) {
  return {
    async preflight(input: { spec: RolloutSpec; region?: string }): Promise<PreflightResult> {
      const { spec, region } = input;
      const where = region ? ` in region ${region}` : '';
      const endpoint = await sm.describeEndpoint(spec.endpointName, region);
      const result: PreflightResult = {
        endpointName: endpoint?.endpointName || spec.endpointName,
        createModel: spec.candidate.image !== undefined || spec.candidate.modelPackageArn !== undefined,
        notes: [],
      };

      if (spec.baseline) {
        if (!endpoint) {
          throw userError(
            `endpointName: endpoint "${spec.endpointName}" was not found${where}: check the name and AWS region, or leave out baseline to create it (first deployment)`,
          );
        }
        if (isEndpointChanging(endpoint.status)) {
          // Autoscaling sets Updating, maintenance SystemUpdating ([BC-SM] EndpointStatus): the workflow waits a
          // while (spec.preflight.waitForInService) and asks again.
          throw userError(
            `endpointName: endpoint "${spec.endpointName}" is ${endpoint.status}, not InService: wait for it or fix it first`,
            'EndpointBusy',
          );
        }
        if (endpoint.status !== 'InService') {
          const why = endpoint.failureReason ? ` (${endpoint.failureReason})` : '';
          throw userError(
            `endpointName: endpoint "${spec.endpointName}" is ${endpoint.status}${why}, not InService: fix it first`,
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
        const unsupported = unsupportedEndpoint(config);
        if (unsupported) throw userError(`endpointName: endpoint "${spec.endpointName}" ${unsupported}`);
        const modelName = baselineVariant.ModelName!;
        const baselineModel = await sm.describeModel({ modelName, region });
        if (!baselineModel) {
          throw userError(
            `baseline.variantName: the baseline's model "${modelName}" no longer exists${where}: the endpoint still serves it, but no new endpoint config can name it; redeploy the baseline first`,
          );
        }
        const model = unsupportedModel(baselineModel);
        if (model) throw userError(`baseline.variantName: the baseline's model "${modelName}" ${model}`);
        result.originalConfig = config;
        result.baselineVariant = baselineVariant;
        Object.assign(result, await baselineCapacity(spec, endpoint, baselineVariant, baselineModel, scaling, region));
      } else if (endpoint) {
        throw userError(
          `baseline: endpoint "${spec.endpointName}" already exists${where}: name its live variant in baseline.variantName to roll out next to it`,
        );
      }

      const candidateModel = await sm.describeModel({ modelName: spec.candidate.modelName, region });
      if (result.createModel && candidateModel) {
        throw userError(
          `candidate.modelName: model "${spec.candidate.modelName}" already exists: give the candidate a new modelName, or leave out image, modelDataUrl and executionRoleArn to deploy the existing model`,
        );
      }
      if (!result.createModel && !candidateModel) {
        throw userError(
          `candidate.modelName: model "${spec.candidate.modelName}" was not found${where}: add image, modelDataUrl and executionRoleArn to create it`,
        );
      }
      const packageArn = spec.candidate.modelPackageArn;
      if (packageArn) {
        // SageMaker deploys a model package version only once it is Approved ([BC-SM] ModelApprovalStatus: "must be
        // set to Approved to deploy the model").
        const pkg = await registry.describeModelPackage({ modelPackageArn: packageArn, region });
        if (!pkg) {
          throw userError(
            `candidate.modelPackageArn: model package ${packageArn} was not found${where}: check the group, version and region`,
          );
        }
        if (pkg.approval !== 'Approved') {
          throw userError(
            `candidate.modelPackageArn: model package ${packageArn} is ${pkg.approval}, and SageMaker deploys only Approved versions: approve it in the Model Registry first`,
          );
        }
      }
      const candidateShape = candidateModel && unsupportedModel(candidateModel);
      if (candidateShape) throw userError(`candidate.modelName: model "${spec.candidate.modelName}" ${candidateShape}`);

      // SageMaker accepts a model whose artifact is missing and fails only when the endpoint update starts the
      // container, minutes later and after mutating calls. Look first, where the worker is allowed to.
      const artifact = spec.candidate.modelDataUrl;
      if (result.createModel && artifact) {
        const found = await s3ObjectExists(clients, artifact, region);
        if (found === 'missing') {
          throw userError(
            `candidate.modelDataUrl: there is no object at ${artifact}${where}: check the bucket and key of the model artifact`,
          );
        }
        if (found === 'forbidden') {
          // The shipped IAM policy does not cover model buckets: SageMaker's execution role reads the artifact, not
          // the worker (docs/production.md). S3 answers such a caller 403 whether or not the key exists.
          result.notes.push(
            `candidate.modelDataUrl: not checked: the worker may not read ${artifact} (S3 answered 403), so a missing artifact shows only when the endpoint update starts the container`,
          );
        }
      }

      if (spec.guardrails.alarms.length > 0) {
        const missing = (await alarms.alarmStates({ alarmNames: spec.guardrails.alarms, region }))
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
        const { bytes, rowBytes } = largestRequestBytes(data, replay.rowsPerRequest);
        if (bytes > INVOKE_BODY_MAX_BYTES) {
          const fits = Math.max(0, Math.floor((INVOKE_BODY_MAX_BYTES + 1) / (rowBytes + 1)));
          throw userError(
            `traffic.replay.rowsPerRequest: ${replay.rowsPerRequest} rows of up to ${rowBytes} bytes make a request of up to ${bytes} bytes, over InvokeEndpoint's limit of ${INVOKE_BODY_MAX_BYTES} bytes: ` +
              (fits >= 1 ? `set rowsPerRequest to at most ${fits}` : `rows of ${replay.dataUrl} are too large to send`),
          );
        }
      }
      return result;
    },
  };
}
