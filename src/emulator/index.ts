/**
 * The local SageMaker + SageMaker Runtime + CloudWatch (+ minimal S3) emulator: `startEmulator()` runs it in this
 * process on a real HTTP port, so unmodified AWS SDK v3 clients reach it through `endpoint` or `AWS_ENDPOINT_URL`.
 */
import { readFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { evaluateDueAlarms } from './alarms';
import { startTargetTracking } from './autoscaling/target-tracking';
import { checkAwsBehaviour } from './aws-behaviour';
import { checkDataPlaneSettings } from './data-plane-settings';
import { validateFaults } from './faults';
import { installIamPolicy } from './iam/authorize';
import { checkShadowSettings } from './shadow';
import { loadIamPolicy } from './iam/default-policy';
import { ModelLoader } from './model-loader';
import { checkModelRegistrySettings } from './model-registry';
import { createEmulatorServer } from './server';
import { EmulatorContext, resolveConfig } from './state';
import type { EmulatorConfig } from './types';

export type {
  AwsBehaviour,
  EmulatorConfig,
  EmulatorProfile,
  CloudWatchSettings,
  DataCaptureSettings,
  EmulatorFaults,
  EndpointFaults,
  OperationFaults,
  VariantFaults,
  TransitionDelays,
  RequestLogEntry,
  ShadowSettings,
  ModelRegistrySettings,
  EmulatorStateView,
  EndpointStateView,
  VariantView,
  ServiceName,
} from './types';

export interface StartEmulatorOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Where s3://bucket/key resolves: <dataDir>/bucket/key. */
  dataDir: string;
  /** The config itself, or the path of a JSON file holding it. */
  config?: EmulatorConfig | string;
  /** Settings that win over the config's (the command line's --profile, --time-scale, --iam-policy, --quota). */
  overrides?: Pick<EmulatorConfig, 'profile' | 'timeScale' | 'iamPolicy' | 'quotas'>;
}

export interface RunningEmulator {
  url: string;
  port: number;
  close(): Promise<void>;
  /**
   * An outage, as a process restart looks to clients: stop listening and drop every connection for `downMs`,
   * then serve again on the same port with the same state (AWS keeps its resources across its own restarts).
   */
  outage(downMs: number): Promise<void>;
}

const CONFIG_KEYS = [
  'profile',
  'timeScale',
  'iamPolicy',
  'quotas',
  'awsBehaviour',
  'defaultRegion',
  'accountId',
  'seed',
  'delays',
  'faults',
  'latency',
  'sleep',
  'metricHighResolutionSeconds',
  'metricRetentionSeconds',
  'metricSecondRowBudget',
  'requestLogLimit',
  'alarmEvaluation',
  'cloudwatch',
  'dataCapture',
  'shadow',
  'modelRegistry',
  'limits',
];
const FAULT_KEYS = ['endpoints', 'operations', 'cloudwatchNoData', 'getMetricData'];

/**
 * Reads and checks a config: unknown keys are refused (a typo must not silently run without the fault it meant).
 * Fault keys may also sit at the top level (`{"endpoints": {...}}`), the shape the admin API's PUT takes.
 */
