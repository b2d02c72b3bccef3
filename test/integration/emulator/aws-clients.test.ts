// Clients we did not write: Python boto3 and the AWS CLI, pointed at the emulator only through AWS_ENDPOINT_URL,
// run the A/B steps of SageMaker's "Test models in production" guide (aws-clients.py), and read CloudWatch over
// JSON 1.0 and over the query protocol (each forced with the installed botocore's model set to that one protocol, via
// AWS_DATA_PATH): the answers must not depend on the protocol. scripts/setup.sh installs boto3 and the CLI where they are missing.
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { ADMIN_CREDENTIALS, EXAMPLES, type Harness, startHarness } from './helpers';

const run = promisify(execFile);
const SCRIPT = resolve(__dirname, 'aws-clients.py');
let h: Harness;
let queryModels: string;
let jsonModels: string;

/**
 * The environment a user would set: the endpoint, a region and keys (the account administrator's: IAM is not what
 * this test is about), nothing else of the machine's AWS setup.
 */
function env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('AWS_')));
  return {
    ...clean,
    AWS_ENDPOINT_URL: h.emulator.url,
    AWS_DEFAULT_REGION: 'us-east-1',
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: ADMIN_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: ADMIN_CREDENTIALS.secretAccessKey,
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_CONFIG_FILE: join(h.dataDir, 'no-config'),
    AWS_SHARED_CREDENTIALS_FILE: join(h.dataDir, 'no-credentials'),
    HOLDOUT_CSV: join(EXAMPLES, 'holdout.csv'),
    ...extra,
  };
}

async function python(args: string[], extra: Record<string, string> = {}): Promise<Record<string, unknown>> {
  const { stdout } = await run('python3', [SCRIPT, ...args], { env: env(extra), timeout: 60_000 });
  return JSON.parse(stdout) as Record<string, unknown>;
}

let cliReadsEnv: boolean | undefined;

/** AWS CLI v1 on botocore 1.31+ and v2 from 2.13 read AWS_ENDPOINT_URL; older ones (Debian's 2.9) need the flag. */
async function cli(
  args: string[],
  extra: Record<string, string> = {},
): Promise<{ stdout: string; stderr: string; code: number }> {
  if (cliReadsEnv === undefined) {
    const version = (await run('aws', ['--version'], { env: env() })).stdout;
    const v2 = /aws-cli\/2\.(\d+)/.exec(version);
    const botocore = /botocore\/1\.(\d+)/.exec(version);
    cliReadsEnv = v2 ? Number(v2[1]) >= 13 : botocore ? Number(botocore[1]) >= 31 : true;
  }
  const flags = cliReadsEnv ? [] : ['--endpoint-url', h.emulator.url];
  try {
    const { stdout, stderr } = await run('aws', [...args, ...flags], { env: env(extra), timeout: 60_000 });
    return { stdout, stderr, code: 0 };
  } catch (e) {
    const err = e as { stdout: string; stderr: string; code: number };
    return { stdout: err.stdout, stderr: err.stderr, code: err.code };
  }
}

beforeAll(async () => {
  h = await startHarness(
    {
      profile: 'aws',
      awsBehaviour: { consistencySeconds: 0 }, // new resources visible at once: not what this test is about

      timeScale: 0.001,
      alarmEvaluation: false,
      // A 2 s "minute" published 0.3 s after it ends, so the guide's CloudWatch step takes seconds.
      cloudwatch: {
        resolutionSeconds: 2,
        publishLagSeconds: { min: 300, max: 300 },
        lateSamples: { share: 0, withinSeconds: 0 },
      },
    },
    'us-east-1',
    ADMIN_CREDENTIALS,
  );
  // The installed botocore's own CloudWatch model with one protocol only: the query protocol, or JSON 1.0 (what
  // botocore 1.42.7+ sends; an older botocore, like Debian's 1.29, knows only the query protocol).
  queryModels = await protocolModels('query', { protocol: 'query', protocols: ['query'] });
  jsonModels = await protocolModels('json', {
    protocol: 'json',
    protocols: ['json'],
    jsonVersion: '1.0',
    targetPrefix: 'GraniteServiceVersion20100801',
    awsQueryCompatible: {},
  });
});

