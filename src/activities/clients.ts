// AWS SDK v3 clients, from the default credential chain and region. AWS_ENDPOINT_URL (or the per-service
// AWS_ENDPOINT_URL_SAGEMAKER, …) points them at the emulator with no code change: the SDK reads those itself.
import { ApplicationAutoScalingClient } from '@aws-sdk/client-application-auto-scaling';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { S3Client } from '@aws-sdk/client-s3';
import { SageMakerClient } from '@aws-sdk/client-sagemaker';
import { SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';

export interface AwsClients {
  sagemaker(region?: string): SageMakerClient;
  runtime(region?: string): SageMakerRuntimeClient;
  cloudwatch(region?: string): CloudWatchClient;
  s3(region?: string): S3Client;
  /** Application Auto Scaling: an autoscaled endpoint's scalable targets and policies (autoscaling.ts). */
  autoscaling(region?: string): ApplicationAutoScalingClient;
}

/**
 * One client per service and region, reused across activities (clients hold connection pools). The SDK's own
 * retries are kept short: Temporal's retry policy does the long backoff and survives a worker restart.
 */
export function createAwsClients(): AwsClients {
  const cache = new Map<string, unknown>();
  const get = <T>(
    service: string,
    region: string | undefined,
    make: (cfg: { region?: string; maxAttempts: number }) => T,
  ): T => {
    const key = `${service}:${region ?? ''}`;
    if (!cache.has(key)) cache.set(key, make({ ...(region ? { region } : {}), maxAttempts: 2 }));
    return cache.get(key) as T;
  };
  // An emulator or other S3-compatible endpoint has no virtual-host buckets: use path-style addressing there.
  const pathStyle = Boolean(process.env.AWS_ENDPOINT_URL_S3 || process.env.AWS_ENDPOINT_URL);
  return {
    sagemaker: (region) => get('sagemaker', region, (cfg) => new SageMakerClient(cfg)),
    runtime: (region) => get('runtime', region, (cfg) => new SageMakerRuntimeClient(cfg)),
    cloudwatch: (region) => get('cloudwatch', region, (cfg) => new CloudWatchClient(cfg)),
    s3: (region) => get('s3', region, (cfg) => new S3Client({ ...cfg, forcePathStyle: pathStyle })),
    autoscaling: (region) => get('autoscaling', region, (cfg) => new ApplicationAutoScalingClient(cfg)),
  };
}
