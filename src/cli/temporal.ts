// The CLI's Temporal side: one connection from the standard env config (flags override it), and the few reads
// every command needs: find a rollout, ask its status, await its result.
import {
  Client,
  Connection,
  WorkflowExecutionAlreadyStartedError,
  WorkflowFailedError,
  WorkflowNotFoundError,
  type WorkflowExecutionDescription,
  type WorkflowHandle,
} from '@temporalio/client';
import { hostname, userInfo } from 'node:os';
import { temporalConnectConfig } from '../worker/connection';
import { rolloutWorkflowId, statusQuery, type RolloutResult, type RolloutStatus } from '../workflows/shared';
import { CliError, EXIT, badInput } from './exit-codes';

export { WorkflowExecutionAlreadyStartedError };

export interface ConnectionFlags {
  address?: string;
  namespace?: string;
  identity?: string;
}

/**
 * `--address` and `--namespace` win over the env config. We set them as the env config's own variables so that
 * everything reading it (our client, the worker command) sees the same values.
 */
export function applyConnectionFlags(flags: ConnectionFlags): void {
  if (flags.address) process.env.TEMPORAL_ADDRESS = flags.address;
  if (flags.namespace) process.env.TEMPORAL_NAMESPACE = flags.namespace;
  if (flags.identity) process.env.MODEL_ROLLOUT_IDENTITY = flags.identity;
}

/**
 * The Temporal identity our requests carry, which Temporal records with each signal and update and the rollout
 * records beside `by`: `--identity` (MODEL_ROLLOUT_IDENTITY), else `<tool>:<user>@<host>`, as the temporal CLI's
 * "temporal-cli:$USER@$HOST". It is what the client says, not a proof: docs/production.md binds it.
 */
export function temporalIdentity(tool: 'model-rollout-cli' | 'model-rollout-dashboard'): string {
  if (process.env.MODEL_ROLLOUT_IDENTITY) return process.env.MODEL_ROLLOUT_IDENTITY;
  let user = process.env.USER ?? 'unknown-user';
  try {
    user = userInfo().username;
  } catch {
    // no passwd entry (some containers): keep $USER
  }
  return `${tool}:${user}@${hostname()}`;
}

export interface CliTemporal {
  client: Client;
  address: string;
  namespace: string;
  /** The identity the client's requests carry. */
  identity: string;
  close(): Promise<void>;
}

export async function connectTemporal(identity = temporalIdentity('model-rollout-cli')): Promise<CliTemporal> {
  const config = temporalConnectConfig();
  const address = config.connectionOptions.address ?? 'localhost:7233';
  let connection: Connection;
  try {
    connection = await Connection.connect({ ...config.connectionOptions, connectTimeout: 5_000 });
  } catch (err) {
    throw new CliError(
      `cannot reach Temporal at ${address} (namespace ${config.namespace}): ${err instanceof Error ? err.message : String(err)}\n` +
        'Start a dev server (temporal server start-dev, or docker compose up), or point at your cluster with ' +
        'TEMPORAL_ADDRESS / --address (TLS and API keys: see docs/production.md).',
      EXIT.unexpected,
    );
  }
  return {
    client: new Client({ connection, namespace: config.namespace, identity }),
    address,
    namespace: config.namespace,
    identity,
    close: () => connection.close(),
  };
}

export function rolloutHandle(client: Client, endpointName: string): WorkflowHandle {
  return client.workflow.getHandle(rolloutWorkflowId(endpointName));
}

function unknownRollout(endpointName: string, namespace: string): CliError {
  return badInput(
    `no rollout found for endpoint "${endpointName}" (workflow id ${rolloutWorkflowId(endpointName)}, namespace ${namespace}): ` +
      'see `model-rollout list`, or start one with `model-rollout start <spec.json>`',
  );
}

/**
 * The rollout's latest run. A handle without a run id follows a rollout's chain of runs (it continues as new when
 * its history grows long); should the answer still be a run that just handed over, ask again.
 */
export async function describeRollout(t: CliTemporal, endpointName: string): Promise<WorkflowExecutionDescription> {
  try {
    for (let attempt = 1; ; attempt++) {
      const description = await rolloutHandle(t.client, endpointName).describe();
      if (description.status.name !== 'CONTINUED_AS_NEW' || attempt >= 5) return description;
      await new Promise((r) => setTimeout(r, 200));
    }
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) throw unknownRollout(endpointName, t.namespace);
    throw err;
  }
}

/** What the CLI knows about a rollout at one moment. */
export type RolloutSnapshot =
  | {
      kind: 'running';
      description: WorkflowExecutionDescription;
      /** Null while no worker has answered the query yet (none running, or the rollout not picked up yet). */
      status: RolloutStatus | null;
      queryError?: string;
    }
  | {
      kind: 'closed';
      description: WorkflowExecutionDescription;
      /** Temporal's execution status: COMPLETED, FAILED, TERMINATED, CANCELLED, TIMED_OUT, … */
      executionStatus: string;
      result?: RolloutResult;
      failure?: string;
    };

/**
 * Queries need a worker to answer; without one the server would hold the call until its own timeout, so we give
 * up early and say so instead of hanging the status view.
 */
export async function queryStatus(t: CliTemporal, endpointName: string, timeoutMs = 10_000): Promise<RolloutStatus> {
  return await t.client.withDeadline(Date.now() + timeoutMs, () =>
    rolloutHandle(t.client, endpointName).query(statusQuery),
  );
}

export async function snapshotRollout(
  t: CliTemporal,
  endpointName: string,
  queryTimeoutMs = 10_000,
): Promise<RolloutSnapshot> {
  const description = await describeRollout(t, endpointName);
  if (description.status.name === 'RUNNING') {
    try {
      return { kind: 'running', description, status: await queryStatus(t, endpointName, queryTimeoutMs) };
    } catch (err) {
      return {
        kind: 'running',
        description,
        status: null,
        queryError: `no answer from a worker on task queue "${description.taskQueue}" yet (${shortError(err)}); is \`model-rollout worker\` running?`,
      };
    }
  }
  return {
    kind: 'closed',
    description,
    executionStatus: description.status.name,
    ...(await closedResult(t, endpointName)),
  };
}

/** The result of a closed rollout, or why it has none. Reads history only, so it needs no worker. */
export async function closedResult(
  t: CliTemporal,
  endpointName: string,
): Promise<{ result?: RolloutResult; failure?: string }> {
  try {
    return { result: (await rolloutHandle(t.client, endpointName).result()) as RolloutResult };
  } catch (err) {
    return { failure: failureMessage(err) };
  }
}

function failureMessage(err: unknown): string {
  if (err instanceof WorkflowFailedError) {
    const cause = err.cause;
    return cause ? `${err.message}: ${cause.message}` : err.message;
  }
  return shortError(err);
}

function shortError(err: unknown): string {
  return err instanceof Error ? err.message.split('\n')[0] : String(err);
}

/** A link to the rollout in the Temporal Web UI when we know where the UI is. */
export function uiLink(address: string, namespace: string, workflowId: string, runId?: string): string | null {
  let base = process.env.TEMPORAL_UI_URL?.replace(/\/+$/, '');
  // The dev server (and our docker-compose stack) serve the UI on 8233 beside gRPC on 7233.
  if (!base && /^(localhost|127\.0\.0\.1):7233$/.test(address)) base = 'http://localhost:8233';
  if (!base) return null;
  const path = `${base}/namespaces/${encodeURIComponent(namespace)}/workflows/${encodeURIComponent(workflowId)}`;
  return runId ? `${path}/${runId}/history` : path;
}
