/**
 * Fault injection and the randomness behind it: a seeded RNG (so a run with the same seed and the same request order
 * routes and fails the same requests), lognormal latency, and the fault set the admin API replaces or merges.
 */
import type { EmulatorFaults, EndpointFaults, OperationFaults, VariantFaults } from './types';

/** mulberry32: tiny, fast, good enough for traffic splits and fault draws; deterministic for a seed. */
export class Rng {
  private state: number;
  private spare: number | undefined;

  constructor(seed: number) {
    this.state = seed >>> 0 || 0x9e3779b9;
  }

  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Standard normal (Box–Muller, keeping the second value for the next call). */
  normal(): number {
    if (this.spare !== undefined) {
      const s = this.spare;
      this.spare = undefined;
      return s;
    }
    let u = this.next();
    while (u === 0) u = this.next();
    const v = this.next();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  /** Lognormal with the given median (exp(mu)) and sigma. */
  lognormal(median: number, sigma: number): number {
    if (sigma <= 0) return median;
    return median * Math.exp(sigma * this.normal());
  }

  chance(p: number | undefined): boolean {
    return p !== undefined && p > 0 && this.next() < p;
  }
}

export class FaultError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FaultError';
  }
}

const RATE_KEYS = ['errorRate5xx', 'errorRate4xx', 'throttleRate'] as const;

function checkObject(value: unknown, where: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new FaultError(`${where} must be an object`);
  }
  return value as Record<string, unknown>;
}

function checkKeys(obj: Record<string, unknown>, allowed: readonly string[], where: string): void {
  for (const key of Object.keys(obj)) {
    if (!allowed.includes(key)) throw new FaultError(`${where}.${key} is not a fault (known: ${allowed.join(', ')})`);
  }
}

function checkRate(value: unknown, where: string): void {
  if (value === undefined || value === null) return;
  if (typeof value !== 'number' || !(value >= 0 && value <= 1)) {
    throw new FaultError(`${where} must be a number between 0 and 1, got ${JSON.stringify(value)}`);
  }
}

function checkNonNegative(value: unknown, where: string): void {
  if (value === undefined || value === null) return;
  if (typeof value !== 'number' || !(value >= 0) || !Number.isFinite(value)) {
    throw new FaultError(`${where} must be a non-negative number, got ${JSON.stringify(value)}`);
  }
}

