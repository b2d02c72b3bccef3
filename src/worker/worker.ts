// The rollout worker: polls task queue `model-rollout`, runs the workflow and the AWS activities.
// Temporal connection from the standard env config; AWS from the default credential chain and AWS_ENDPOINT_URL.
import { Connection } from '@temporalio/client';
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { createActivities, type ActivityOptions } from '../activities';
import { createAwsClients } from '../activities/clients';
import { TASK_QUEUE } from '../workflows/shared';
import { temporalConnectConfig } from './connection';
import { ensureSearchAttributes } from './search-attributes';
import { SHARED_WORKFLOW_MODULES, WORKFLOW_INTERCEPTOR_MODULES } from './shared-modules';

export interface RolloutWorkerOptions extends ActivityOptions {
  taskQueue?: string;
  /**
   * A pre-built workflow bundle (tests share one), made with WORKFLOW_INTERCEPTOR_MODULES as its interceptor modules;
   * by default the worker bundles src/workflows itself.
   */
  workflowBundle?: WorkerOptions['workflowBundle'];
  tuning?: Partial<
    Pick<
      WorkerOptions,
      | 'maxConcurrentActivityTaskExecutions'
      | 'maxConcurrentLocalActivityExecutions'
      | 'maxConcurrentWorkflowTaskExecutions'
      | 'maxCachedWorkflows'
    >
  >;
}

export async function createRolloutWorker(
  options: RolloutWorkerOptions = {},
): Promise<{ worker: Worker; close: () => Promise<void> }> {
  const config = temporalConnectConfig();
  const client = await Connection.connect(config.connectionOptions);
  const searchAttributes = await ensureSearchAttributes(client, config.namespace);
  await client.close();
  const connection = await NativeConnection.connect(config.connectionOptions);
  const activities = createActivities(createAwsClients(), { ...options, searchAttributes });
  const worker = await Worker.create({
    connection,
    namespace: config.namespace,
    taskQueue: options.taskQueue ?? TASK_QUEUE,
    ...(options.workflowBundle
      ? { workflowBundle: options.workflowBundle }
      : {
          workflowsPath: require.resolve('../workflows'),
          bundlerOptions: { preloadModules: SHARED_WORKFLOW_MODULES },
          interceptors: { workflowModules: WORKFLOW_INTERCEPTOR_MODULES },
        }),
    activities,
    // Most activities wait on AWS (polls, soak traffic), not on our CPU: allow many at once.
    maxConcurrentActivityTaskExecutions: 200,
    ...options.tuning,
  });
  return { worker, close: () => connection.close() };
}

export async function runWorker(options: RolloutWorkerOptions = {}): Promise<void> {
  const { worker, close } = await createRolloutWorker(options);
  const config = temporalConnectConfig();
  console.log(
    `[worker] polling task queue "${options.taskQueue ?? TASK_QUEUE}" on ${config.connectionOptions.address} (namespace ${config.namespace}); AWS endpoint: ${process.env.AWS_ENDPOINT_URL ?? 'AWS default'}; keeps up to ${worker.options.maxCachedWorkflows} rollouts in memory`,
  );
  const cacheNote = cacheWarning(worker.options.maxCachedWorkflows, options.tuning?.maxCachedWorkflows !== undefined);
  if (cacheNote) console.warn(cacheNote);
  try {
    await worker.run(); // returns after SIGINT/SIGTERM, once in-flight tasks are drained
  } finally {
    await close();
  }
}

/**
 * The SDK sizes its workflow cache from V8's heap limit at about 1.7 MB per workflow, while a live-traffic rollout
 * holds about 0.1 MB. So a heap capped to save memory (NODE_OPTIONS=--max-old-space-size=200) leaves a cache of 10,
 * and every other running rollout is replayed from its history at each workflow task (the overhead that costs is in
 * docs/performance.md). Say so at start-up.
 */
export function cacheWarning(maxCachedWorkflows: number, setByUser: boolean): string | null {
  if (setByUser || maxCachedWorkflows >= 200) return null;
  return (
    `[worker] the heap limit leaves room for ${maxCachedWorkflows} cached rollouts by the SDK's default; with more rollouts ` +
    'running at once, each workflow task replays its history. Set MODEL_ROLLOUT_MAX_CACHED_WORKFLOWS to the number ' +
    'of rollouts you run at once (a live-traffic rollout keeps about 0.1 MB of workflow heap; see docs/production.md)'
  );
}

/**
 * Worker options from the environment, for `model-rollout worker`, containers and benchmarks:
 * MODEL_ROLLOUT_TASK_QUEUE, MODEL_ROLLOUT_POLL_MS, and the tuning knobs MODEL_ROLLOUT_MAX_CACHED_WORKFLOWS,
 * MODEL_ROLLOUT_MAX_CONCURRENT_ACTIVITIES, MODEL_ROLLOUT_MAX_CONCURRENT_LOCAL_ACTIVITIES,
 * MODEL_ROLLOUT_MAX_CONCURRENT_WORKFLOW_TASKS.
 */
export function workerOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): RolloutWorkerOptions {
  const int = (name: string): number | undefined => {
    const raw = env[name];
    if (raw === undefined || raw === '') return undefined;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < 1) throw new Error(`${name}=${raw}: must be a whole number above 0`);
    return value;
  };
  const tuning: NonNullable<RolloutWorkerOptions['tuning']> = {};
  const cached = int('MODEL_ROLLOUT_MAX_CACHED_WORKFLOWS');
  const activities = int('MODEL_ROLLOUT_MAX_CONCURRENT_ACTIVITIES');
  const workflowTasks = int('MODEL_ROLLOUT_MAX_CONCURRENT_WORKFLOW_TASKS');
  const localActivities = int('MODEL_ROLLOUT_MAX_CONCURRENT_LOCAL_ACTIVITIES');
  if (cached !== undefined) tuning.maxCachedWorkflows = cached;
  if (activities !== undefined) tuning.maxConcurrentActivityTaskExecutions = activities;
  if (workflowTasks !== undefined) tuning.maxConcurrentWorkflowTaskExecutions = workflowTasks;
  if (localActivities !== undefined) tuning.maxConcurrentLocalActivityExecutions = localActivities;
  const pollIntervalMs = int('MODEL_ROLLOUT_POLL_MS');
  return {
    ...(env.MODEL_ROLLOUT_TASK_QUEUE ? { taskQueue: env.MODEL_ROLLOUT_TASK_QUEUE } : {}),
    ...(pollIntervalMs !== undefined ? { pollIntervalMs } : {}),
    ...(Object.keys(tuning).length > 0 ? { tuning } : {}),
  };
}

if (require.main === module) {
  runWorker(workerOptionsFromEnv()).catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
