/**
 * The emulator's public types: start-up config, injectable faults, the request log and the admin state view.
 * Other rooms (the e2e harness, the demo, bench:scale) program against these, so fields are only ever added.
 */

/** Per-variant realism and faults for InvokeEndpoint. Rates are probabilities in [0, 1]. */
export interface VariantFaults {
  /** Share of requests the model answers with a 5XX (SageMaker returns ModelError 424, Invocation5XXErrors = 1). */
  errorRate5xx?: number;
  /** Share of requests the model answers with a 4XX (ModelError 424 with OriginalStatusCode 400). */
  errorRate4xx?: number;
  /** Share of requests refused with ThrottlingException after routing (counted as the variant's 4XX). */
  throttleRate?: number;
  /** Median model latency in ms (lognormal); an injected median is also slept, so clients feel it. */
  latencyMedianMs?: number;
  /** Lognormal sigma of the model latency (0 = constant). */
  latencySigma?: number;
}

export interface EndpointFaults {
  variants?: Record<string, VariantFaults>;
  /** The next UpdateEndpoint on this endpoint ends Failed (a string is the FailureReason); consumed when it fires. */
  updateFails?: boolean | string;
  /**
   * The next UpdateEndpointWeightsAndCapacities on this endpoint is accepted and then fails: when its changes would
   * have been done, the endpoint is InService again on the weights and instance counts it had, with this FailureReason
   * (a string) or a default one, after RollingBack where the endpoint is autoscaled ([BC-SM] DescribeEndpoint
   * FailureReason: "the status is InService but update operation fails"; EndpointStatus RollingBack). Consumed by it.
   */
  capacityUpdateFails?: boolean | string;
  /** Slow updates for this endpoint (UpdateEndpoint and UpdateEndpointWeightsAndCapacities). */
  updateDelayMs?: number;
  /**
   * The next UpdateEndpoint ends in this status, which stays until a person acts ([BC-SM] EndpointStatus:
   * UpdateRollbackFailed "Both the rolling deployment and auto-rollback failed. Your endpoint is in service with a
   * mix of the old and new endpoint configurations"; OutOfService "Endpoint is not available to take incoming
   * requests"), with updateFails's FailureReason or a default one; consumed when it fires.
   */
  updateEndsIn?: 'UpdateRollbackFailed' | 'OutOfService';
}

/** Faults on a whole API operation, keyed "SageMaker.<Op>", "CloudWatch.<Op>", "Runtime.InvokeEndpoint", "S3.GetObject". */
export interface OperationFaults {
  throttleRate?: number;
  errorRate5xx?: number;
  /** The next N calls fail (with a 5XX unless failWith is 'throttle'); counts down as it fires. */
  failNext?: number;
  failWith?: '5xx' | 'throttle';
  /**
   * Hold each successful response this long after the call has taken effect: a slow control plane, and the window
   * in which a caller that dies never learns its call succeeded (control-plane operations only).
   */
  responseDelayMs?: number;
}

export interface TransitionDelays {
  createMs?: number;
  updateMs?: number;
  deleteMs?: number;
}

export interface EmulatorFaults {
  endpoints?: Record<string, EndpointFaults>;
  operations?: Record<string, OperationFaults>;
  delays?: TransitionDelays;
  /** GetMetricData / GetMetricStatistics answer with empty series (CloudWatch lagging or broken). */
  cloudwatchNoData?: boolean;
  /**
   * The next `count` (default 1) GetMetricData calls answer with this StatusCode ([BC-CW] MetricDataResult): every
   * result `InternalError` with no datapoints, or `PartialData` with half of them; both with a NextToken to go on.
   */
  getMetricData?: { statusCode: 'InternalError' | 'PartialData'; count?: number };
}

/**
 * `ideal`: the kind emulator (instant, consistent, any metric period, no IAM): fast unit-level tests.
 * `aws`: AWS's documented behaviour wherever a rollout can break (IAM, consistency windows, fleets and quotas,
 * Application Auto Scaling, CloudWatch's periods, publish lag and late samples); see the README's table of sources.
 */
export type EmulatorProfile = 'ideal' | 'aws';

/**
 * How long AWS takes, in the `aws` profile, where AWS documents no number (each default and what it rests on is in
 * the README's aws-profile table). All are AWS seconds: the emulator multiplies them by `timeScale`.
 */