export async function loadEmulatorConfig(config: EmulatorConfig | string | undefined): Promise<EmulatorConfig> {
  if (config === undefined) return {};
  let raw: unknown = config;
  if (typeof config === 'string') {
    const path = resolve(config);
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (e) {
      throw new Error(`emulator config ${path} cannot be read: ${(e as Error).message}`);
    }
    try {
      raw = JSON.parse(text);
    } catch (e) {
      throw new Error(`emulator config ${path} is not JSON: ${(e as Error).message}`);
    }
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    throw new Error('emulator config must be an object');
  const obj = { ...(raw as Record<string, unknown>) };
  const faults: Record<string, unknown> = { ...((obj.faults as Record<string, unknown> | undefined) ?? {}) };
  for (const key of FAULT_KEYS) {
    if (key in obj) {
      faults[key] = obj[key];
      delete obj[key];
    }
  }
  const unknown = Object.keys(obj).filter((k) => !CONFIG_KEYS.includes(k));
  if (unknown.length > 0) {
    throw new Error(
      `emulator config has unknown key(s) ${unknown.join(', ')} (known: ${[...CONFIG_KEYS, ...FAULT_KEYS].join(', ')})`,
    );
  }
  const out = obj as EmulatorConfig;
  checkProfileSettings(out);
  if (Object.keys(faults).length > 0) out.faults = validateFaults(faults, 'config.faults');
  return out;
}

function checkProfileSettings(config: EmulatorConfig): void {
  checkDataPlaneSettings(config);
  checkShadowSettings(config);
  checkModelRegistrySettings(config);
  if (config.profile !== undefined && config.profile !== 'ideal' && config.profile !== 'aws') {
    throw new Error(`emulator config profile must be "ideal" or "aws", got ${JSON.stringify(config.profile)}`);
  }
  if (config.timeScale !== undefined && !(typeof config.timeScale === 'number' && config.timeScale > 0)) {
    throw new Error(
      `emulator config timeScale must be a number above 0 (1 = AWS's own durations), got ${JSON.stringify(config.timeScale)}`,
    );
  }
  checkAwsBehaviour(config.awsBehaviour);
  for (const [type, n] of Object.entries(config.quotas ?? {})) {
    if (!/^ml\.[a-z0-9]+\.[a-z0-9]+$/.test(type) || !Number.isInteger(n) || n < 0) {
      throw new Error(
        `emulator config quotas must map an instance type to a whole number of instances, e.g. {"ml.m5.xlarge": 4}; got ${type}=${JSON.stringify(n)}`,
      );
    }
  }
}

export async function startEmulator(opts: StartEmulatorOptions): Promise<RunningEmulator> {
  if (!opts.dataDir) throw new Error('startEmulator needs a dataDir (where s3://bucket/key objects live)');
  const config = { ...(await loadEmulatorConfig(opts.config)), ...(opts.overrides ?? {}) };
  checkProfileSettings(config);
  const resolved = resolveConfig(config);
  const dataDir = resolve(opts.dataDir);
  const ctx = new EmulatorContext(resolved, new ModelLoader(dataDir), dataDir, config.faults);
  if (ctx.aws) installIamPolicy(ctx, loadIamPolicy(resolved.iamPolicy));
  const { server } = createEmulatorServer(ctx, () => {
    ctx.reset();
    ctx.faults.replace(config.faults ?? {});
  });
  const compaction = setInterval(() => {
    const now = Math.floor(Date.now() / 1000);
    for (const region of ctx.regions.values()) region.metrics.compact(now);
  }, 10_000);
  compaction.unref();
  const alarmTimer = resolved.alarmEvaluation ? setInterval(() => evaluateDueAlarms(ctx, Date.now()), 1000) : undefined;
  alarmTimer?.unref();
  const scalingTimer = ctx.aws ? startTargetTracking(ctx) : undefined;

  const host = opts.host ?? '127.0.0.1';
  const listen = (port: number) =>
    new Promise<void>((resolveListen, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolveListen();
      });
    });
  await listen(opts.port ?? 0);
  const port = (server.address() as AddressInfo).port;
  const urlHost = host.includes(':') ? `[${host}]` : host === '0.0.0.0' ? '127.0.0.1' : host;
  let closed: Promise<void> | undefined;
  return {
    url: `http://${urlHost}:${port}`,
    port,
    close() {
      closed ??= new Promise<void>((resolveClose) => {
        clearInterval(compaction);
        if (alarmTimer) clearInterval(alarmTimer);
        if (scalingTimer) clearInterval(scalingTimer);
        ctx.timers.clear();
        server.close(() => resolveClose());
        // Keep-alive sockets of SDK clients would hold close() open; nothing is in flight that we need to finish.
        server.closeAllConnections();
      });
      return closed;
    },
    async outage(downMs) {
      await new Promise<void>((stopped) => {
        server.close(() => stopped());
        server.closeAllConnections();
      });
      await new Promise((r) => setTimeout(r, downMs));
      await listen(port);
    },
  };
}