async function protocolModels(name: string, metadata: Record<string, unknown>): Promise<string> {
  const root = join(h.dataDir, `${name}-models`);
  const dir = join(root, 'cloudwatch', '2010-08-01');
  mkdirSync(dir, { recursive: true });
  await run(
    'python3',
    [
      '-c',
      'import json, sys; from botocore.loaders import Loader\n' +
        'm = Loader().load_service_model("cloudwatch", "service-2")\n' +
        'm["metadata"].update(json.loads(sys.argv[2]))\n' +
        'open(sys.argv[1], "w").write(json.dumps(m))',
      join(dir, 'service-2.json'),
      JSON.stringify(metadata),
    ],
    { env: env() },
  );
  return root;
}
afterAll(() => h.close());

test('boto3 runs the A/B guide: two variants, split and targeted traffic, CloudWatch counts, weights, one-variant update', async () => {
  // With the installed botocore's own models: JSON 1.0 to CloudWatch from botocore 1.42.7 on, the query protocol before.
  const out = await python(['ab']);
  expect(['json', 'query']).toContain(out.protocol);
  expect(out.created).toBe('InService');
  // Weights are floats in Python, as SageMaker's JSON writes them (1.0, not 1).
  expect(out.initialWeights).toEqual(['1.0', '1.0']);
  const split = out.split as Record<string, number>;
  expect(split.Variant1 + split.Variant2).toBe(120);
  expect(split.Variant1).toBeGreaterThan(30);
  expect(split.Variant2).toBeGreaterThan(30);
  expect(out.targeted).toEqual(['Variant1']);
  expect(out.cloudwatchInvocations).toEqual(out.expectedInvocations);
  expect(out.weights).toEqual([
    { Variant1: '25.0', Variant2: '75.0' },
    { Variant1: '0.0', Variant2: '1.0' },
  ]);
  expect(out.afterShift).toEqual(['Variant2']);
  expect(out.updated).toBe('InService');
  expect(out.final).toEqual({ config: 'DEMO-ab-final', variants: [['Variant2', '1.0']] });
});

test('boto3 gets the same CloudWatch answers over JSON 1.0 and over the query protocol', async () => {
  const t0 = Math.floor(Date.now() / 60_000) * 60 - 600;
  const json = await python(['cloudwatch', 'runjson', String(t0)], { AWS_DATA_PATH: jsonModels });
  const query = await python(['cloudwatch', 'runquery', String(t0)], { AWS_DATA_PATH: queryModels });
  expect(json.protocol).toBe('json');
  expect(query.protocol).toBe('query');
  expect(query.answers).toEqual(json.answers);

  const a = json.answers as Record<string, Record<string, unknown>>;
  const results = a.getMetricData.MetricDataResults as { Id: string; Timestamps: string[]; Values: number[] }[];
  const iso = (s: number) => new Date((t0 + s) * 1000).toISOString().replace('.000Z', '+00:00');
  expect(results.find((r) => r.Id === 'avg')).toMatchObject({ Timestamps: [iso(0), iso(30)], Values: [10, 80 / 3] });
  expect(results.find((r) => r.Id === 'p50')).toMatchObject({ Values: [10, 30] });
  expect(results.find((r) => r.Id === 'errors')).toMatchObject({ Timestamps: [iso(60)], Values: [2] });
  expect(a.getMetricStatistics.Datapoints).toEqual([
    { Timestamp: iso(0), SampleCount: 4, Sum: 90, Maximum: 30, Unit: 'Milliseconds' },
  ]);
  expect(a.percentiles.Datapoints).toEqual([
    { Timestamp: iso(0), ExtendedStatistics: { p50: 20, p99: 30 }, Unit: 'Milliseconds' },
  ]);
  expect(a.describeAlarms.MetricAlarms).toEqual([
    expect.objectContaining({
      AlarmName: 'TAG-errors',
      AlarmDescription: 'errors & more <1>',
      StateValue: 'ALARM',
      Threshold: 1,
    }),
  ]);
  expect(a.describeAlarms.CompositeAlarms).toEqual([
    expect.objectContaining({
      AlarmName: 'TAG-page',
      AlarmRule: 'ALARM("TAG-errors") AND NOT FALSE',
      StateValue: 'ALARM',
    }),
  ]);
  expect(a.metricAlarmsOnly).toEqual(['TAG-errors']);
  expect(a.errors).toEqual([
    {
      code: 'InvalidParameterValue',
      message:
        'The parameter MetricDataQueries.member.1.MetricStat.Period must be 1, 5, 10, 20, 30 or a multiple of 60.',
      status: 400,
    },
    { code: 'ResourceNotFound', message: 'Alarm TAG-gone not found', status: 404 },
  ]);
});

