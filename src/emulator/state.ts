/**
 * Everything the emulator holds, per region (as AWS keeps it): SageMaker models, endpoint configs and endpoints,
 * CloudWatch metrics and alarms. Resource names are matched case-insensitively (SageMaker lower-cases them in ARNs).
 */
import { resolveAwsBehaviour, type ResolvedAwsBehaviour } from './aws-behaviour';
import { FaultStore, Rng } from './faults';
import { MetricStore, type Series } from './metrics';
import type { ModelLoader } from './model-loader';
import {
  resolveCloudWatch,
  resolveDataCapture,
  type ResolvedCloudWatch,
  type ResolvedDataCapture,
} from './data-plane-settings';
import type { EmulatorConfig, EmulatorProfile, ModelRegistrySettings, ShadowSettings, TransitionDelays } from './types';
import type { XGBoostModel } from './xgboost';

export type Json = Record<string, unknown>;

export interface ModelRecord {
  name: string;
  arn: string;
  createdAt: number;
  /** The CreateModel request as given (minus Tags), echoed by DescribeModel. */
  request: Json;
  image?: string;
  modelDataUrl?: string;
  /** The model package the model was built from (CreateModel with a container's ModelPackageName). */
  modelPackageArn?: string;
  /** How many containers the model runs (an inference pipeline has several). */
  containerCount: number;
  tags: unknown[];
  /** aws profile: epoch ms from which reads see it (eventual consistency, see consistency.ts). */
  visibleAt?: number;
}

/** A Model Registry model group (CreateModelPackageGroup). */
export interface ModelPackageGroupRecord {
  name: string;
  arn: string;
  createdAt: number;
  description?: string;
  tags: unknown[];
  /** The version the next CreateModelPackage in this group gets: versions are never reused. */
  nextVersion: number;
}

/** A model package: a version in a group (versioned) or a named package (unversioned). */
export interface ModelPackageRecord {
  arn: string;
  /** The group's name for a versioned package, the package's own name for an unversioned one. */
  name: string;
  group?: string;
  version?: number;
  createdAt: number;
  modifiedAt?: number;
  /** The CreateModelPackage request as given (minus Tags and the names), echoed by DescribeModelPackage. */
  request: Json;
  approvalStatus?: string;
  approvalDescription?: string;
  customerMetadata?: Record<string, string>;
  tags: unknown[];
}

export interface EndpointConfigRecord {
  name: string;
  arn: string;
  createdAt: number;
  request: Json;
  variants: Json[];
  /** ShadowProductionVariants, InitialVariantWeight defaulted as for production variants. */
  shadowVariants: Json[];
  tags: unknown[];
  /** aws profile: epoch ms from which reads see it (eventual consistency, see consistency.ts). */
  visibleAt?: number;
}

/** Per-variant series SageMaker publishes, looked up once and reused (re-fetched if the store dropped them). */
export interface VariantSeries {
  epoch: number;
  invocations: Series;
  errors4xx: Series;
  errors5xx: Series;
  modelLatency: Series;
  overheadLatency: Series;
  perInstance: Series;
}

export interface LiveVariant {
  name: string;
  modelName: string;
  image: string;
  resolvedImage: string;
  modelDataUrl: string;
  model: XGBoostModel;
  instanceType?: string;
  currentWeight: number;
  desiredWeight: number;
  currentInstanceCount: number;
  desiredInstanceCount: number;
  deployedAt: number;
  series?: VariantSeries;
  /** aws profile: the ProductionVariant as configured (ServerlessConfig, VolumeSizeInGB, …), for DescribeEndpoint. */
  spec?: Json;
  /** A shadow variant: it takes copies of requests routed to the production variant and answers no caller. */
  shadow?: boolean;
}

/** aws profile: one variant of a fleet, planned from a config (and the live variant's retained properties). */
export interface FleetVariant {
  name: string;
  modelName: string;
  /** Undefined for a serverless variant: it uses no instances. */
  instanceType?: string;
  instanceCount: number;
  weight: number;
  spec: Json;
}

/** aws profile: the fleet CreateEndpoint or UpdateEndpoint is bringing up; the old one serves until it is ready. */
export interface PendingFleet {
  configName: string;
  startedAt: number;
  variants: FleetVariant[];
  shadowVariants: FleetVariant[];
}

