// What CloudWatch's operations share: its query-compatible errors and the parameter checks.
import { isValidQueryPeriod } from '../cloudwatch-periods';
import { AwsError } from '../errors';
import { type Dimension, parseStat, type ParsedStat, sortDimensions } from '../metrics';
import type { OpResult } from '../sagemaker';
import type { EmulatorContext, Json, RegionState } from '../state';

/** Error shapes of the CloudWatch model and their query-compatible codes. */
const QUERY_CODES: Record<string, [code: string, status: number, fault: 'Sender' | 'Receiver']> = {
  InvalidParameterValueException: ['InvalidParameterValue', 400, 'Sender'],
  InvalidParameterCombinationException: ['InvalidParameterCombination', 400, 'Sender'],
  MissingRequiredParameterException: ['MissingParameter', 400, 'Sender'],
  ResourceNotFound: ['ResourceNotFound', 404, 'Sender'],
  InvalidNextToken: ['InvalidNextToken', 400, 'Sender'],
  LimitExceededFault: ['LimitExceeded', 400, 'Sender'],
  InternalServiceFault: ['InternalServiceError', 500, 'Receiver'],
  Throttling: ['Throttling', 400, 'Sender'],
  ResourceConflict: ['ResourceConflict', 409, 'Sender'],
  // Modeled in the CloudWatch clients of 2026 (@aws-sdk/client-cloudwatch: awsQueryError "ValidationError", 400).
  ValidationException: ['ValidationError', 400, 'Sender'],
};

export class CloudWatchError extends AwsError {
  readonly queryError: string;
  constructor(shape: keyof typeof QUERY_CODES, message: string) {
    const [code, status, fault] = QUERY_CODES[shape];
    super(shape, message, status);
    this.queryError = `${code};${fault}`;
  }
}

export const invalid = (message: string) => new CloudWatchError('InvalidParameterValueException', message);
export const missing = (parameter: string) =>
  new CloudWatchError('MissingRequiredParameterException', `The parameter ${parameter} is required.`);

export type Handler = (ctx: EmulatorContext, region: RegionState, input: Json) => OpResult;

export function seconds(value: unknown, parameter: string): number {
  // awsJson sends timestamps as epoch seconds (fractions allowed); accept ISO strings from hand-written clients too.
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string') {
    const t = Date.parse(value);
    if (Number.isFinite(t)) return t / 1000;
  }
  if (value === undefined || value === null) throw missing(parameter);
  throw invalid(`The parameter ${parameter} must be a timestamp.`);
}

export function dimensionsOf(value: unknown, where: string): Dimension[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw invalid(`The parameter ${where} must be a list.`);
  if (value.length > 30) throw invalid(`The collection ${where} must not have a size greater than 30.`);
  return sortDimensions(
    value.map((d, i) => {
      const dim = (d ?? {}) as Json;
      if (typeof dim.Name !== 'string' || dim.Name === '') throw missing(`${where}.member.${i + 1}.Name`);
      if (typeof dim.Value !== 'string') throw missing(`${where}.member.${i + 1}.Value`);
      return { Name: dim.Name, Value: dim.Value };
    }),
  );
}

export function periodOf(value: unknown, where: string): number {
  if (value === undefined || value === null) throw missing(where);
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw invalid(`The parameter ${where} must be a whole number of seconds of at least 1.`);
  }
  return value;
}

/**
 * The aws profile's check of a query Period: a period valid for no metric (not 1, 5, 10, 20, 30 or a multiple of 60,
 * [BC-CW] MetricStat.Period) is refused, or with `invalidPeriod: "no-data"` answered with no datapoints. The wording
 * of the refusal is not documented.
 */
export function queryPeriodOf(ctx: EmulatorContext, value: unknown, where: string): number {
  const period = periodOf(value, where);
  if (
    ctx.aws &&
    ctx.config.cloudwatch.invalidPeriod === 'reject' &&
    !isValidQueryPeriod(period, ctx.config.cloudwatch)
  ) {
    throw invalid(`The parameter ${where} must be 1, 5, 10, 20, 30 or a multiple of 60.`);
  }
  return period;
}

export function statOf(value: unknown, where: string): ParsedStat {
  if (typeof value !== 'string') throw missing(where);
  const stat = parseStat(value);
  if (!stat) {
    throw invalid(
      `The value ${value} for parameter ${where} is not supported by this emulator: use Sum, Average, SampleCount, ` +
        'Minimum, Maximum or a percentile such as p50, p90, p99, p99.9.',
    );
  }
  return stat;
}

export function encodeToken(value: Json): string {
  return Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
}

export function decodeToken(token: unknown): Json | undefined {
  if (token === undefined || token === null || token === '') return undefined;
  try {
    const parsed = JSON.parse(Buffer.from(String(token), 'base64url').toString('utf8')) as unknown;
    if (typeof parsed === 'object' && parsed !== null) return parsed as Json;
  } catch {
    // fall through
  }
  throw new CloudWatchError(
    'InvalidNextToken',
    'The service couldn’t process your request because the NextToken is invalid.',
  );
}