test('the AWS CLI: describe, invoke a target variant, and CloudWatch over both protocols', async () => {
  const described = await cli(['sagemaker', 'describe-endpoint', '--endpoint-name', 'DEMO-ab']);
  expect(described.code).toBe(0);
  expect(described.stdout).toContain('"CurrentWeight": 1.0');

  const body = join(h.dataDir, 'row.csv');
  writeFileSync(body, readFileSync(join(EXAMPLES, 'holdout.csv'), 'utf8').split('\n')[0].split(',').slice(1).join(','));
  const scoreFile = join(h.dataDir, 'score.txt');
  const invoked = await cli([
    'sagemaker-runtime',
    'invoke-endpoint',
    '--endpoint-name',
    'DEMO-ab',
    '--content-type',
    'text/csv',
    '--body',
    `fileb://${body}`,
    '--target-variant',
    'Variant2',
    scoreFile,
  ]);
  expect(invoked.code).toBe(0);
  expect(JSON.parse(invoked.stdout)).toMatchObject({ InvokedProductionVariant: 'Variant2' });
  expect(Number(readFileSync(scoreFile, 'utf8'))).toBeGreaterThan(0);

  const now = Date.now();
  const stats = [
    'cloudwatch',
    'get-metric-statistics',
    '--namespace',
    'AWS/SageMaker',
    '--metric-name',
    'Invocations',
    '--dimensions',
    'Name=EndpointName,Value=DEMO-ab',
    'Name=VariantName,Value=Variant1',
    '--start-time',
    new Date(now - 600_000).toISOString(),
    '--end-time',
    new Date(now + 600_000).toISOString(),
    '--period',
    '60',
    '--statistics',
    'Sum',
  ];
  const total = (stdout: string) =>
    (JSON.parse(stdout) as { Datapoints: { Sum: number }[] }).Datapoints.reduce((n, p) => n + p.Sum, 0);
  const overJson = await cli(stats, { AWS_DATA_PATH: jsonModels });
  const overQuery = await cli(stats, { AWS_DATA_PATH: queryModels });
  expect(overJson.code).toBe(0);
  expect(overQuery.code).toBe(0);
  expect(total(overJson.stdout)).toBeGreaterThan(40);
  expect(total(overQuery.stdout)).toBe(total(overJson.stdout));

  const badPeriod = [...stats.slice(0, -4), '--period', '45', '--statistics', 'Sum'];
  for (const extra of [{ AWS_DATA_PATH: jsonModels }, { AWS_DATA_PATH: queryModels }]) {
    const refused = await cli(badPeriod, extra);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('An error occurred (InvalidParameterValue) when calling the GetMetricStatistics');
  }
  const log = await h.admin.requests({ service: 'CloudWatch' });
  expect(log.filter((e) => e.operation === 'GetMetricStatistics' && e.status === 400)).toHaveLength(2);
});
