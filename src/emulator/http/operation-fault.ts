// The injected fault an operation draws before it runs (the admin API's `operations` faults), written as the error
// the addressed service itself would send.
import { CloudWatchError } from '../cloudwatch';
import { AwsError } from '../errors';
import { S3Error } from '../s3';
import type { EmulatorContext } from '../state';
import type { ServiceName } from '../types';

/** The fault an operation draws before it runs, as the error that service would send. */
export function operationFault(ctx: EmulatorContext, service: ServiceName, operation: string): AwsError | undefined {
  const outcome = ctx.faults.operation(`${service}.${operation}`);
  if (outcome === 'ok') return undefined;
  const throttle = outcome === 'throttle';
  switch (service) {
    case 'CloudWatch':
      return throttle
        ? new CloudWatchError('Throttling', 'Rate exceeded')
        : new CloudWatchError('InternalServiceFault', 'Internal service error (injected fault)');
    case 'S3':
      return throttle
        ? new S3Error('SlowDown', 'Please reduce your request rate.', 503, {})
        : new S3Error('InternalError', 'We encountered an internal error. Please try again.', 500, {});
    default:
      return throttle
        ? new AwsError('ThrottlingException', 'Rate exceeded', 400)
        : new AwsError('ServiceUnavailable', 'Service Unavailable (injected fault)', 503);
  }
}
