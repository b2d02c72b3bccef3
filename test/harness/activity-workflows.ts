// A workflow that calls one rollout activity through the rollout's own proxies (src/workflows/activities.ts): the
// same timeouts and retry policies as in a rollout, so a test sees what the workflow would see after Temporal's
// retries, with the activity context (heartbeats, first-attempt time) a direct call lacks.
import { quick, waits } from '../../src/workflows/activities';

type Proxy = Record<string, (...args: unknown[]) => Promise<unknown>>;

export async function callActivity(proxy: 'quick' | 'waits', name: string, args: unknown[]): Promise<unknown> {
  const activities = (proxy === 'quick' ? quick : waits) as unknown as Proxy;
  return await activities[name](...args);
}
