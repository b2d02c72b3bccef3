/**
 * Eventual consistency of new models and endpoint configs in the aws profile. [BC-SM] CreateEndpoint and
 * CreateEndpointConfig: "a load call is made to DynamoDB to verify that your endpoint configuration exists … Eventually
 * Consistent Reads … If the dependent entities are not yet in DynamoDB, this causes a validation error. If you repeat
 * your read request after a short time, the response should return the latest data." AWS gives no duration: the
 * window is awsBehaviour.consistencySeconds. Within it Describe* answers "Could not find …" and a call naming the new
 * resource answers the same ValidationException; creating a second one of the same name is still refused (the write
 * is not eventually consistent).
 */
import type { EmulatorContext } from './state';

/** When a resource created now becomes visible (undefined outside the aws profile: at once). */
export function visibleAt(ctx: EmulatorContext): number | undefined {
  if (!ctx.aws) return undefined;
  return Date.now() + ctx.scaled(ctx.config.awsBehaviour.consistencySeconds * 1000);
}

export function isVisible(record: { visibleAt?: number }): boolean {
  return record.visibleAt === undefined || Date.now() >= record.visibleAt;
}