export type EndpointStatus =
  | 'Creating'
  | 'Updating'
  | 'InService'
  | 'Failed'
  | 'Deleting'
  // Only by fault (faults.capacityUpdateFails, autoscaled endpoints): on its way back to InService.
  | 'RollingBack'
  // Only by fault (faults.updateEndsIn): stable statuses that need a person.
  | 'UpdateRollbackFailed'
  | 'OutOfService';

export interface EndpointRecord {
  name: string;
  arn: string;
  region: string;
  configName: string;
  status: EndpointStatus;
  failureReason?: string;
  createdAt: number;
  modifiedAt: number;
  /** The production variants serving traffic (the old ones while an update is in flight). */
  variants: LiveVariant[];
  /** The serving config's shadow variants (ShadowProductionVariants): copies of requests, answers to no one. */
  shadows: LiveVariant[];
  /** Every serving variant by name, production and shadow (weights and capacities are updated through it). */
  byName: Map<string, LiveVariant>;
  /** Cumulative CurrentWeight per variant, for O(#variants) weighted routing. */
  cumulative: number[];
  totalWeight: number;
  /** The config an in-flight UpdateEndpoint moves to, and the one it came from (restored if it fails). */
  pending?: { configName: string; previousConfigName: string };
  /** Incremented by every transition; a timer whose token is stale does nothing. */
  token: number;
  tags: unknown[];
  /** aws profile: the fleet being brought up, counted against quotas with the serving one. */
  fleet?: PendingFleet;
}

/** A composite alarm's AlarmRule, parsed (composite-alarms.ts parseAlarmRule). */
export type RuleNode =
  | { kind: 'const'; value: boolean }
  | { kind: 'state'; state: AlarmRecord['state']; alarm: string }
  | { kind: 'not'; operand: RuleNode }
  | { kind: 'and' | 'or'; left: RuleNode; right: RuleNode };

export interface AlarmRecord {
  name: string;
  arn: string;
  request: Json;
  state: 'OK' | 'ALARM' | 'INSUFFICIENT_DATA';
  stateReason: string;
  stateReasonData?: string;
  stateUpdatedAt: number;
  configUpdatedAt: number;
  /** Epoch ms of the next evaluation against its metric (see alarms.ts). */
  nextEvaluationAt: number;
  /** Set for a composite alarm (PutCompositeAlarm): its parsed AlarmRule and the alarms it names. */
  composite?: { rule: RuleNode; children: string[] };
}

export class RegionState {
  readonly models = new Map<string, ModelRecord>();
  readonly configs = new Map<string, EndpointConfigRecord>();
  readonly endpoints = new Map<string, EndpointRecord>();
  readonly alarms = new Map<string, AlarmRecord>();
  /** Model Registry groups by lower-cased name. */
  readonly modelPackageGroups = new Map<string, ModelPackageGroupRecord>();
  /** Model packages by the lower-cased resource part of their ARN: `<group>/<version>` or `<name>`. */
  readonly modelPackages = new Map<string, ModelPackageRecord>();
  /** CreateModelPackage ClientTokens already answered, and the ARN each made. */
  readonly modelPackageTokens = new Map<string, string>();
  readonly metrics: MetricStore;

  constructor(
    readonly name: string,
    highResolutionSeconds: number,
    retentionSeconds: number,
    secondRowBudget: number,
  ) {
    this.metrics = new MetricStore(highResolutionSeconds, retentionSeconds, secondRowBudget);
  }
}

export interface ResolvedConfig {
  profile: EmulatorProfile;
  timeScale: number;
  /** The policy document or its path, as given (the IAM room resolves the default). */
  iamPolicy?: string | Record<string, unknown>;
  quotas: Record<string, number>;
  awsBehaviour: ResolvedAwsBehaviour;
  defaultRegion: string;
  accountId: string;
  seed: number;
  delays: Required<TransitionDelays>;
  latency: { medianMs: number; sigma: number; overheadMedianMs: number };
  sleep: 'injected' | 'all' | 'none';
  metricHighResolutionSeconds: number;
  metricRetentionSeconds: number;
  metricSecondRowBudget: number;
  requestLogLimit: number;
  alarmEvaluation: boolean;
  cloudwatch: ResolvedCloudWatch;
  dataCapture: ResolvedDataCapture;
  shadow: Required<ShadowSettings>;
  modelRegistry: Required<ModelRegistrySettings>;
  limits: { endpoints: number; endpointConfigs: number; models: number };
}

