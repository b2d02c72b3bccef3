// All activities the rollout workflow calls, built on one set of AWS clients.
import { cloudwatchActivities } from './cloudwatch';
import { createAwsClients, type AwsClients } from './clients';
import { datasetLoader } from './dataset';
import { liveQualityActivities } from './live-quality';
import { notifyActivities } from './notify';
import { preflightActivities } from './preflight';
import { sagemakerActivities } from './sagemaker';
import { trafficActivities } from './traffic';
import { validateActivities } from './validate';

export interface ActivityOptions {
  /** Longest wait between DescribeEndpoint polls; real endpoints change in minutes, the emulator in seconds. */
  pollIntervalMs?: number;
  /** Whether the namespace has the RolloutEndpoint/RolloutPhase search attributes (the worker checks at start). */
  searchAttributes?: boolean;
}

export function createActivities(clients: AwsClients = createAwsClients(), options: ActivityOptions = {}) {
  const sm = sagemakerActivities(clients, options);
  const cw = cloudwatchActivities(clients);
  const loadDataset = datasetLoader(clients);
  return {
    ...sm,
    ...cw,
    ...trafficActivities(clients, loadDataset),
    ...liveQualityActivities(clients),
    ...preflightActivities(sm, cw, loadDataset, clients),
    ...validateActivities,
    ...notifyActivities(),
    /** Upserting an unregistered search attribute fails the workflow task, so the workflow asks first. */
    async searchAttributesAvailable(): Promise<boolean> {
      return options.searchAttributes ?? false;
    },
  };
}

export type RolloutActivities = ReturnType<typeof createActivities>;
export type { EndpointView, EndpointConfigToCreate } from './sagemaker';
export type { ProductionVariant } from '@aws-sdk/client-sagemaker';
export type { MetricsOutput, MetricPeriod, VariantMetrics, LatencyPeriod } from './cloudwatch';
export type { ReplayResult, VariantReplay } from './traffic';
export type { LiveQualityInput, LiveQualityOutput, WeightPeriod, CohortVariant } from './live-quality';
export type { PreflightResult } from './preflight';
export type { NotifyInput } from './notify';
