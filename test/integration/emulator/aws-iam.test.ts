// IAM in the emulator's aws profile, through the real SDK clients: the shipped policy (placeholders filled for the
// emulator) binds every caller but the admin key; a denial is AWS's error with AWS's message, changes nothing and is
// in the request log; tagged creates need sagemaker:AddTags; CreateModel needs iam:PassRole for SageMaker.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { GetMetricDataCommand, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { GetObjectCommand, HeadObjectCommand } from '@aws-sdk/client-s3';
import {
  CreateEndpointCommand,
  CreateEndpointConfigCommand,
  CreateModelCommand,
  DeleteModelCommand,
  DescribeEndpointConfigCommand,
  DescribeModelCommand,
  ListModelsCommand,
} from '@aws-sdk/client-sagemaker';
import { InvokeEndpointCommand } from '@aws-sdk/client-sagemaker-runtime';
import { startEmulator, type RunningEmulator } from '../../../src/emulator';
import { EmulatorAdmin } from '../../../src/emulator/admin-client';
import { EMULATOR_PLACEHOLDERS } from '../../../src/emulator/iam/default-policy';
import {
  ADMIN_CREDENTIALS,
  clientsFor,
  CREDENTIALS,
  errorOf,
  modelUrl,
  ROLE,
  stageChurn,
  waitForStatus,
  XGB_IMAGE,
} from './helpers';

const ACCOUNT = '123456789012';
const WORKER = `arn:aws:sts::${ACCOUNT}:assumed-role/model-rollout-worker/${CREDENTIALS.accessKeyId}`;
const smArn = (kind: string, name: string) => `arn:aws:sagemaker:us-east-1:${ACCOUNT}:${kind}/${name}`;
const ROLLOUT_TAGS = [
  { Key: 'model-rollout:workflow-id', Value: 'rollout-iam' },
  { Key: 'model-rollout:run-id', Value: 'run-1' },
];

type Document = { Version: string; Statement: { Sid?: string; Effect: string; Action: string | string[] }[] };

/** deploy/iam-policy.json filled as docs/production.md says, with the emulator's values. */
function shippedPolicy(): Document {
  let text = readFileSync(resolve(__dirname, '../../../deploy/iam-policy.json'), 'utf8');
  for (const [placeholder, value] of Object.entries(EMULATOR_PLACEHOLDERS)) text = text.split(placeholder).join(value);
  return JSON.parse(text) as Document;
}

function without(doc: Document, action: string): Document {
  const statements = doc.Statement.map((s) => ({
    ...s,
    Action: (Array.isArray(s.Action) ? s.Action : [s.Action]).filter((a) => a !== action),
  })).filter((s) => s.Action.length > 0);
  expect(statements.flatMap((s) => s.Action)).not.toContain(action);
  return { ...doc, Statement: statements };
}

interface Stack {
  emulator: RunningEmulator;
  admin: EmulatorAdmin;
  worker: ReturnType<typeof clientsFor>;
  root: ReturnType<typeof clientsFor>;
  close(): Promise<void>;
}

