// A rollout worker in its own process, so a test can SIGKILL it mid-rollout as a crash would. Started by
// worker-process.ts; configured through the environment exactly like `model-rollout worker`, plus a pre-built
// workflow bundle so a restart takes a second, not a bundling pass.
import { createRolloutWorker, workerOptionsFromEnv } from '../../src/worker/worker';
import './quiet-runtime'; // warnings and errors only

/** A test or benchmark killed without cleanup must not leave its workers running: exit when the parent is gone. */
function exitWithParent(): void {
  const parent = process.ppid;
  setInterval(() => {
    try {
      process.kill(parent, 0);
    } catch {
      process.exit(1);
    }
  }, 1_000).unref();
}

/** bench:scale asks where the memory goes: the main thread's V8 heap vs everything else in the process. */
function reportMemory(everyMs: number): void {
  setInterval(() => {
    const m = process.memoryUsage();
    process.stdout.write(
      `memory ${JSON.stringify({ rss: m.rss, heapUsed: m.heapUsed, heapTotal: m.heapTotal, external: m.external })}\n`,
    );
  }, everyMs).unref();
}

async function main(): Promise<void> {
  exitWithParent();
  if (process.env.MODEL_ROLLOUT_REPORT_MEMORY_MS) reportMemory(Number(process.env.MODEL_ROLLOUT_REPORT_MEMORY_MS));
  const taskQueue = process.env.MODEL_ROLLOUT_TASK_QUEUE;
  const codePath = process.env.MODEL_ROLLOUT_WORKFLOW_BUNDLE;
  if (!taskQueue || !codePath)
    throw new Error('MODEL_ROLLOUT_TASK_QUEUE and MODEL_ROLLOUT_WORKFLOW_BUNDLE are required');
  const { worker, close } = await createRolloutWorker({
    ...workerOptionsFromEnv(), // tuning knobs, as `model-rollout worker` reads them
    taskQueue,
    workflowBundle: { codePath },
    pollIntervalMs: Number(process.env.MODEL_ROLLOUT_POLL_MS ?? 200),
  });
  process.stdout.write('worker ready\n');
  await worker.run();
  await close();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
