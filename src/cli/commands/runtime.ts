// `worker` and `emulator`: long-running processes, imported lazily so the everyday commands start fast and do not
// load the Temporal worker's native bridge or the emulator.
import type { CliContext } from '../context';
import { EXIT, type ExitCode } from '../exit-codes';

export async function workerCommand(_ctx: CliContext, opts: { taskQueue?: string }): Promise<ExitCode> {
  const { runWorker, workerOptionsFromEnv } = require('../../worker/worker') as typeof import('../../worker/worker');
  // The environment (MODEL_ROLLOUT_*) sets the tuning; --task-queue wins over MODEL_ROLLOUT_TASK_QUEUE.
  await runWorker({ ...workerOptionsFromEnv(), ...(opts.taskQueue ? { taskQueue: opts.taskQueue } : {}) });
  return EXIT.ok;
}

export interface EmulatorFlags {
  port: number;
  host?: string;
  dataDir: string;
  config?: string;
  /** Copy the churn demo models and replay data in, and create the "churn" endpoint once serving. */
  seedDemo?: boolean;
  profile?: 'ideal' | 'aws';
  timeScale?: number;
  iamPolicy?: string;
  quota?: Record<string, number>;
}

/** The demo's production endpoint, as `npm run demo` creates it: what a first `model-rollout start` rolls out beside. */
const DEMO_ENDPOINT = { endpointName: 'churn', variantName: 'Champion', modelName: 'churn-xgb-v1' };

async function seedDemoEndpoint(ctx: CliContext, url: string): Promise<void> {
  const { deployBaseline, emulatorSageMaker } =
    require('../../local/local-stack') as typeof import('../../local/local-stack');
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
    const { stageDemoData } = require('../../local/local-stack') as typeof import('../../local/local-stack');
    stageDemoData(flags.dataDir);
  }
  const { runEmulatorCommand } = require('../../emulator/command') as typeof import('../../emulator/command');
  // The emulator reads and checks its --config file itself (unknown keys are refused).
  const emulator = await runEmulatorCommand({
    port: flags.port,
    dataDir: flags.dataDir,
    ...(flags.host ? { host: flags.host } : {}),
    ...(flags.config ? { config: flags.config } : {}),
    ...(flags.profile ? { profile: flags.profile } : {}),
    ...(flags.timeScale !== undefined ? { timeScale: flags.timeScale } : {}),
    ...(flags.iamPolicy ? { iamPolicy: flags.iamPolicy } : {}),
    ...(flags.quota && Object.keys(flags.quota).length > 0 ? { quotas: flags.quota } : {}),
  });
  if (flags.seedDemo) {
    // Seeding goes through the emulator's own AWS API, like any client would.
    await seedDemoEndpoint(ctx, emulator.url);
  }
  // Serve until SIGINT/SIGTERM: the emulator's own handlers close it and exit the process.
  return await new Promise<ExitCode>(() => undefined);
}
