/**
 * The aws profile's timings, resolved from `awsBehaviour` (AWS seconds) and turned into this emulator's milliseconds
 * through the time scale. Where AWS documents no number the README's aws-profile table says what each default rests
 * on; every one is configurable.
 */
import type { AwsBehaviour } from './types';

export interface ResolvedAwsBehaviour {
  consistencySeconds: number;
  provisioningSeconds: Record<string, number>;
  scaleInSeconds: number;
  weightChangeSeconds: number;
  targetTracking: { scaleOutDatapoints: number; scaleInDatapoints: number; scaleInRatio: number };
}

/** GPU and accelerator families take longer to come up (larger images and drivers); CPU families the default. */
const ACCELERATED = /^ml\.(g\d|p\d|inf\d|trn\d)/;
const DEFAULT_CPU_SECONDS = 300;
const DEFAULT_ACCELERATED_SECONDS = 480;

export function resolveAwsBehaviour(b: AwsBehaviour = {}): ResolvedAwsBehaviour {
  return {
    consistencySeconds: b.consistencySeconds ?? 3,
    provisioningSeconds: { ...(b.provisioningSeconds ?? {}) },
    scaleInSeconds: b.scaleInSeconds ?? 60,
    weightChangeSeconds: b.weightChangeSeconds ?? 30,
    targetTracking: {
      scaleOutDatapoints: b.targetTracking?.scaleOutDatapoints ?? 3,
      scaleInDatapoints: b.targetTracking?.scaleInDatapoints ?? 15,
      scaleInRatio: b.targetTracking?.scaleInRatio ?? 0.9,
    },
  };
}

/** Refuses settings that cannot be right, naming the field (a typo must not silently run with a default). */
export function checkAwsBehaviour(b: unknown): void {
  if (b === undefined) return;
  const where = 'emulator config awsBehaviour';
  if (typeof b !== 'object' || b === null || Array.isArray(b)) throw new Error(`${where} must be an object`);
  const known = [
    'consistencySeconds',
    'provisioningSeconds',
    'scaleInSeconds',
    'weightChangeSeconds',
    'targetTracking',
  ];
  const obj = b as Record<string, unknown>;
  for (const key of Object.keys(obj)) {
    if (!known.includes(key)) throw new Error(`${where}.${key} is not a setting (known: ${known.join(', ')})`);
  }
  const seconds = (v: unknown, at: string) => {
    if (v !== undefined && !(typeof v === 'number' && Number.isFinite(v) && v >= 0)) {
      throw new Error(`${where}.${at} must be a number of seconds of at least 0, got ${JSON.stringify(v)}`);
    }
  };
  seconds(obj.consistencySeconds, 'consistencySeconds');
  seconds(obj.scaleInSeconds, 'scaleInSeconds');
  seconds(obj.weightChangeSeconds, 'weightChangeSeconds');
  if (obj.provisioningSeconds !== undefined) {
    if (typeof obj.provisioningSeconds !== 'object' || obj.provisioningSeconds === null) {
      throw new Error(`${where}.provisioningSeconds must map instance types or families to seconds`);
    }
    for (const [type, v] of Object.entries(obj.provisioningSeconds)) {
      if (type !== 'default' && !/^ml\.[a-z0-9]+(\.[a-z0-9]+)?$/.test(type)) {
        throw new Error(
          `${where}.provisioningSeconds key ${type} is not an instance type, a family (ml.g5) or "default"`,
        );
      }
      seconds(v, `provisioningSeconds.${type}`);
    }
  }
  if (obj.targetTracking !== undefined) {
    const t = obj.targetTracking as Record<string, unknown>;
    for (const key of Object.keys(t)) {
      if (!['scaleOutDatapoints', 'scaleInDatapoints', 'scaleInRatio'].includes(key)) {
        throw new Error(`${where}.targetTracking.${key} is not a setting`);
      }
    }
    for (const key of ['scaleOutDatapoints', 'scaleInDatapoints']) {
      const v = t[key];
      if (v !== undefined && !(Number.isInteger(v) && (v as number) >= 1)) {
        throw new Error(`${where}.targetTracking.${key} must be a whole number of at least 1`);
      }
    }
    if (
      t.scaleInRatio !== undefined &&
      !(typeof t.scaleInRatio === 'number' && t.scaleInRatio > 0 && t.scaleInRatio <= 1)
    ) {
      throw new Error(`${where}.targetTracking.scaleInRatio must be in (0, 1]`);
    }
  }
}

/** AWS seconds to bring up instances of `instanceType`: the type's own setting, else its family's, else the default. */
export function provisioningSeconds(b: ResolvedAwsBehaviour, instanceType: string | undefined): number {
  const table = b.provisioningSeconds;
  if (instanceType !== undefined) {
    if (table[instanceType] !== undefined) return table[instanceType];
    const family = instanceType.split('.').slice(0, 2).join('.');
    if (table[family] !== undefined) return table[family];
  }
  if (table.default !== undefined) return table.default;
  return instanceType !== undefined && ACCELERATED.test(instanceType)
    ? DEFAULT_ACCELERATED_SECONDS
    : DEFAULT_CPU_SECONDS;
}