export interface AwsBehaviour {
  /** A new model or endpoint config is invisible to reads and to calls naming it this long. Default 3. */
  consistencySeconds?: number;
  /**
   * Time to bring up a fleet, by instance type ("ml.g5.xlarge") or family ("ml.g5"), "default" for the rest.
   * Defaults: 300 for CPU families, 480 for GPU and accelerator families (ml.g*, ml.p*, ml.inf*, ml.trn*).
   */
  provisioningSeconds?: Record<string, number>;
  /** Time to take instances away (scale-in). Default 60. */
  scaleInSeconds?: number;
  /** Time for an UpdateEndpointWeightsAndCapacities that changes only weights. Default 30. */
  weightChangeSeconds?: number;
  /** The alarms a target tracking policy scales by (1-minute datapoints). */
  targetTracking?: {
    /** Consecutive datapoints above the target before a scale-out. Default 3. */
    scaleOutDatapoints?: number;
    /** Consecutive datapoints below scaleInRatio × target before a scale-in. Default 15. */
    scaleInDatapoints?: number;
    /** Default 0.9. */
    scaleInRatio?: number;
  };
}

export interface EmulatorConfig {
  /** Which AWS the emulator plays (default `ideal`; the `model-rollout emulator` command's default too). */
  profile?: EmulatorProfile;
  /**
   * Multiplies AWS's durations in the `aws` profile (provisioning, scaling, publish lag, consistency windows): 0.01
   * turns a 6-minute fleet into 3.6 s for tests. Default 1. No effect in the `ideal` profile.
   */
  timeScale?: number;
  /**
   * The IAM policy every caller is bound by in the `aws` profile (a path to a JSON policy document, or the document),
   * except the account administrator, whose access key id is `admin`. Default in the `aws` profile: the shipped
   * deploy/iam-policy.json with its placeholders filled for the emulator's account and region.
   */
  iamPolicy?: string | Record<string, unknown>;
  /** Instances per type an account may run for endpoint usage in the `aws` profile, e.g. {"ml.m5.xlarge": 4}. */
  quotas?: Record<string, number>;
  /** The control plane's timings and windows in the `aws` profile (AWS's seconds, before timeScale). */
  awsBehaviour?: AwsBehaviour;
  /** Region used when a request carries no SigV4 credential scope. Default us-east-1. */
  defaultRegion?: string;
  /** Account id in ARNs and messages. Default 123456789012. */
  accountId?: string;
  /** Seed of the RNG behind routing, latency and fault draws. Default 1. */
  seed?: number;
  /** Default status-machine delays (faults.delays overrides them at run time). Default 300/200/100 ms. */
  delays?: TransitionDelays;
  faults?: EmulatorFaults;
  /** Model latency every variant has without faults: lognormal. Default median 4 ms, sigma 0.25. */
  latency?: { medianMs?: number; sigma?: number; overheadMedianMs?: number };
  /**
   * Which sampled latency the emulator actually waits before answering: 'injected' (only a fault's
   * latencyMedianMs; default), 'all' (every request), 'none'. Metrics always carry the sampled latency.
   */
  sleep?: 'injected' | 'all' | 'none';
  /** Per-second metric data older than this is merged into one-minute data. Default 3600 s. */
  metricHighResolutionSeconds?: number;
  /** Metric data older than this is dropped. Default 6 h. */
  metricRetentionSeconds?: number;
  /**
   * Most one-second metric rows kept per region (~150–250 bytes each, one per series per second with data); past it
   * older seconds are merged into minutes early. Default 1,000,000.
   */
  metricSecondRowBudget?: number;
  /**
   * Evaluate metric alarms against the stored metrics once per alarm Period, as CloudWatch does (default true).
   * With false, alarms only change through SetAlarmState.
   */
  alarmEvaluation?: boolean;
  /** CloudWatch as SageMaker publishes to it (`aws` profile): resolution, publish lag, late samples. */
  cloudwatch?: CloudWatchSettings;
  /** Data capture into the emulator's S3. */
  dataCapture?: DataCaptureSettings;
  /** What AWS does not document about shadow variants, as a setting (README, shadow variants). */
  shadow?: ShadowSettings;
  /** What AWS does not document about the Model Registry, as a setting (README, Model Registry). */
  modelRegistry?: ModelRegistrySettings;
  /** Entries the request log keeps (oldest dropped first; seq keeps counting). Default 100000. */
  requestLogLimit?: number;
  /** Account quotas answered with ResourceLimitExceeded. */
  limits?: { endpoints?: number; endpointConfigs?: number; models?: number };
}

/**
 * CloudWatch as SageMaker publishes to it, in the `aws` profile. Durations are AWS's seconds (× timeScale); each
 * default and its source is in the README's data-plane table.
 */
