// Runs the rollout's real activities on a worker of the shared Temporal dev server and calls them one at a time
// through activity-workflows.ts, for tests of what retries, heartbeats and deadlines do.
import { WorkflowFailedError } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { createActivities, type ActivityOptions } from '../../src/activities';
import { createAwsClients, type AwsClients } from '../../src/activities/clients';
import { connectClient, temporalAddress, uniqueName, workflowBundle } from './temporal';

export interface ActivityFailureSeen {
  message: string;
  type?: string | null;
  nonRetryable?: boolean;
}

export interface ActivityRunner {
  /** Calls activity `name` through the rollout's `quick` (local, retried) or `waits` proxy; resolves to its result. */
  call<T = unknown>(proxy: 'quick' | 'waits', name: string, ...args: unknown[]): Promise<T>;
  /** The same, for a call expected to fail after its retries: the activity's own failure. */
  failure(proxy: 'quick' | 'waits', name: string, ...args: unknown[]): Promise<ActivityFailureSeen>;
  close(): Promise<void>;
}

export async function startActivityRunner(
  options: ActivityOptions = {},
  clients: AwsClients = createAwsClients(),
): Promise<ActivityRunner> {
  const taskQueue = uniqueName('activities');
  const connection = await NativeConnection.connect({ address: temporalAddress() });
  const worker = await Worker.create({
    connection,
    namespace: process.env.TEMPORAL_NAMESPACE ?? 'default',
    taskQueue,
    workflowBundle: await workflowBundle(require.resolve('./activity-workflows')),
    activities: createActivities(clients, options),
  });
  const running = worker.run();
  const { client, close } = await connectClient();
  const call = <T>(proxy: 'quick' | 'waits', name: string, ...args: unknown[]) =>
    client.workflow.execute('callActivity', {
      taskQueue,
      workflowId: uniqueName(`call-${name}`),
      args: [proxy, name, args],
      // A test that waits on a retrying activity must still end.
      workflowExecutionTimeout: '2 minutes',
    }) as Promise<T>;
  return {
    call,
    async failure(proxy, name, ...args) {
      try {
        await call(proxy, name, ...args);
      } catch (err) {
        if (!(err instanceof WorkflowFailedError)) throw err;
        let cause: Error | undefined = err.cause;
        while (cause?.cause instanceof Error) cause = cause.cause;
        const app = cause as (Error & { type?: string | null; nonRetryable?: boolean }) | undefined;
        return { message: app?.message ?? String(err), type: app?.type, nonRetryable: app?.nonRetryable };
      }
      throw new Error(`${name} was expected to fail and succeeded`);
    },
    async close() {
      worker.shutdown();
      await running;
      await close();
      await connection.close();
    },
  };
}
