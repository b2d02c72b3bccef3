// DescribeEndpoint's body: the serving variants, and in the aws profile the fleet being brought up, shadow variants,
// data capture and async inference as SageMaker shows them.
import { type EndpointRecord, type FleetVariant, type Json, type LiveVariant, type RegionState } from '../state';
import { epoch } from './common';
import { resolvedImage } from './deploy';

function variantView(v: LiveVariant): Json {
  const serverless = v.spec?.ServerlessConfig;
  if (serverless !== undefined) {
    // A serverless variant has no instances: [BC-SM] ProductionVariantSummary's Current/DesiredServerlessConfig.
    return {
      VariantName: v.name,
      DeployedImages: [
        { SpecifiedImage: v.image, ResolvedImage: v.resolvedImage, ResolutionTime: epoch(v.deployedAt) },
      ],
      CurrentWeight: v.currentWeight,
      DesiredWeight: v.desiredWeight,
      CurrentServerlessConfig: serverless,
      DesiredServerlessConfig: serverless,
    };
  }
  return {
    VariantName: v.name,
    DeployedImages: [{ SpecifiedImage: v.image, ResolvedImage: v.resolvedImage, ResolutionTime: epoch(v.deployedAt) }],
    CurrentWeight: v.currentWeight,
    DesiredWeight: v.desiredWeight,
    CurrentInstanceCount: v.currentInstanceCount,
    DesiredInstanceCount: v.desiredInstanceCount,
  };
}

/** A planned variant as DescribeEndpoint shows it (shadow variants, and the fleet being brought up). */
function fleetVariantView(region: RegionState, v: FleetVariant, pending?: { startedAt: number }): Json {
  const image = region.models.get(v.modelName.toLowerCase())?.image;
  const serverless = v.spec.ServerlessConfig;
  return {
    VariantName: v.name,
    ...(image
      ? {
          DeployedImages: [
            {
              SpecifiedImage: image,
              ResolvedImage: resolvedImage(image),
              ResolutionTime: epoch(pending?.startedAt ?? Date.now()),
            },
          ],
        }
      : {}),
    CurrentWeight: pending ? 0 : v.weight,
    DesiredWeight: v.weight,
    ...(serverless !== undefined
      ? { ...(pending ? {} : { CurrentServerlessConfig: serverless }), DesiredServerlessConfig: serverless }
      : { CurrentInstanceCount: pending ? 0 : v.instanceCount, DesiredInstanceCount: v.instanceCount }),
    ...(pending && v.instanceType ? { InstanceType: v.instanceType } : {}),
    ...(pending
      ? {
          VariantStatus: [
            {
              Status: 'Creating',
              StatusMessage: `Launching ${v.instanceCount} instance(s).`,
              StartTime: epoch(pending.startedAt),
            },
          ],
        }
      : {}),
  };
}

/**
 * What the aws profile adds to DescribeEndpoint ([BC-SM] DescribeEndpointOutput): the fleet being brought up as
 * PendingDeploymentSummary (while Creating too: "only returned when the endpoint is creating or updating with a new
 * endpoint configuration"; shape as the [ACK] testdata update_deployment_config.json shows), the serving config's
 * shadow variants, data capture and async inference settings.
 */
function awsEndpointExtras(ep: EndpointRecord, region: RegionState, body: Json): void {
  if (ep.fleet) {
    body.PendingDeploymentSummary = {
      EndpointConfigName: ep.fleet.configName,
      StartTime: epoch(ep.fleet.startedAt),
      ProductionVariants: ep.fleet.variants.map((v) => fleetVariantView(region, v, ep.fleet)),
      ...(ep.fleet.shadowVariants.length > 0
        ? { ShadowProductionVariants: ep.fleet.shadowVariants.map((v) => fleetVariantView(region, v, ep.fleet)) }
        : {}),
    };
  }
  // The settings of the config that serves (the previous one while an update is in flight).
  const servingName = ep.pending?.previousConfigName ?? ep.configName;
  const serving = ep.variants.length > 0 ? region.configs.get(servingName.toLowerCase()) : undefined;
  const capture = serving?.request.DataCaptureConfig as Json | undefined;
  if (capture) {
    const enabled = capture.EnableCapture !== false;
    body.DataCaptureConfig = {
      EnableCapture: enabled,
      CaptureStatus: enabled ? 'Started' : 'Stopped',
      CurrentSamplingPercentage: capture.InitialSamplingPercentage,
      DestinationS3Uri: capture.DestinationS3Uri,
      ...(capture.KmsKeyId !== undefined ? { KmsKeyId: capture.KmsKeyId } : {}),
    };
  }
  if (serving?.request.AsyncInferenceConfig !== undefined)
    body.AsyncInferenceConfig = serving.request.AsyncInferenceConfig;
}

const pendingView = (v: Json): Json => ({
  VariantName: v.VariantName,
  DesiredWeight: v.InitialVariantWeight,
  DesiredInstanceCount: v.InitialInstanceCount,
  InstanceType: v.InstanceType,
});

export function describeEndpointBody(ep: EndpointRecord, region: RegionState, aws = false): Json {
  const body: Json = {
    EndpointName: ep.name,
    EndpointArn: ep.arn,
    EndpointConfigName: ep.configName,
    EndpointStatus: ep.status,
    CreationTime: epoch(ep.createdAt),
    LastModifiedTime: epoch(ep.modifiedAt),
  };
  // A creating (or failed-to-create) endpoint has no production variants yet.
  if (ep.variants.length > 0) body.ProductionVariants = ep.variants.map(variantView);
  // [BC-SM] DescribeEndpointOutput.ShadowProductionVariants: ProductionVariantSummary objects, as production's.
  if (ep.shadows.length > 0) body.ShadowProductionVariants = ep.shadows.map(variantView);
  if (ep.failureReason !== undefined) body.FailureReason = ep.failureReason;
  if (aws) {
    awsEndpointExtras(ep, region, body);
  } else if (ep.pending) {
    const pendingConfig = region.configs.get(ep.pending.configName.toLowerCase());
    body.PendingDeploymentSummary = {
      EndpointConfigName: ep.pending.configName,
      StartTime: epoch(ep.modifiedAt),
      ProductionVariants: (pendingConfig?.variants ?? []).map(pendingView),
      ...(pendingConfig && pendingConfig.shadowVariants.length > 0
        ? { ShadowProductionVariants: pendingConfig.shadowVariants.map(pendingView) }
        : {}),
    };
  }
  return body;
}
