// A rollout worker in its own process, so a test can SIGKILL it mid-rollout as a crash would. Started by
// worker-process.ts; configured through the environment exactly like `model-rollout worker`, plus a pre-built
// workflow bundle so a restart takes a second, not a bundling pass.
import { createRolloutWorker } from '../../src/worker/worker';
import './quiet-runtime'; // warnings and errors only

async function main(): Promise<void> {
  const taskQueue = process.env.MODEL_ROLLOUT_TASK_QUEUE;
  const codePath = process.env.MODEL_ROLLOUT_WORKFLOW_BUNDLE;
  if (!taskQueue || !codePath)
    throw new Error('MODEL_ROLLOUT_TASK_QUEUE and MODEL_ROLLOUT_WORKFLOW_BUNDLE are required');
  const { worker, close } = await createRolloutWorker({
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
