// Unmodified clients reach the emulator through the environment alone (AWS_ENDPOINT_URL, or the per-service
// AWS_ENDPOINT_URL_<SERVICE>), checked in a fresh Node process with no `endpoint` option anywhere; path-style S3
// GetObject over the data dir; health and the admin state view.
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { GetObjectCommand, HeadObjectCommand } from '@aws-sdk/client-s3';
import { CreateModelPackageCommand, CreateModelPackageGroupCommand } from '@aws-sdk/client-sagemaker';
import {
  CREDENTIALS,
  deployEndpoint,
  errorOf,
  EXAMPLES,
  type Harness,
  modelUrl,
  startHarness,
  XGB_IMAGE,
} from './helpers';

const run = promisify(execFile);
const ROOT = resolve(__dirname, '../../..');
let h: Harness;

beforeAll(async () => {
  h = await startHarness();
  await deployEndpoint(h.sm, 'env-check', [{ variant: 'Champion', model: 'env-champion', artifact: 'champion' }]);
});
afterAll(() => h.close());

// Plain CommonJS, so the child needs no TypeScript: every client is built with no options at all.
const CHILD = `
const { SageMakerClient, DescribeEndpointCommand } = require('@aws-sdk/client-sagemaker');
const { SageMakerRuntimeClient, InvokeEndpointCommand } = require('@aws-sdk/client-sagemaker-runtime');
const { CloudWatchClient, ListMetricsCommand } = require('@aws-sdk/client-cloudwatch');
const { S3Client, GetObjectCommand } = require('@aws-sdk/client-s3');
(async () => {
  const d = await new SageMakerClient().send(new DescribeEndpointCommand({ EndpointName: 'env-check' }));
  const inv = await new SageMakerRuntimeClient().send(
    new InvokeEndpointCommand({ EndpointName: 'env-check', ContentType: 'text/csv', Body: '13,30.94,0,1,1,3,199.8,7' }),
  );
  const m = await new CloudWatchClient().send(new ListMetricsCommand({ Namespace: 'AWS/SageMaker', MetricName: 'Invocations' }));
  const o = await new S3Client({ forcePathStyle: true }).send(new GetObjectCommand({ Bucket: 'data', Key: 'churn/holdout.csv' }));
  const text = await o.Body.transformToString();
  process.stdout.write(JSON.stringify({
    status: d.EndpointStatus,
    variant: inv.InvokedProductionVariant,
    score: new TextDecoder().decode(inv.Body),
    metrics: m.Metrics.map((x) => x.Dimensions.map((dim) => dim.Value).join('/')),
    lines: text.trim().split('\\n').length,
  }));
})().catch((e) => { process.stderr.write(String(e && e.stack || e)); process.exit(1); });
`;

async function runChild(env: Record<string, string>) {
  const file = join(h.dataDir, 'child.js');
  writeFileSync(file, CHILD);
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('AWS_')));
  const { stdout } = await run(process.execPath, [file], {
    cwd: ROOT,
    env: {
      ...clean,
      NODE_PATH: join(ROOT, 'node_modules'),
      NODE_NO_WARNINGS: '1',
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_CONFIG_FILE: join(h.dataDir, 'no-config'),
      AWS_SHARED_CREDENTIALS_FILE: join(h.dataDir, 'no-credentials'),
      ...env,
    },
    timeout: 60_000,
  });
  return JSON.parse(stdout) as { status: string; variant: string; score: string; metrics: string[]; lines: number };
}

const holdoutLines = readFileSync(join(EXAMPLES, 'holdout.csv'), 'utf8').trim().split('\n').length;

test('AWS_ENDPOINT_URL alone routes unmodified SageMaker, Runtime, CloudWatch and S3 clients to the emulator', async () => {
  const out = await runChild({ AWS_ENDPOINT_URL: h.emulator.url });
  expect(out).toEqual({
    status: 'InService',
    variant: 'Champion',
    score: expect.stringMatching(/^0\.\d+\n$/),
    metrics: ['env-check/Champion'],
    lines: holdoutLines,
  });
});

