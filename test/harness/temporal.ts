// Helpers for tests that run workflows on the real dev server started by global-setup.ts.
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode, NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { SHARED_WORKFLOW_MODULES, WORKFLOW_INTERCEPTOR_MODULES } from '../../src/worker/shared-modules';

export function temporalAddress(): string {
  const address = process.env.TEMPORAL_ADDRESS;
  if (!address)
    throw new Error('TEMPORAL_ADDRESS is not set: run the tests through jest (global-setup starts the server)');
  return address;
}

/** A name no other test (or jest worker) uses, for task queues and workflow ids. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

export async function connectClient(): Promise<{ client: Client; close: () => Promise<void> }> {
  const connection = await Connection.connect({ address: temporalAddress() });
  const client = new Client({ connection, namespace: process.env.TEMPORAL_NAMESPACE ?? 'default' });
  return { client, close: () => connection.close() };
}

const bundles = new Map<string, Promise<{ code: string }>>();

/** Bundles a workflows module once per test file: webpack takes seconds, and every worker in the file can share it. */
export function workflowBundle(workflowsPath: string): Promise<{ code: string }> {
  let bundle = bundles.get(workflowsPath);
  if (!bundle) {
    bundle = bundleWorkflowCode({
      workflowsPath,
      preloadModules: SHARED_WORKFLOW_MODULES,
      workflowInterceptorModules: WORKFLOW_INTERCEPTOR_MODULES,
      logger: quietBundlerLogger,
    });
    bundles.set(workflowsPath, bundle);
  }
  return bundle;
}

const quietBundlerLogger = {
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: (m: string) => console.warn(m),
  error: (m: string) => console.error(m),
  log: () => undefined,
};

/** Runs a Worker on the dev server while `fn` runs, then shuts it down and waits for it. */
export async function withWorker<T>(
  options: Omit<WorkerOptions, 'connection' | 'workflowsPath' | 'workflowBundle'> & { workflowsPath: string },
  fn: (worker: Worker) => Promise<T>,
): Promise<T> {
  const connection = await NativeConnection.connect({ address: temporalAddress() });
  const { workflowsPath, ...rest } = options;
  const worker = await Worker.create({
    connection,
    namespace: process.env.TEMPORAL_NAMESPACE ?? 'default',
    workflowBundle: await workflowBundle(workflowsPath),
    ...rest,
  });
  try {
    return await worker.runUntil(fn(worker));
  } finally {
    await connection.close();
  }
}

const execFileAsync = promisify(execFile);

/** Runs the real `temporal` CLI binary against the test server, as a user would type it. */
export async function temporalCli(args: string[]): Promise<string> {
  const cli = process.env.TEMPORAL_CLI_PATH;
  if (!cli) throw new Error('TEMPORAL_CLI_PATH is not set: run the tests through jest (global-setup sets it)');
  const { stdout } = await execFileAsync(cli, [...args, '--address', temporalAddress()], { encoding: 'utf8' });
  return stdout;
}
