// The local stack the demo and the end-to-end tests run on: the emulator (our local SageMaker + CloudWatch), a
// data dir holding the demo models and data where s3:// URLs find them, and a baseline endpoint to roll out beside.
import { copyFileSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  CreateEndpointCommand,
  CreateEndpointConfigCommand,
  CreateModelCommand,
  DescribeEndpointCommand,
  DescribeEndpointConfigCommand,
  DescribeModelCommand,
  SageMakerClient,
  type CreateEndpointConfigInput,
} from '@aws-sdk/client-sagemaker';
import { ADMIN_ACCESS_KEY_ID } from '../emulator/iam/authorize';

const EXAMPLES_DIR = resolve(__dirname, '../../examples/churn');
export const DEMO_IMAGE = '683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1';
export const DEMO_ROLE = 'arn:aws:iam::123456789012:role/SageMakerExecution';

/**
 * Fake static credentials: the emulator accepts any signature, and nothing here may reach real AWS. The worker uses
 * these; in the emulator's aws profile they are bound by the IAM policy, as the worker's role would be.
 */
export const EMULATOR_CREDENTIALS = { accessKeyId: 'AKIDEMULATOR', secretAccessKey: 'emulator-secret' };

/**
 * The account administrator's credentials: what seeds the emulator (the production endpoint a rollout starts from),
 * never denied by the aws profile's IAM, as the person who set up the endpoint would not be.
 */
export const EMULATOR_ADMIN_CREDENTIALS = {
  accessKeyId: ADMIN_ACCESS_KEY_ID,
  secretAccessKey: 'emulator-admin-secret',
};

/**
 * Copies the demo artifacts into the emulator's data dir, laid out as an S3 bucket would be:
 * s3://models/churn/<name>/model.tar.gz and s3://data/churn/holdout.csv.
 */
export function stageDemoData(dataDir: string): {
  modelUrl: (name: string) => string;
  holdoutUrl: string;
  holdoutFile: string;
} {
  for (const name of ['champion', 'challenger', 'worse']) {
    const dir = join(dataDir, 'models', 'churn', name);
    mkdirSync(dir, { recursive: true });
    copyFileSync(join(EXAMPLES_DIR, name, 'model.tar.gz'), join(dir, 'model.tar.gz'));
  }
  mkdirSync(join(dataDir, 'data', 'churn'), { recursive: true });
  const holdoutFile = join(dataDir, 'data', 'churn', 'holdout.csv');
  copyFileSync(join(EXAMPLES_DIR, 'holdout.csv'), holdoutFile);
  return {
    modelUrl: (name) => `s3://models/churn/${name}/model.tar.gz`,
    holdoutUrl: 's3://data/churn/holdout.csv',
    holdoutFile,
  };
}

/** A SageMaker client for seeding the emulator, as the account administrator. */
export function emulatorSageMaker(url: string, region = 'us-east-1'): SageMakerClient {
  return new SageMakerClient({ endpoint: url, region, credentials: EMULATOR_ADMIN_CREDENTIALS });
}

/** Creates a one-variant endpoint (the "production" endpoint a rollout starts from) and waits until InService. */
export async function deployBaseline(
  sm: SageMakerClient,
  opts: {
    endpointName: string;
    variantName: string;
    modelName: string;
    modelDataUrl: string;
    instanceType?: string;
    /** More of the endpoint config (data capture, KMS key, …), as a production endpoint may have them. */
    configSettings?: Omit<CreateEndpointConfigInput, 'EndpointConfigName' | 'ProductionVariants'>;
  },
): Promise<void> {
  await sm.send(
    new CreateModelCommand({
      ModelName: opts.modelName,
      ExecutionRoleArn: DEMO_ROLE,
      PrimaryContainer: { Image: DEMO_IMAGE, ModelDataUrl: opts.modelDataUrl },
    }),
  );
  await untilVisible(() => sm.send(new DescribeModelCommand({ ModelName: opts.modelName })));
  const configName = `${opts.endpointName}-initial`;
  await sm.send(
    new CreateEndpointConfigCommand({
      ...opts.configSettings,
      EndpointConfigName: configName,
      ProductionVariants: [
        {
          VariantName: opts.variantName,
          ModelName: opts.modelName,
          InstanceType: (opts.instanceType ?? 'ml.m5.large') as 'ml.m5.large',
          InitialInstanceCount: 1,
          InitialVariantWeight: 1,
        },
      ],
    }),
  );
  await untilVisible(() => sm.send(new DescribeEndpointConfigCommand({ EndpointConfigName: configName })));
  await sm.send(new CreateEndpointCommand({ EndpointName: opts.endpointName, EndpointConfigName: configName }));
  await waitInService(sm, opts.endpointName);
}

/**
 * Waits out the eventual consistency of a resource just created, as SageMaker advises ([BC-SM] CreateEndpoint: "call
 * DescribeEndpointConfig before calling CreateEndpoint"; "If you repeat your read request after a short time, the
 * response should return the latest data"): the emulator's aws profile hides new models and configs for a while.
 */
async function untilVisible(describe: () => Promise<unknown>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await describe();
      return;
    } catch (err) {
      if (!/Could not find/.test((err as Error).message) || Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

export async function waitInService(sm: SageMakerClient, endpointName: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const out = await sm.send(new DescribeEndpointCommand({ EndpointName: endpointName }));
    if (out.EndpointStatus === 'InService') return;
    if (out.EndpointStatus === 'Failed') throw new Error(`endpoint ${endpointName} failed: ${out.FailureReason}`);
    if (Date.now() > deadline) throw new Error(`endpoint ${endpointName} not InService after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
