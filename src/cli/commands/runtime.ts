// `worker` and `emulator`: long-running processes, imported lazily so the everyday commands start fast and do not
// load the Temporal worker's native bridge or the emulator.
import { readFileSync } from 'node:fs';
import type { CliContext } from '../context';
import { EXIT, badInput, type ExitCode } from '../exit-codes';

export async function workerCommand(_ctx: CliContext, opts: { taskQueue?: string }): Promise<ExitCode> {
  const { runWorker } = require('../../worker/worker') as typeof import('../../worker/worker');
  await runWorker(opts.taskQueue ? { taskQueue: opts.taskQueue } : {});
  return EXIT.ok;
}

export interface EmulatorFlags {
  port: number;
  host?: string;
  dataDir: string;
  config?: string;
  /** Copy the churn demo models and replay data in, and create the "churn" endpoint once serving. */
  seedDemo?: boolean;
}

/** `--config` names a JSON file of emulator settings (fault injection, timings). */
export function readEmulatorConfig(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw badInput(`cannot read emulator config ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  try {
    const value: unknown = JSON.parse(text);
    if (!value || typeof value !== 'object' || Array.isArray(value)) throw new Error('expected a JSON object');
    return value as Record<string, unknown>;
  } catch (err) {
    throw badInput(`emulator config ${path} is not a JSON object: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** The demo's production endpoint, as `npm run demo` creates it: what a first `model-rollout start` rolls out beside. */
export const DEMO_ENDPOINT = { endpointName: 'churn', variantName: 'Champion', modelName: 'churn-xgb-v1' };

async function seedDemoEndpoint(ctx: CliContext, url: string): Promise<void> {
  const { deployBaseline, emulatorSageMaker } = require('../local-stack') as typeof import('../local-stack');
  const deadline = Date.now() + 60_000;
  for (;;) {
    const healthy = await fetch(`${url}/health`).then(
      (r) => r.ok,
      () => false,
    );
    if (healthy) break;
    if (Date.now() > deadline) throw new Error(`the emulator at ${url} did not become healthy within 60 s`);
    await new Promise((r) => setTimeout(r, 250));
  }
  const sm = emulatorSageMaker(url);
  const { DescribeEndpointCommand } =
    require('@aws-sdk/client-sagemaker') as typeof import('@aws-sdk/client-sagemaker');
  const exists = await sm.send(new DescribeEndpointCommand({ EndpointName: DEMO_ENDPOINT.endpointName })).then(
    () => true,
    () => false,
  );
  if (!exists) {
    await deployBaseline(sm, { ...DEMO_ENDPOINT, modelDataUrl: 's3://models/churn/champion/model.tar.gz' });
  }
  ctx.note(
    `[emulator] demo endpoint "${DEMO_ENDPOINT.endpointName}" serves ${DEMO_ENDPOINT.modelName} as variant ${DEMO_ENDPOINT.variantName}; ` +
      'models at s3://models/churn/{champion,challenger,worse}/model.tar.gz, replay data at s3://data/churn/holdout.csv',
  );
}

export async function emulatorCommand(ctx: CliContext, flags: EmulatorFlags): Promise<ExitCode> {
  if (flags.seedDemo) {
    if (flags.port === 0) throw badInput('--seed-demo needs a fixed --port');
    const { stageDemoData } = require('../local-stack') as typeof import('../local-stack');
    stageDemoData(flags.dataDir);
  }
  // The emulator lands in its own room; until then the path is resolved at run time, not compile time.
  const emulatorModule: string = '../../emulator/command';
  const { runEmulatorCommand } = require(emulatorModule) as {
    runEmulatorCommand: (options: { port: number; dataDir: string; host?: string; config?: unknown }) => Promise<void>;
  };
  const running = runEmulatorCommand({
    port: flags.port,
    dataDir: flags.dataDir,
    ...(flags.host ? { host: flags.host } : {}),
    ...(flags.config ? { config: readEmulatorConfig(flags.config) } : {}),
  });
  if (flags.seedDemo) {
    // Seeding talks to the emulator over its own AWS API, so it waits until the server answers.
    seedDemoEndpoint(ctx, `http://127.0.0.1:${flags.port}`).catch((err) =>
      ctx.note(`[emulator] seeding the demo endpoint failed: ${err instanceof Error ? err.message : String(err)}`),
    );
  }
  await running;
  return EXIT.ok;
}