/** Throws a FaultError naming the bad field; a typo must not silently inject nothing. */
export function validateFaults(input: unknown, where = 'faults'): EmulatorFaults {
  const f = checkObject(input, where);
  checkKeys(f, ['endpoints', 'operations', 'delays', 'cloudwatchNoData', 'getMetricData'], where);
  if (f.endpoints !== undefined && f.endpoints !== null) {
    for (const [name, epRaw] of Object.entries(checkObject(f.endpoints, `${where}.endpoints`))) {
      if (epRaw === null) continue;
      const at = `${where}.endpoints.${name}`;
      const ep = checkObject(epRaw, at);
      checkKeys(ep, ['variants', 'updateFails', 'capacityUpdateFails', 'updateDelayMs', 'updateEndsIn'], at);
      checkNonNegative(ep.updateDelayMs, `${at}.updateDelayMs`);
      if (
        ep.updateEndsIn !== undefined &&
        ep.updateEndsIn !== null &&
        ep.updateEndsIn !== 'UpdateRollbackFailed' &&
        ep.updateEndsIn !== 'OutOfService'
      ) {
        throw new FaultError(`${at}.updateEndsIn must be "UpdateRollbackFailed" or "OutOfService"`);
      }
      for (const key of ['updateFails', 'capacityUpdateFails']) {
        if (ep[key] !== undefined && ep[key] !== null && !['boolean', 'string'].includes(typeof ep[key])) {
          throw new FaultError(`${at}.${key} must be true/false or a FailureReason string`);
        }
      }
      if (ep.variants !== undefined && ep.variants !== null) {
        for (const [vName, vRaw] of Object.entries(checkObject(ep.variants, `${at}.variants`))) {
          if (vRaw === null) continue;
          const vAt = `${at}.variants.${vName}`;
          const v = checkObject(vRaw, vAt);
          checkKeys(v, [...RATE_KEYS, 'latencyMedianMs', 'latencySigma'], vAt);
          for (const k of RATE_KEYS) checkRate(v[k], `${vAt}.${k}`);
          checkNonNegative(v.latencyMedianMs, `${vAt}.latencyMedianMs`);
          checkNonNegative(v.latencySigma, `${vAt}.latencySigma`);
        }
      }
    }
  }
  if (f.operations !== undefined && f.operations !== null) {
    for (const [op, oRaw] of Object.entries(checkObject(f.operations, `${where}.operations`))) {
      if (oRaw === null) continue;
      const at = `${where}.operations.${op}`;
      if (!/^(SageMaker|CloudWatch|Runtime|S3|ApplicationAutoScaling)\.[A-Za-z]+$/.test(op)) {
        throw new FaultError(`${at}: operation keys look like "SageMaker.UpdateEndpoint" or "Runtime.InvokeEndpoint"`);
      }
      const o = checkObject(oRaw, at);
      checkKeys(o, ['throttleRate', 'errorRate5xx', 'failNext', 'failWith', 'responseDelayMs'], at);
      checkNonNegative(o.responseDelayMs, `${at}.responseDelayMs`);
      checkRate(o.throttleRate, `${at}.throttleRate`);
      checkRate(o.errorRate5xx, `${at}.errorRate5xx`);
      checkNonNegative(o.failNext, `${at}.failNext`);
      if (o.failWith !== undefined && o.failWith !== null && o.failWith !== '5xx' && o.failWith !== 'throttle') {
        throw new FaultError(`${at}.failWith must be "5xx" or "throttle"`);
      }
    }
  }
  if (f.delays !== undefined && f.delays !== null) {
    const d = checkObject(f.delays, `${where}.delays`);
    checkKeys(d, ['createMs', 'updateMs', 'deleteMs'], `${where}.delays`);
    for (const k of ['createMs', 'updateMs', 'deleteMs']) checkNonNegative(d[k], `${where}.delays.${k}`);
  }
  if (f.cloudwatchNoData !== undefined && f.cloudwatchNoData !== null && typeof f.cloudwatchNoData !== 'boolean') {
    throw new FaultError(`${where}.cloudwatchNoData must be true or false`);
  }
  if (f.getMetricData !== undefined && f.getMetricData !== null) {
    const at = `${where}.getMetricData`;
    const g = checkObject(f.getMetricData, at);
    checkKeys(g, ['statusCode', 'count'], at);
    if (g.statusCode !== 'InternalError' && g.statusCode !== 'PartialData') {
      throw new FaultError(`${at}.statusCode must be "InternalError" or "PartialData"`);
    }
    checkNonNegative(g.count, `${at}.count`);
  }
  return f as EmulatorFaults;
}

/** Deep merge where `null` removes a key: PATCH {"endpoints": {"churn": null}} clears that endpoint's faults. */
function mergeDeep(base: unknown, patch: unknown): unknown {
  if (patch === null) return undefined;
  if (typeof patch !== 'object' || Array.isArray(patch)) return patch;
  const out: Record<string, unknown> =
    typeof base === 'object' && base !== null && !Array.isArray(base) ? { ...(base as Record<string, unknown>) } : {};
  for (const [k, v] of Object.entries(patch as Record<string, unknown>)) {
    const merged = mergeDeep(out[k], v);
    if (merged === undefined) delete out[k];
    else out[k] = merged;
  }
  return out;
}

function stripNulls(value: unknown): unknown {
  return mergeDeep({}, value);
}

export type OperationOutcome = 'ok' | 'throttle' | '5xx';