const stacks: Stack[] = [];
async function start(iamPolicy?: Record<string, unknown>): Promise<Stack> {
  const dataDir = mkdtempSync(join(tmpdir(), 'emulator-iam-'));
  stageChurn(dataDir);
  const emulator = await startEmulator({
    port: 0,
    dataDir,
    config: { profile: 'aws', timeScale: 0.001, ...(iamPolicy ? { iamPolicy } : {}) },
  });
  const stack: Stack = {
    emulator,
    admin: new EmulatorAdmin(emulator.url),
    worker: clientsFor(emulator.url, CREDENTIALS),
    root: clientsFor(emulator.url, ADMIN_CREDENTIALS),
    async close() {
      stack.worker.destroy();
      stack.root.destroy();
      await emulator.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  stacks.push(stack);
  return stack;
}
afterAll(async () => {
  for (const s of stacks) await s.close();
});

const createModel = (name: string, extra: Partial<ConstructorParameters<typeof CreateModelCommand>[0]> = {}) =>
  new CreateModelCommand({
    ModelName: name,
    ExecutionRoleArn: ROLE,
    PrimaryContainer: { Image: XGB_IMAGE, ModelDataUrl: modelUrl('champion') },
    ...extra,
  });

const variant = (model: string) => ({
  VariantName: 'Champion',
  ModelName: model,
  InstanceType: 'ml.m5.large' as const,
  InitialInstanceCount: 1,
  InitialVariantWeight: 1,
});

describe('the shipped policy (default in the aws profile)', () => {
  let s: Stack;
  beforeAll(async () => {
    s = await start();
  });

  test('lets the worker create, tagged with the rollout tag keys, what a rollout creates', async () => {
    await s.worker.sm.send(createModel('iam-ok', { Tags: ROLLOUT_TAGS }));
    await new Promise((r) => setTimeout(r, 50));
    await s.worker.sm.send(
      new CreateEndpointConfigCommand({
        EndpointConfigName: 'iam-ok-config',
        ProductionVariants: [variant('iam-ok')],
        Tags: ROLLOUT_TAGS,
      }),
    );
    await new Promise((r) => setTimeout(r, 50));
    await s.worker.sm.send(
      new CreateEndpointCommand({ EndpointName: 'iam-ok', EndpointConfigName: 'iam-ok-config', Tags: ROLLOUT_TAGS }),
    );
    expect((await waitForStatus(s.worker.sm, 'iam-ok')).EndpointStatus).toBe('InService');
  });

  test('a tag key outside the rollout keys is AddTags denied, with AWS message, and creates nothing', async () => {
    const denied = await errorOf(() =>
      s.worker.sm.send(createModel('iam-team', { Tags: [...ROLLOUT_TAGS, { Key: 'team', Value: 'ml' }] })),
    );
    expect(denied.name).toBe('AccessDeniedException');
    expect(denied.$metadata?.httpStatusCode).toBe(400);
    expect(denied.message).toBe(
      `User: ${WORKER} is not authorized to perform: sagemaker:AddTags on resource: ${smArn('model', 'iam-team')} ` +
        'because no identity-based policy allows the sagemaker:AddTags action',
    );
    const gone = await errorOf(() => s.root.sm.send(new DescribeModelCommand({ ModelName: 'iam-team' })));
    expect(gone.message).toBe(`Could not find model "${smArn('model', 'iam-team')}".`);
    const log = await s.admin.requests({ service: 'SageMaker', mutating: true });
    const entry = log.filter((e) => e.resourceName === 'iam-team').pop();
    expect(entry).toMatchObject({ operation: 'CreateModel', status: 400, errorCode: 'AccessDeniedException' });
    expect(entry?.changedState).toBe(false);
  });

  test('CreateModel passes its execution role: a role the policy does not name is iam:PassRole denied', async () => {
    const other = `arn:aws:iam::${ACCOUNT}:role/SomeoneElsesRole`;
    const denied = await errorOf(() => s.worker.sm.send(createModel('iam-role', { ExecutionRoleArn: other })));
    expect(denied.name).toBe('AccessDeniedException');
    expect(denied.message).toBe(
      `User: ${WORKER} is not authorized to perform: iam:PassRole on resource: ${other} ` +
        'because no identity-based policy allows the iam:PassRole action',
    );
  });

  test('actions without resource-level permissions name no resource; the admin key is never denied', async () => {
    const denied = await errorOf(() => s.worker.sm.send(new ListModelsCommand({})));
    expect(denied.message).toBe(
      `User: ${WORKER} is not authorized to perform: sagemaker:ListModels ` +
        'because no identity-based policy allows the sagemaker:ListModels action',
    );
    const listed = await s.root.sm.send(new ListModelsCommand({}));
    expect(listed.Models?.map((m) => m.ModelName)).toContain('iam-ok');
  });

  test('CloudWatch: GetMetricData is allowed, PutMetricData is AccessDenied (403, query-compatible code)', async () => {
    const now = new Date();
    await s.worker.cw.send(
      new GetMetricDataCommand({
        StartTime: new Date(now.getTime() - 60_000),
        EndTime: now,
        MetricDataQueries: [
          {
            Id: 'm',
            MetricStat: {
              Metric: { Namespace: 'AWS/SageMaker', MetricName: 'Invocations' },
              Period: 60,
              Stat: 'Sum',
            },
          },
        ],
      }),
    );
    const put = () =>
      new PutMetricDataCommand({ Namespace: 'Custom', MetricData: [{ MetricName: 'x', Value: 1, Unit: 'Count' }] });
    const denied = await errorOf(() => s.worker.cw.send(put()));
    expect(denied.name).toBe('AccessDenied');
    expect(denied.$metadata?.httpStatusCode).toBe(403);
    expect(denied.message).toBe(
      `User: ${WORKER} is not authorized to perform: cloudwatch:PutMetricData ` +
        'because no identity-based policy allows the cloudwatch:PutMetricData action',
    );
    await s.root.cw.send(put());
  });

  test('S3: the replay bucket is readable; other buckets are 403, a HEAD with no body; a missing key hides as 403', async () => {
    const holdout = await s.worker.s3.send(new GetObjectCommand({ Bucket: 'data', Key: 'churn/holdout.csv' }));
    expect((await holdout.Body!.transformToString()).length).toBeGreaterThan(100);

    const key = 'churn/champion/model.tar.gz';
    const denied = await errorOf(() => s.worker.s3.send(new GetObjectCommand({ Bucket: 'models', Key: key })));
    expect(denied.name).toBe('AccessDenied');
    expect(denied.$metadata?.httpStatusCode).toBe(403);
    expect(denied.message).toBe(
      `User: ${WORKER} is not authorized to perform: s3:GetObject on resource: "arn:aws:s3:::models/${key}" ` +
        'because no identity-based policy allows the s3:GetObject action',
    );
    const head = await errorOf(() => s.worker.s3.send(new HeadObjectCommand({ Bucket: 'models', Key: key })));
    expect(head.$metadata?.httpStatusCode).toBe(403);
    expect(head.message).not.toContain('not authorized'); // no body to carry a message

    // Without s3:ListBucket a missing key is indistinguishable from a forbidden one; the admin sees NoSuchKey.
    const missing = await errorOf(() => s.worker.s3.send(new GetObjectCommand({ Bucket: 'data', Key: 'nope.csv' })));
    expect([missing.name, missing.$metadata?.httpStatusCode]).toEqual(['AccessDenied', 403]);
    const adminMissing = await errorOf(() => s.root.s3.send(new GetObjectCommand({ Bucket: 'data', Key: 'nope.csv' })));
    expect([adminMissing.name, adminMissing.$metadata?.httpStatusCode]).toEqual(['NoSuchKey', 404]);
  });
});

describe('the shipped policy minus one action', () => {
  test('CreateEndpointConfig is denied with AWS message and nothing is created', async () => {
    const s = await start(without(shippedPolicy(), 'sagemaker:CreateEndpointConfig') as never);
    await s.root.sm.send(createModel('minus-one'));
    await new Promise((r) => setTimeout(r, 50));
    const denied = await errorOf(() =>
      s.worker.sm.send(
        new CreateEndpointConfigCommand({
          EndpointConfigName: 'minus-one-config',
          ProductionVariants: [variant('minus-one')],
        }),
      ),
    );
    expect(denied.name).toBe('AccessDeniedException');
    expect(denied.message).toBe(
      `User: ${WORKER} is not authorized to perform: sagemaker:CreateEndpointConfig on resource: ` +
        `${smArn('endpoint-config', 'minus-one-config')} because no identity-based policy allows the ` +
        'sagemaker:CreateEndpointConfig action',
    );
    const gone = await errorOf(() =>
      s.root.sm.send(new DescribeEndpointConfigCommand({ EndpointConfigName: 'minus-one-config' })),
    );
    expect(gone.name).toBe('ValidationException');
    expect((await s.admin.state()).endpointConfigs).toEqual([]);
  });

  test('without AddTags, a tagged create is denied while the same create untagged goes through', async () => {
    const s = await start(without(shippedPolicy(), 'sagemaker:AddTags') as never);
    const denied = await errorOf(() => s.worker.sm.send(createModel('untagged-ok', { Tags: ROLLOUT_TAGS })));
    expect(denied.message).toBe(
      `User: ${WORKER} is not authorized to perform: sagemaker:AddTags on resource: ${smArn('model', 'untagged-ok')} ` +
        'because no identity-based policy allows the sagemaker:AddTags action',
    );
    await s.worker.sm.send(createModel('untagged-ok'));
    expect((await s.admin.state()).models.map((m) => m.modelName)).toEqual(['untagged-ok']);
  });

  test('without InvokeEndpoint, replay traffic is AccessDeniedException', async () => {
    const s = await start(without(shippedPolicy(), 'sagemaker:InvokeEndpoint') as never);
    await s.root.sm.send(createModel('invoke-m'));
    await new Promise((r) => setTimeout(r, 50));
    await s.root.sm.send(
      new CreateEndpointConfigCommand({ EndpointConfigName: 'invoke-c', ProductionVariants: [variant('invoke-m')] }),
    );
    await new Promise((r) => setTimeout(r, 50));
    await s.root.sm.send(new CreateEndpointCommand({ EndpointName: 'invoke-e', EndpointConfigName: 'invoke-c' }));
    await waitForStatus(s.root.sm, 'invoke-e');
    const invoke = new InvokeEndpointCommand({ EndpointName: 'invoke-e', ContentType: 'text/csv', Body: '1,2,3' });
    const denied = await errorOf(() => s.worker.runtime.send(invoke));
    expect(denied.name).toBe('AccessDeniedException');
    expect(denied.message).toBe(
      `User: ${WORKER} is not authorized to perform: sagemaker:InvokeEndpoint on resource: ${smArn('endpoint', 'invoke-e')} ` +
        'because no identity-based policy allows the sagemaker:InvokeEndpoint action',
    );
  });
});

test('an explicit Deny wins over the shipped Allow and says so', async () => {
  const doc = shippedPolicy();
  const s = await start({
    ...doc,
    Statement: [...doc.Statement, { Effect: 'Deny', Action: 'sagemaker:DeleteModel', Resource: '*' }],
  } as never);
  await s.root.sm.send(createModel('kept'));
  const denied = await errorOf(() => s.worker.sm.send(new DeleteModelCommand({ ModelName: 'kept' })));
  expect(denied.message).toBe(
    `User: ${WORKER} is not authorized to perform: sagemaker:DeleteModel on resource: ${smArn('model', 'kept')} ` +
      'with an explicit deny in an identity-based policy',
  );
  expect((await s.admin.state()).models.map((m) => m.modelName)).toEqual(['kept']);
});

test('a policy with an unfilled placeholder is refused at start-up', async () => {
  const raw = JSON.parse(readFileSync(resolve(__dirname, '../../../deploy/iam-policy.json'), 'utf8')) as never;
  await expect(start(raw)).rejects.toThrow(/still holds the placeholder REPLACE-WITH-/);
});