export interface CloudWatchSettings {
  /**
   * Seconds of one regular-resolution datapoint ("Metrics are available at a 1-minute frequency"): SageMaker's metrics
   * and PutMetricData without StorageResolution 1 are stored per this many seconds. Default 60 × timeScale (≥ 1).
   */
  resolutionSeconds?: number;
  /** A period's first samples from an instance appear this long after the period ends (uniform). Default 60–120 s. */
  publishLagSeconds?: { min: number; max: number };
  /** This share of each instance's samples of a period arrives later, within this many seconds. Default 0.1, 120 s. */
  lateSamples?: { share: number; withinSeconds: number };
  /**
   * How SageMaker's samples reach CloudWatch: 'statistic-sets' (default: per instance and batch, so percentiles exist
   * only where CloudWatch can compute them from a set, as its API reference says) or 'values' (every sample).
   */
  sageMakerSamples?: 'statistic-sets' | 'values';
  /** A Period outside 1, 5, 10, 20, 30 and the multiples of 60: refused (default) or answered with no data. */
  invalidPeriod?: 'reject' | 'no-data';
}

/** SageMaker's data capture (an endpoint config's DataCaptureConfig) into the emulator's S3. */
export interface DataCaptureSettings {
  /** Write capture files. Default: on in the `aws` profile, off in `ideal`. */
  enabled?: boolean;
  /** A capture file collects this many seconds of records from its first before it is written. Default 60. */
  flushSeconds?: number;
}

/**
 * Shadow variants where AWS documents no behaviour; each default is the most plausible documented reading (README).
 */
export interface ShadowSettings {
  /**
   * InvokeEndpoint's TargetVariant naming the shadow variant: 'reject' (default; [BC-RT] TargetVariant names "the
   * production variant to send the inference request to", so the shadow is refused like an unknown variant) or
   * 'serve' (the shadow answers that request, and its answer is returned).
   */
  targetVariant?: 'reject' | 'serve';
  /**
   * Which requests are copied to the shadow: 'routed' (default: every request that reached the production variant,
   * whatever the production variant answered) or 'answered' (only those the production variant answered).
   */
  copies?: 'routed' | 'answered';
}

/** The Model Registry where AWS documents no behaviour (README). */
export interface ModelRegistrySettings {
  /**
   * CreateModel from a versioned model package that is not Approved is refused (default true: [BC-SM]
   * CreateModelPackageInput.ModelApprovalStatus "must be set to Approved to deploy the model"); false allows it.
   */
  requireApproval?: boolean;
}

export type ServiceName = 'SageMaker' | 'Runtime' | 'CloudWatch' | 'S3' | 'ApplicationAutoScaling';

export interface RequestLogEntry {
  seq: number;
  /** ISO time the request arrived. */
  at: string;
  service: ServiceName;
  operation: string;
  region: string;
  /** Create*, Update*, Delete*, Put*, Set*, Register*, Deregister*: calls that ask for a change. */
  mutating: boolean;
  status: number;
  errorCode?: string;
  endpointName?: string;
  /** The main resource named by the call (model, endpoint config, endpoint, alarm, object key). */
  resourceName?: string;
  /** What the change was, where the resource name alone does not say (the new config, the new weights). */
  detail?: string;
  /** True only when the call actually changed state (a rejected or duplicate call did not). */
  changedState: boolean;
  durationMs: number;
  /**
   * InvokeEndpoint: the variant that served the request, as its caller was told (InvokedProductionVariant); for a
   * shadow copy, the shadow variant.
   */
  variantName?: string;
  /** A call SageMaker makes itself, whose answer reaches no caller: a request's copy to a shadow variant. */
  internal?: boolean;
  /** A shadow copy: the seq of the caller's InvokeEndpoint it copies. */
  copyOf?: number;
}

export interface VariantView {
  variantName: string;
  modelName: string;
  currentWeight: number;
  desiredWeight: number;
  currentInstanceCount: number;
  desiredInstanceCount: number;
  instanceType?: string;
  image: string;
  modelDataUrl?: string;
}

export interface EndpointStateView {
  region: string;
  endpointName: string;
  endpointArn: string;
  status: string;
  configName: string;
  failureReason?: string;
  pendingConfigName?: string;
  variants: VariantView[];
  /** The serving config's shadow variants: they take copies of requests and answer no caller. */
  shadowVariants: VariantView[];
}

export interface EmulatorStateView {
  models: { region: string; modelName: string; image?: string; modelDataUrl?: string; modelPackageArn?: string }[];
  endpointConfigs: {
    region: string;
    configName: string;
    variants: { variantName: string; modelName: string }[];
    shadowVariants: { variantName: string; modelName: string }[];
  }[];
  endpoints: EndpointStateView[];
  alarms: { region: string; alarmName: string; state: string }[];
  /** The Model Registry's versioned and unversioned model packages. */
  modelPackages: {
    region: string;
    modelPackageArn: string;
    modelPackageGroupName?: string;
    modelPackageVersion?: number;
    modelApprovalStatus?: string;
  }[];
}
