/**
 * The data plane's `aws`-profile settings (CloudWatch as SageMaker publishes to it, data capture): defaults, checks
 * and their resolution against the time scale. Durations are AWS's seconds; the emulator plays them × timeScale.
 * Sources for each default are in src/emulator/README.md ("Data plane: AWS's behaviour and its sources").
 */
import type { CloudWatchSettings, DataCaptureSettings, EmulatorConfig } from './types';

export interface ResolvedCloudWatch {
  /** AWS's documented CloudWatch behaviour (periods, publish lag, statistic sets); false = the ideal store. */
  aws: boolean;
  /** Seconds of one regular-resolution datapoint: AWS's minute, scaled (at least 1 s). */
  resolutionSeconds: number;
  /** The time scale, for CloudWatch's own documented durations (3 h, 15 d, 63 d). */
  timeScale: number;
  lagMinMs: number;
  lagMaxMs: number;
  lateShare: number;
  lateWindowMs: number;
  sageMakerSamples: 'statistic-sets' | 'values';
  invalidPeriod: 'reject' | 'no-data';
}

export interface ResolvedDataCapture {
  enabled: boolean;
  flushMs: number;
}

const CLOUDWATCH_KEYS = ['resolutionSeconds', 'publishLagSeconds', 'lateSamples', 'sageMakerSamples', 'invalidPeriod'];
const CAPTURE_KEYS = ['enabled', 'flushSeconds'];

function fail(message: string): never {
  throw new Error(`emulator config ${message}`);
}

function nonNegative(value: unknown, where: string): void {
  if (value !== undefined && !(typeof value === 'number' && Number.isFinite(value) && value >= 0)) {
    fail(`${where} must be a number of at least 0, got ${JSON.stringify(value)}`);
  }
}

function unknownKeys(obj: object, known: string[], where: string): void {
  const extra = Object.keys(obj).filter((k) => !known.includes(k));
  if (extra.length > 0) fail(`${where} has unknown key(s) ${extra.join(', ')} (known: ${known.join(', ')})`);
}

/** Refuses settings a typo or a wrong type would silently turn into something else. */
export function checkDataPlaneSettings(config: EmulatorConfig): void {
  const cw = config.cloudwatch;
  if (cw !== undefined) {
    if (typeof cw !== 'object' || cw === null) fail('cloudwatch must be an object');
    unknownKeys(cw, CLOUDWATCH_KEYS, 'cloudwatch');
    if (cw.resolutionSeconds !== undefined && !(Number.isInteger(cw.resolutionSeconds) && cw.resolutionSeconds >= 1)) {
      fail(
        `cloudwatch.resolutionSeconds must be a whole number of at least 1, got ${JSON.stringify(cw.resolutionSeconds)}`,
      );
    }
    if (cw.publishLagSeconds !== undefined) {
      const lag = cw.publishLagSeconds;
      nonNegative(lag.min, 'cloudwatch.publishLagSeconds.min');
      nonNegative(lag.max, 'cloudwatch.publishLagSeconds.max');
      if (!(lag.max >= lag.min)) fail('cloudwatch.publishLagSeconds needs min <= max');
    }
    if (cw.lateSamples !== undefined) {
      const late = cw.lateSamples;
      if (!(typeof late.share === 'number' && late.share >= 0 && late.share <= 1)) {
        fail(`cloudwatch.lateSamples.share must be between 0 and 1, got ${JSON.stringify(late.share)}`);
      }
      nonNegative(late.withinSeconds, 'cloudwatch.lateSamples.withinSeconds');
    }
    if (cw.sageMakerSamples !== undefined && !['statistic-sets', 'values'].includes(cw.sageMakerSamples)) {
      fail(
        `cloudwatch.sageMakerSamples must be "statistic-sets" or "values", got ${JSON.stringify(cw.sageMakerSamples)}`,
      );
    }
    if (cw.invalidPeriod !== undefined && !['reject', 'no-data'].includes(cw.invalidPeriod)) {
      fail(`cloudwatch.invalidPeriod must be "reject" or "no-data", got ${JSON.stringify(cw.invalidPeriod)}`);
    }
  }
  const dc = config.dataCapture;
  if (dc !== undefined) {
    if (typeof dc !== 'object' || dc === null) fail('dataCapture must be an object');
    unknownKeys(dc, CAPTURE_KEYS, 'dataCapture');
    if (dc.enabled !== undefined && typeof dc.enabled !== 'boolean') fail('dataCapture.enabled must be true or false');
    nonNegative(dc.flushSeconds, 'dataCapture.flushSeconds');
  }
}

export function resolveCloudWatch(config: EmulatorConfig): ResolvedCloudWatch {
  const cw: CloudWatchSettings = config.cloudwatch ?? {};
  const scale = config.timeScale ?? 1;
  const ms = (awsSeconds: number) => awsSeconds * 1000 * scale;
  return {
    aws: config.profile === 'aws',
    resolutionSeconds: cw.resolutionSeconds ?? Math.max(1, Math.round(60 * scale)),
    timeScale: scale,
    lagMinMs: ms(cw.publishLagSeconds?.min ?? 60),
    lagMaxMs: ms(cw.publishLagSeconds?.max ?? 120),
    lateShare: cw.lateSamples?.share ?? 0.1,
    lateWindowMs: ms(cw.lateSamples?.withinSeconds ?? 120),
    sageMakerSamples: cw.sageMakerSamples ?? 'statistic-sets',
    invalidPeriod: cw.invalidPeriod ?? 'reject',
  };
}

export function resolveDataCapture(config: EmulatorConfig): ResolvedDataCapture {
  const dc: DataCaptureSettings = config.dataCapture ?? {};
  const aws = config.profile === 'aws';
  return {
    enabled: dc.enabled ?? aws,
    // The ideal profile writes each batch at once unless told otherwise; its time scale has no effect.
    flushMs: aws ? (dc.flushSeconds ?? 60) * 1000 * (config.timeScale ?? 1) : (dc.flushSeconds ?? 0) * 1000,
  };
}
