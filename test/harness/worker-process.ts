// Starts the rollout worker as a child process (test/harness/worker-child.ts) and kills it like a crash would.
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { temporalAddress, workflowBundle } from './temporal';

export interface WorkerProcess {
  child: ChildProcess;
  /** SIGKILL: no shutdown hooks, in-flight activities and workflow tasks are simply lost. */
  crash(): Promise<void>;
  /** SIGTERM: the graceful shutdown a deploy would do. */
  stop(): Promise<void>;
  output(): string;
}

/** Writes the workflow bundle once per test file, so each (re)started worker skips bundling. */
export async function writeWorkflowBundle(dir: string): Promise<string> {
  const { code } = await workflowBundle(require.resolve('../../src/workflows'));
  const path = join(dir, 'workflow-bundle.js');
  writeFileSync(path, code);
  return path;
}

export async function startWorkerProcess(opts: {
  taskQueue: string;
  bundlePath: string;
  env?: Record<string, string>;
}): Promise<WorkerProcess> {
  const child = spawn(process.execPath, ['--require', require.resolve('tsx/cjs'), join(__dirname, 'worker-child.ts')], {
    env: {
      ...process.env,
      TEMPORAL_ADDRESS: temporalAddress(),
      MODEL_ROLLOUT_TASK_QUEUE: opts.taskQueue,
      MODEL_ROLLOUT_WORKFLOW_BUNDLE: opts.bundlePath,
      ...opts.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (d) => (output += String(d)));
  child.stderr!.on('data', (d) => (output += String(d)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`worker did not start in 60 s:\n${output}`)), 60_000);
    const check = () => {
      if (output.includes('worker ready')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout!.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`worker exited (${code}) before it was ready:\n${output}`));
    });
  });
  const end = async (signal: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    await exited;
  };
  return { child, crash: () => end('SIGKILL'), stop: () => end('SIGTERM'), output: () => output };
}