/** The current fault set; replaced (PUT) or merged (PATCH) at run time. */
export class FaultStore {
  private faults: EmulatorFaults = {};

  constructor(
    private readonly rng: Rng,
    initial?: EmulatorFaults,
  ) {
    if (initial) this.replace(initial);
  }

  get(): EmulatorFaults {
    return JSON.parse(JSON.stringify(this.faults)) as EmulatorFaults;
  }

  replace(next: unknown): EmulatorFaults {
    this.faults = stripNulls(validateFaults(next)) as EmulatorFaults;
    return this.get();
  }

  merge(patch: unknown): EmulatorFaults {
    validateFaults(patch);
    const merged = (mergeDeep(this.faults, patch) ?? {}) as EmulatorFaults;
    this.faults = validateFaults(merged);
    return this.get();
  }

  endpoint(name: string): EndpointFaults | undefined {
    return this.faults.endpoints?.[name];
  }

  variant(endpoint: string, variant: string): VariantFaults | undefined {
    return this.faults.endpoints?.[endpoint]?.variants?.[variant];
  }

  delays() {
    return this.faults.delays;
  }

  cloudwatchNoData(): boolean {
    return this.faults.cloudwatchNoData === true;
  }

  /** Consumes the one-shot updateEndsIn fault: the status the next update ends in, or undefined. */
  takeUpdateEnding(endpoint: string): 'UpdateRollbackFailed' | 'OutOfService' | undefined {
    const ep = this.faults.endpoints?.[endpoint];
    const ending = ep?.updateEndsIn ?? undefined;
    if (ep) delete ep.updateEndsIn;
    return ending;
  }

  /** The StatusCode this GetMetricData call is made to answer with, if any; consumes one of its count. */
  takeGetMetricDataStatus(): 'InternalError' | 'PartialData' | undefined {
    const g = this.faults.getMetricData;
    if (!g) return undefined;
    const left = (g.count ?? 1) - 1;
    if (left <= 0) delete this.faults.getMetricData;
    else g.count = left;
    return g.statusCode;
  }

  /** Consumes the one-shot updateFails fault: returns the FailureReason to use, or undefined. */
  takeUpdateFailure(endpoint: string): string | undefined {
    return this.takeFailure(
      endpoint,
      'updateFails',
      'The primary container for production variant did not pass the ping health check (injected fault).',
    );
  }

  /** Consumes the one-shot capacityUpdateFails fault: returns the FailureReason to use, or undefined. */
  takeCapacityUpdateFailure(endpoint: string): string | undefined {
    return this.takeFailure(
      endpoint,
      'capacityUpdateFails',
      'Unable to provision the requested ML compute capacity (injected fault).',
    );
  }

  private takeFailure(
    endpoint: string,
    key: 'updateFails' | 'capacityUpdateFails',
    defaultReason: string,
  ): string | undefined {
    const ep = this.faults.endpoints?.[endpoint];
    const fault = ep?.[key];
    if (!ep || fault === undefined || fault === false) return undefined;
    delete ep[key];
    return typeof fault === 'string' ? fault : defaultReason;
  }

  /** How long to hold a successful response of this operation after it took effect. */
  responseDelayMs(key: string): number {
    return this.faults.operations?.[key]?.responseDelayMs ?? 0;
  }

  /** Whether this call of an operation fails by fault; consumes one failNext when it fires. */
  operation(key: string): OperationOutcome {
    const op: OperationFaults | undefined = this.faults.operations?.[key];
    if (!op) return 'ok';
    if (op.failNext !== undefined && op.failNext > 0) {
      op.failNext -= 1;
      if (op.failNext === 0) delete op.failNext;
      return op.failWith === 'throttle' ? 'throttle' : '5xx';
    }
    if (this.rng.chance(op.throttleRate)) return 'throttle';
    if (this.rng.chance(op.errorRate5xx)) return '5xx';
    return 'ok';
  }
}