test('per-service AWS_ENDPOINT_URL_<SERVICE> variables work too (and win over AWS_ENDPOINT_URL)', async () => {
  const out = await runChild({
    AWS_ENDPOINT_URL: 'http://127.0.0.1:9', // discard port: nothing answers there
    AWS_ENDPOINT_URL_SAGEMAKER: h.emulator.url,
    AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME: h.emulator.url,
    AWS_ENDPOINT_URL_CLOUDWATCH: h.emulator.url,
    AWS_ENDPOINT_URL_S3: h.emulator.url,
  });
  expect(out.status).toBe('InService');
  expect(out.variant).toBe('Champion');
});

describe('S3 GetObject (path-style)', () => {
  test('serves <data-dir>/<bucket>/<key> byte for byte, HeadObject too', async () => {
    const out = await h.s3.send(new GetObjectCommand({ Bucket: 'models', Key: 'churn/champion/model.tar.gz' }));
    const bytes = Buffer.from(await out.Body!.transformToByteArray());
    expect(bytes.equals(readFileSync(join(EXAMPLES, 'champion', 'model.tar.gz')))).toBe(true);
    expect(out.ETag).toMatch(/^"[0-9a-f]{32}"$/);
    const head = await h.s3.send(new HeadObjectCommand({ Bucket: 'data', Key: 'churn/holdout.csv' }));
    expect(head.ContentLength).toBe(readFileSync(join(EXAMPLES, 'holdout.csv')).length);
    expect(head.ContentType).toBe('text/csv');
  });

  test('NoSuchKey and NoSuchBucket are S3 XML errors the SDK types', async () => {
    const key = await errorOf(() => h.s3.send(new GetObjectCommand({ Bucket: 'models', Key: 'churn/nope.tar.gz' })));
    expect(key.name).toBe('NoSuchKey');
    expect(key.$metadata?.httpStatusCode).toBe(404);
    const bucket = await errorOf(() => h.s3.send(new GetObjectCommand({ Bucket: 'no-bucket', Key: 'x' })));
    expect(bucket.name).toBe('NoSuchBucket');
  });

  test('a key climbing out of its bucket is refused', async () => {
    writeFileSync(join(h.dataDir, 'secret.txt'), 'not for you');
    for (const path of ['/models/..%2Fsecret.txt', '/models/../secret.txt', '/models/churn/..%2F..%2Fsecret.txt']) {
      const { status, body } = await new Promise<{ status: number; body: string }>((done, fail) => {
        // Raw path (no URL object): a URL would normalise the .. away before it is sent.
        const req = request({ host: '127.0.0.1', port: h.emulator.port, path, method: 'GET' }, (res) => {
          let text = '';
          res.on('data', (c) => (text += c));
          res.on('end', () => done({ status: res.statusCode ?? 0, body: text }));
        });
        req.on('error', fail);
        req.end();
      });
      expect(status).toBe(403);
      expect(body).toContain('<Code>AccessDenied</Code>');
      expect(body).not.toContain('not for you');
    }
  });
});

test('GET /health and the admin state view', async () => {
  expect(await h.admin.health()).toEqual({ status: 'ok' });
  const state = await h.admin.state();
  const ep = state.endpoints.find((e) => e.endpointName === 'env-check');
  expect(ep).toMatchObject({
    region: 'us-east-1',
    status: 'InService',
    configName: 'env-check-config',
    variants: [{ variantName: 'Champion', modelName: 'env-champion', currentWeight: 1, desiredWeight: 1 }],
  });
  expect(state.models.map((m) => m.modelName)).toContain('env-champion');
});

test('reset forgets every resource', async () => {
  const other = await startHarness();
  try {
    await deployEndpoint(other.sm, 'reset-me', [{ variant: 'A', model: 'reset-model', artifact: 'champion' }]);
    await other.sm.send(new CreateModelPackageGroupCommand({ ModelPackageGroupName: 'reset-group' }));
    await other.sm.send(
      new CreateModelPackageCommand({
        ModelPackageGroupName: 'reset-group',
        InferenceSpecification: { Containers: [{ Image: XGB_IMAGE, ModelDataUrl: modelUrl('champion') }] },
      }),
    );
    expect((await other.admin.state()).modelPackages).toHaveLength(1);
    await other.admin.reset();
    expect(await other.admin.state()).toEqual({
      models: [],
      endpointConfigs: [],
      endpoints: [],
      alarms: [],
      modelPackages: [],
    });
    // The group went too: it can be made again.
    await other.sm.send(new CreateModelPackageGroupCommand({ ModelPackageGroupName: 'reset-group' }));
  } finally {
    await other.close();
  }
});
