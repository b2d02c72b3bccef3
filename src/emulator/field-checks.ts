/**
 * The aws profile's checks of the model and endpoint config fields the emulator stores and describes, with the
 * constraints of [BC-SM] (botocore's SageMaker service model) and AWS's constraint-violation message form ("1
 * validation error detected: Value '9999' at 'productionVariants.1.member.volumeSizeInGB' failed to satisfy
 * constraint: Member must have value less than or equal to 512").
 */
import { validation } from './errors';
import { checkShadowVariants } from './fleet';
import type { Json } from './state';

type Problems = string[];

function range(problems: Problems, value: unknown, member: string, min: number, max?: number): void {
  if (value === undefined) return;
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    problems.push(`Value '${String(value)}' at '${member}' failed to satisfy constraint: Member must be an integer`);
  } else if (value < min) {
    problems.push(
      `Value '${value}' at '${member}' failed to satisfy constraint: Member must have value greater than or equal to ${min}`,
    );
  } else if (max !== undefined && value > max) {
    problems.push(
      `Value '${value}' at '${member}' failed to satisfy constraint: Member must have value less than or equal to ${max}`,
    );
  }
}

function length(problems: Problems, value: unknown, member: string, min: number, max: number): void {
  if (value === undefined) return;
  const n = Array.isArray(value) ? value.length : -1;
  if (n < min) {
    problems.push(
      `Value '${JSON.stringify(value)}' at '${member}' failed to satisfy constraint: Member must have length greater than or equal to ${min}`,
    );
  } else if (n > max) {
    problems.push(
      `Value '${JSON.stringify(value)}' at '${member}' failed to satisfy constraint: Member must have length less than or equal to ${max}`,
    );
  }
}

function required(problems: Problems, value: unknown, member: string): void {
  if (value === undefined || value === null) {
    problems.push(`Value null at '${member}' failed to satisfy constraint: Member must not be null`);
  }
}

function raise(problems: Problems): void {
  if (problems.length === 0) return;
  const n = problems.length;
  throw validation(`${n} validation error${n === 1 ? '' : 's'} detected: ${problems.join('; ')}`);
}

function vpc(problems: Problems, value: unknown, member: string): void {
  if (value === undefined) return;
  const v = (value ?? {}) as Json;
  required(problems, v.SecurityGroupIds, `${member}.securityGroupIds`);
  required(problems, v.Subnets, `${member}.subnets`);
  // [BC-SM] VpcSecurityGroupIds: 1–5 items; Subnets: 1–16 items.
  length(problems, v.SecurityGroupIds, `${member}.securityGroupIds`, 1, 5);
  length(problems, v.Subnets, `${member}.subnets`, 1, 16);
}

/** CreateModel: VpcConfig as [BC-SM] VpcConfig constrains it. */
export function checkModelFields(input: Json): void {
  const problems: Problems = [];
  vpc(problems, input.VpcConfig, 'vpcConfig');
  raise(problems);
}

function variantFields(problems: Problems, v: Json, member: string): void {
  // [BC-SM] ProductionVariantVolumeSizeInGB 1–512, …ModelDataDownloadTimeoutInSeconds and
  // …ContainerStartupHealthCheckTimeoutInSeconds 60–3600.
  range(problems, v.VolumeSizeInGB, `${member}.volumeSizeInGB`, 1, 512);
  range(problems, v.ModelDataDownloadTimeoutInSeconds, `${member}.modelDataDownloadTimeoutInSeconds`, 60, 3600);
  range(
    problems,
    v.ContainerStartupHealthCheckTimeoutInSeconds,
    `${member}.containerStartupHealthCheckTimeoutInSeconds`,
    60,
    3600,
  );
  const serverless = v.ServerlessConfig as Json | undefined;
  if (serverless !== undefined) {
    // [BC-SM] ProductionVariantServerlessConfig: MemorySizeInMB 1024–6144, MaxConcurrency 1–200 (both required),
    // ProvisionedConcurrency 1–200.
    required(problems, serverless.MemorySizeInMB, `${member}.serverlessConfig.memorySizeInMB`);
    required(problems, serverless.MaxConcurrency, `${member}.serverlessConfig.maxConcurrency`);
    range(problems, serverless.MemorySizeInMB, `${member}.serverlessConfig.memorySizeInMB`, 1024, 6144);
    range(problems, serverless.MaxConcurrency, `${member}.serverlessConfig.maxConcurrency`, 1, 200);
    range(problems, serverless.ProvisionedConcurrency, `${member}.serverlessConfig.provisionedConcurrency`, 1, 200);
  }
}

/** CreateEndpointConfig: the variant fields, shadow variants, data capture and async inference settings. */
export function checkEndpointConfigFields(input: Json): void {
  const problems: Problems = [];
  const variants = Array.isArray(input.ProductionVariants) ? (input.ProductionVariants as Json[]) : [];
  variants.forEach((v, i) => variantFields(problems, v ?? {}, `productionVariants.${i + 1}.member`));
  const shadow = Array.isArray(input.ShadowProductionVariants) ? (input.ShadowProductionVariants as Json[]) : [];
  shadow.forEach((v, i) => variantFields(problems, v ?? {}, `shadowProductionVariants.${i + 1}.member`));
  const capture = input.DataCaptureConfig as Json | undefined;
  if (capture !== undefined) {
    // [BC-SM] DataCaptureConfig: InitialSamplingPercentage (0–100), DestinationS3Uri and CaptureOptions (1–32) required.
    required(problems, capture.InitialSamplingPercentage, 'dataCaptureConfig.initialSamplingPercentage');
    required(problems, capture.DestinationS3Uri, 'dataCaptureConfig.destinationS3Uri');
    required(problems, capture.CaptureOptions, 'dataCaptureConfig.captureOptions');
    range(problems, capture.InitialSamplingPercentage, 'dataCaptureConfig.initialSamplingPercentage', 0, 100);
    length(problems, capture.CaptureOptions, 'dataCaptureConfig.captureOptions', 1, 32);
  }
  const async = input.AsyncInferenceConfig as Json | undefined;
  // [BC-SM] AsyncInferenceConfig: OutputConfig is required.
  if (async !== undefined) required(problems, async.OutputConfig, 'asyncInferenceConfig.outputConfig');
  vpc(problems, input.VpcConfig, 'vpcConfig');
  raise(problems);
  checkShadowVariants(input);
  // Shadow variant names share the namespace of the production ones (they are variants of the same endpoint).
  const names = new Set(variants.map((v) => String(v?.VariantName).toLowerCase()));
  for (const v of shadow) {
    if (names.has(String(v?.VariantName).toLowerCase())) {
      throw validation(
        `Duplicate VariantName "${String(v?.VariantName)}" found in ProductionVariants and ShadowProductionVariants. VariantName must be unique.`,
      );
    }
  }
}
