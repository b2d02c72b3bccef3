// All activities the rollout workflow calls, built on one set of AWS clients.
import { alarmActivities, type AlarmOptions } from './alarms';
import { autoscalingActivities } from './autoscaling';
import { cloudwatchActivities } from './cloudwatch';
import { createAwsClients, type AwsClients } from './clients';
import { datasetLoader } from './dataset';
import { liveQualityActivities } from './live-quality';
import { notifyActivities } from './notify';
import { preflightActivities } from './preflight';
import { registryActivities } from './registry';
import { sagemakerActivities, type SageMakerOptions } from './sagemaker';
import { trafficActivities } from './traffic';
import { validateActivities } from './validate';

/**
 * pollIntervalMs: longest wait between DescribeEndpoint polls (real endpoints change in minutes, the emulator in
 * seconds); the other timings (consistency window, missing endpoint, wait deadline, alarm batching) default to what
 * real AWS needs and are shortened by tests on a time-scaled emulator.
 */
export interface ActivityOptions extends SageMakerOptions, AlarmOptions {
  /** Whether the namespace has the RolloutEndpoint/RolloutPhase search attributes (the worker checks at start). */
  searchAttributes?: boolean;
}

export function createActivities(clients: AwsClients = createAwsClients(), options: ActivityOptions = {}) {
  const sm = sagemakerActivities(clients, options);
  const alarms = alarmActivities(clients, options);
  const loadDataset = datasetLoader(clients);
  const registry = registryActivities(clients);
  const scaling = autoscalingActivities(clients);
  return {
    ...sm,
    ...cloudwatchActivities(clients),
    // After cloudwatch.ts's: alarm states come from alarms.ts (both alarm types, batched per worker).
    ...alarms,
    ...trafficActivities(clients, loadDataset),
    ...liveQualityActivities(clients),
    ...registry,
    ...scaling,
    ...preflightActivities(sm, alarms, loadDataset, clients, scaling, registry),
    ...validateActivities,
    ...notifyActivities(),
    /** Upserting an unregistered search attribute fails the workflow task, so the workflow asks first. */
    async searchAttributesAvailable(): Promise<boolean> {
      return options.searchAttributes ?? false;
    },
  };
}

export type RolloutActivities = ReturnType<typeof createActivities>;
export type { EndpointView, EndpointConfigToCreate, EndpointConfigSettings, ModelToCreate } from './sagemaker';
export type { ProductionVariant } from '@aws-sdk/client-sagemaker';
export type { MetricsOutput, MetricPeriod, VariantMetrics, LatencyPeriod } from './cloudwatch';
export type { ReplayResult, VariantReplay } from './traffic';
export type { LiveQualityInput, LiveQualityOutput, WeightPeriod, CohortVariant } from './live-quality';
export type { PreflightResult } from './preflight';
export type { VariantScaling, ScalingPolicyCopy } from './autoscaling';
export type { NotifyInput } from './notify';