export function resolveConfig(config: EmulatorConfig = {}): ResolvedConfig {
  return {
    profile: config.profile ?? 'ideal',
    timeScale: config.timeScale ?? 1,
    ...(config.iamPolicy !== undefined ? { iamPolicy: config.iamPolicy } : {}),
    quotas: { ...(config.quotas ?? {}) },
    awsBehaviour: resolveAwsBehaviour(config.awsBehaviour),
    defaultRegion: config.defaultRegion ?? 'us-east-1',
    accountId: config.accountId ?? '123456789012',
    seed: config.seed ?? 1,
    delays: {
      createMs: config.delays?.createMs ?? 300,
      updateMs: config.delays?.updateMs ?? 200,
      deleteMs: config.delays?.deleteMs ?? 100,
    },
    latency: {
      medianMs: config.latency?.medianMs ?? 4,
      sigma: config.latency?.sigma ?? 0.25,
      overheadMedianMs: config.latency?.overheadMedianMs ?? 0.5,
    },
    sleep: config.sleep ?? 'injected',
    metricHighResolutionSeconds: config.metricHighResolutionSeconds ?? 3600,
    metricRetentionSeconds: config.metricRetentionSeconds ?? 6 * 3600,
    metricSecondRowBudget: config.metricSecondRowBudget ?? 1_000_000,
    requestLogLimit: config.requestLogLimit ?? 100_000,
    alarmEvaluation: config.alarmEvaluation ?? true,
    cloudwatch: resolveCloudWatch(config),
    dataCapture: resolveDataCapture(config),
    shadow: { targetVariant: config.shadow?.targetVariant ?? 'reject', copies: config.shadow?.copies ?? 'routed' },
    modelRegistry: { requireApproval: config.modelRegistry?.requireApproval ?? true },
    limits: {
      endpoints: config.limits?.endpoints ?? 10_000,
      endpointConfigs: config.limits?.endpointConfigs ?? 100_000,
      models: config.limits?.models ?? 100_000,
    },
  };
}

/** Timers of pending status transitions, cleared on reset and close. */
export class Timers {
  private readonly pending = new Set<NodeJS.Timeout>();

  after(ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      this.pending.delete(t);
      fn();
    }, ms);
    this.pending.add(t);
  }

  clear(): void {
    for (const t of this.pending) clearTimeout(t);
    this.pending.clear();
  }
}

/** What every service handler works with. */
export class EmulatorContext {
  readonly regions = new Map<string, RegionState>();
  readonly timers = new Timers();
  readonly rng: Rng;
  readonly faults: FaultStore;

  constructor(
    readonly config: ResolvedConfig,
    readonly loader: ModelLoader,
    readonly dataDir: string,
    initialFaults: EmulatorConfig['faults'],
  ) {
    this.rng = new Rng(config.seed);
    this.faults = new FaultStore(this.rng, initialFaults);
  }

  region(name: string): RegionState {
    let r = this.regions.get(name);
    if (!r) {
      r = new RegionState(
        name,
        this.config.metricHighResolutionSeconds,
        this.config.metricRetentionSeconds,
        this.config.metricSecondRowBudget,
      );
      this.regions.set(name, r);
    }
    return r;
  }

  /** True in the `aws` profile: behave as AWS documents, not as the kind emulator. */
  get aws(): boolean {
    return this.config.profile === 'aws';
  }

  /** One of AWS's durations (ms) as this emulator plays it: multiplied by the time scale. */
  scaled(awsMs: number): number {
    return awsMs * this.config.timeScale;
  }

  delays(): Required<TransitionDelays> {
    return { ...this.config.delays, ...stripUndefined(this.faults.delays() ?? {}) };
  }

  reset(): void {
    this.timers.clear();
    this.regions.clear();
    this.loader.clear();
  }
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

export function arn(config: ResolvedConfig, region: string, kind: string, name: string): string {
  return `arn:aws:sagemaker:${region}:${config.accountId}:${kind}/${name.toLowerCase()}`;
}
