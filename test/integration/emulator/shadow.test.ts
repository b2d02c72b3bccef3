// Shadow variants through the real clients: an endpoint config with one production and one shadow variant; every
// caller is answered by the production variant only (proved from the request log, where the shadow's copies are
// internal entries of their own); the copied share follows the shadow's weight relative to the production variant's;
// the shadow's faults, metrics (its own VariantName) and data capture (its own variant folder) are its own;
// TargetVariant naming the shadow; DescribeEndpoint's summary; UpdateEndpointWeightsAndCapacities on the shadow; an
// UpdateEndpoint to a config without it. The aws profile: the shadow's fleet counts against quotas and scales.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  DescribeScalableTargetsCommand,
  ApplicationAutoScalingClient,
  RegisterScalableTargetCommand,
} from '@aws-sdk/client-application-auto-scaling';
import { GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import {
  CreateEndpointCommand,
  CreateEndpointConfigCommand,
  type CreateEndpointConfigCommandInput,
  DescribeEndpointConfigCommand,
  UpdateEndpointCommand,
  UpdateEndpointWeightsAndCapacitiesCommand,
} from '@aws-sdk/client-sagemaker';
import { InvokeEndpointCommand, type InvokeEndpointCommandOutput } from '@aws-sdk/client-sagemaker-runtime';
import type { RequestLogEntry } from '../../../src/emulator';
import {
  ADMIN_CREDENTIALS,
  createModel,
  deployEndpoint,
  errorOf,
  type Harness,
  modelUrl,
  startHarness,
  waitForStatus,
} from './helpers';

const EXAMPLES = join(__dirname, '../../../examples/churn');
const ROWS = readFileSync(join(EXAMPLES, 'holdout.csv'), 'utf8')
  .trim()
  .split('\n')
  .map((line) => line.split(',').slice(1).join(','));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const decode = (out: InvokeEndpointCommandOutput) => new TextDecoder().decode(out.Body);

const variant = (name: string, model: string, weight: number, instances = 1) => ({
  VariantName: name,
  ModelName: model,
  InstanceType: 'ml.m5.large' as const,
  InitialInstanceCount: instances,
  InitialVariantWeight: weight,
});

/** A production variant (the champion model) and a shadow (the worse one), so their answers tell them apart. */
async function deployShadowed(
  h: Harness,
  name: string,
  shadowWeight: number,
  extra: Partial<CreateEndpointConfigCommandInput> = {},
): Promise<void> {
  await createModel(h.sm, `${name}-prod`, modelUrl('champion'));
  await createModel(h.sm, `${name}-shadow`, modelUrl('worse'));
  await h.sm.send(
    new CreateEndpointConfigCommand({
      EndpointConfigName: `${name}-config`,
      ProductionVariants: [variant('Production', `${name}-prod`, 1)],
      ShadowProductionVariants: [variant('Shadow', `${name}-shadow`, shadowWeight)],
      ...extra,
    }),
  );
  await h.sm.send(new CreateEndpointCommand({ EndpointName: name, EndpointConfigName: `${name}-config` }));
  expect((await waitForStatus(h.sm, name)).EndpointStatus).toBe('InService');
}

/** Sends rows[i % rows] for i in [0, n), 8 at a time; returns each answer (or error) in order. */
async function invokeMany(
  h: Harness,
  endpoint: string,
  n: number,
  extra: { inferenceId?: (i: number) => string; targetVariant?: string } = {},
): Promise<InvokeEndpointCommandOutput[]> {
  const out: InvokeEndpointCommandOutput[] = new Array(n);
  let next = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (next < n) {
        const i = next++;
        out[i] = await h.runtime.send(
          new InvokeEndpointCommand({
            EndpointName: endpoint,
            ContentType: 'text/csv',
            Body: ROWS[i % ROWS.length],
            ...(extra.inferenceId ? { InferenceId: extra.inferenceId(i) } : {}),
            ...(extra.targetVariant ? { TargetVariant: extra.targetVariant } : {}),
          }),
        );
      }
    }),
  );
  return out;
}

/** The endpoint's InvokeEndpoint log entries since `since`, once no shadow copy has arrived for `quietMs`. */
async function invocationsOf(h: Harness, endpoint: string, since: number, quietMs = 150): Promise<RequestLogEntry[]> {
  let last = -1;
  for (;;) {
    const entries = (await h.admin.requests({ service: 'Runtime', since })).filter((e) => e.endpointName === endpoint);
    if (entries.length === last) return entries;
    last = entries.length;
    await sleep(quietMs);
  }
}

const lastSeq = async (h: Harness) => (await h.admin.requests()).reduce((m, e) => Math.max(m, e.seq), 0);

async function invocationSums(h: Harness, endpoint: string, startMs: number): Promise<Record<string, number>> {
  const out = await h.cw.send(
    new GetMetricDataCommand({
      StartTime: new Date(startMs - 60_000),
      EndTime: new Date(Date.now() + 60_000),
      MetricDataQueries: ['Production', 'Shadow'].flatMap((v) =>
        ['Invocations', 'Invocation5XXErrors'].map((metric) => ({
          Id: `${metric.toLowerCase().replace(/[^a-z0-9]/g, '')}${v.toLowerCase()}`,
          Label: `${metric} ${v}`,
          MetricStat: {
            Metric: {
              Namespace: 'AWS/SageMaker',
              MetricName: metric,
              Dimensions: [
                { Name: 'EndpointName', Value: endpoint },
                { Name: 'VariantName', Value: v },
              ],
            },
            Period: 3600,
            Stat: 'Sum',
          },
        })),
      ),
    }),
  );
  return Object.fromEntries(
    (out.MetricDataResults ?? []).map((r) => [r.Label!, (r.Values ?? []).reduce((a, b) => a + b, 0)]),
  );
}

describe('ideal profile', () => {
  let h: Harness;
  /** The production model's answer for each row, from an endpoint without a shadow. */
  let truth: string[];
  let shadowTruth: string[];

  beforeAll(async () => {
    h = await startHarness({ dataCapture: { enabled: true } });
    await deployEndpoint(h.sm, 'truth', [{ variant: 'All', model: 'truth', artifact: 'champion' }]);
    await deployEndpoint(h.sm, 'shadow-truth', [{ variant: 'All', model: 'shadow-truth', artifact: 'worse' }]);
    truth = (await invokeMany(h, 'truth', ROWS.length)).map(decode);
    shadowTruth = (await invokeMany(h, 'shadow-truth', ROWS.length)).map(decode);
    expect(truth.filter((t, i) => t !== shadowTruth[i]).length).toBeGreaterThan(ROWS.length / 2);
  }, 30_000);
  afterAll(() => h.close());

  test('callers get only the production answer; the shadow takes its weight share of copies, logged apart', async () => {
    await deployShadowed(h, 'churn', 0.5);
    const described = await waitForStatus(h.sm, 'churn');
    expect(described.ProductionVariants?.map((v) => [v.VariantName, v.CurrentWeight])).toEqual([['Production', 1]]);
    expect(
      described.ShadowProductionVariants?.map((v) => [
        v.VariantName,
        v.CurrentWeight,
        v.DesiredWeight,
        v.CurrentInstanceCount,
        v.DeployedImages?.[0]?.SpecifiedImage !== undefined,
      ]),
    ).toEqual([['Shadow', 0.5, 0.5, 1, true]]);
    const config = await h.sm.send(new DescribeEndpointConfigCommand({ EndpointConfigName: 'churn-config' }));
    expect(config.ShadowProductionVariants?.map((v) => [v.VariantName, v.InitialVariantWeight])).toEqual([
      ['Shadow', 0.5],
    ]);
    expect((await h.admin.state()).endpoints.find((e) => e.endpointName === 'churn')?.shadowVariants).toMatchObject([
      { variantName: 'Shadow', modelName: 'churn-shadow', currentWeight: 0.5 },
    ]);

    const since = await lastSeq(h);
    const start = Date.now();
    const n = 400;
    const answers = await invokeMany(h, 'churn', n);
    answers.forEach((a, i) => {
      expect(a.InvokedProductionVariant).toBe('Production');
      expect(decode(a)).toBe(truth[i % ROWS.length]);
    });

    const entries = await invocationsOf(h, 'churn', since);
    const callers = entries.filter((e) => !e.internal);
    const copies = entries.filter((e) => e.internal);
    expect(callers).toHaveLength(n);
    // Every answer a caller got came from the production variant...
    expect(new Set(callers.map((e) => e.variantName))).toEqual(new Set(['Production']));
    // ...and each copy names the shadow and the caller's request it copied, one copy per request at most.
    expect(new Set(copies.map((e) => e.variantName))).toEqual(new Set(['Shadow']));
    const callerSeqs = new Set(callers.map((e) => e.seq));
    expect(copies.every((c) => c.copyOf !== undefined && callerSeqs.has(c.copyOf) && c.seq > c.copyOf)).toBe(true);
    expect(new Set(copies.map((c) => c.copyOf)).size).toBe(copies.length);
    expect(copies.every((c) => c.status === 200 && c.mutating === false)).toBe(true);
    // Weight 0.5 against the production variant's 1: half the requests, within 5 binomial sd (n = 400, sd = 10).
    expect(copies.length).toBeGreaterThan(150);
    expect(copies.length).toBeLessThan(250);

    // CloudWatch: each variant under its own VariantName, the shadow's Invocations equal to its copies.
    expect(await invocationSums(h, 'churn', start)).toMatchObject({
      'Invocations Production': n,
      'Invocations Shadow': copies.length,
      'Invocation5XXErrors Shadow': 0,
    });
  });

  test("the shadow's faults stay the shadow's: its errors and latency never reach or hold a caller", async () => {
    await h.admin.setFaults({
      endpoints: { churn: { variants: { Shadow: { errorRate5xx: 1, latencyMedianMs: 400, latencySigma: 0 } } } },
    });
    try {
      const since = await lastSeq(h);
      const start = Date.now();
      const answers = await invokeMany(h, 'churn', 80);
      answers.forEach((a, i) => expect(decode(a)).toBe(truth[i % ROWS.length]));
      // Longer than the shadow's 400 ms: every copy has answered.
      const entries = await invocationsOf(h, 'churn', since, 600);
      const callers = entries.filter((e) => !e.internal);
      const copies = entries.filter((e) => e.internal);
      expect(callers.every((e) => e.status === 200 && e.variantName === 'Production' && e.durationMs < 300)).toBe(true);
      expect(copies.length).toBeGreaterThan(10);
      expect(copies.every((e) => e.status === 424 && e.errorCode === 'ModelError' && e.durationMs >= 380)).toBe(true);
      const sums = await invocationSums(h, 'churn', start);
      expect(sums['Invocation5XXErrors Shadow']).toBeGreaterThanOrEqual(copies.length);
      expect(sums['Invocation5XXErrors Production']).toBe(0);
    } finally {
      await h.admin.setFaults({});
    }
  });

  test('TargetVariant naming the shadow is refused as no production variant; naming production is still copied', async () => {
    const refused = await errorOf(() =>
      h.runtime.send(
        new InvokeEndpointCommand({
          EndpointName: 'churn',
          ContentType: 'text/csv',
          Body: ROWS[0],
          TargetVariant: 'Shadow',
        }),
      ),
    );
    expect(refused.name).toBe('ValidationError');
    expect(refused.message).toContain('"Shadow" is not present');
    expect(refused.message).toContain('variants: Production');
    const since = await lastSeq(h);
    const answers = await invokeMany(h, 'churn', 80, { targetVariant: 'Production' });
    expect(new Set(answers.map((a) => a.InvokedProductionVariant))).toEqual(new Set(['Production']));
    const copies = (await invocationsOf(h, 'churn', since)).filter((e) => e.internal);
    // Weight 0.5: about 40 of 80, within 5 binomial sd (sd = 4.5).
    expect(copies.length).toBeGreaterThan(17);
    expect(copies.length).toBeLessThan(63);
  });

  test('UpdateEndpointWeightsAndCapacities on the shadow sets its share: weight 1 copies all, 0 none', async () => {
    await h.sm.send(
      new UpdateEndpointWeightsAndCapacitiesCommand({
        EndpointName: 'churn',
        DesiredWeightsAndCapacities: [{ VariantName: 'Shadow', DesiredWeight: 1, DesiredInstanceCount: 2 }],
      }),
    );
    const updating = await waitForStatus(h.sm, 'churn', (s) => s === 'Updating', 2000);
    expect(updating.ShadowProductionVariants?.map((v) => [v.DesiredWeight, v.DesiredInstanceCount])).toEqual([[1, 2]]);
    const done = await waitForStatus(h.sm, 'churn');
    expect(done.ShadowProductionVariants?.map((v) => [v.CurrentWeight, v.CurrentInstanceCount])).toEqual([[1, 2]]);
    let since = await lastSeq(h);
    await invokeMany(h, 'churn', 60);
    expect((await invocationsOf(h, 'churn', since)).filter((e) => e.internal)).toHaveLength(60);

    await h.sm.send(
      new UpdateEndpointWeightsAndCapacitiesCommand({
        EndpointName: 'churn',
        DesiredWeightsAndCapacities: [{ VariantName: 'Shadow', DesiredWeight: 0 }],
      }),
    );
    await waitForStatus(h.sm, 'churn');
    since = await lastSeq(h);
    await invokeMany(h, 'churn', 60);
    const entries = await invocationsOf(h, 'churn', since);
    expect(entries).toHaveLength(60);
    expect(entries.some((e) => e.internal)).toBe(false);
  });

  test("data capture writes the shadow's requests and answers to its own variant folder, InferenceId kept", async () => {
    await deployShadowed(h, 'captured', 1, {
      DataCaptureConfig: {
        EnableCapture: true,
        InitialSamplingPercentage: 100,
        DestinationS3Uri: 's3://capture/shadow',
        CaptureOptions: [{ CaptureMode: 'Input' }, { CaptureMode: 'Output' }],
        CaptureContentTypeHeader: { CsvContentTypes: ['text/csv'] },
      },
    });
    const since = await lastSeq(h);
    await invokeMany(h, 'captured', 20, { inferenceId: (i) => `row-${i}` });
    await invocationsOf(h, 'captured', since);
    await sleep(200);
    const listed = await h.s3.send(new ListObjectsV2Command({ Bucket: 'capture', Prefix: 'shadow/captured/' }));
    const keys = (listed.Contents ?? []).map((c) => c.Key!);
    const folders = new Set(keys.map((k) => k.split('/')[2]));
    expect(folders).toEqual(new Set(['Production', 'Shadow']));
    const records: { variant: string; id: string; output: string }[] = [];
    for (const key of keys) {
      const text = await (
        await h.s3.send(new GetObjectCommand({ Bucket: 'capture', Key: key }))
      ).Body!.transformToString();
      for (const line of text.trim().split('\n')) {
        const r = JSON.parse(line) as {
          captureData: { endpointOutput: { data: string } };
          eventMetadata: { inferenceId: string };
        };
        records.push({
          variant: key.split('/')[2],
          id: r.eventMetadata.inferenceId,
          output: r.captureData.endpointOutput.data,
        });
      }
    }
    for (const v of ['Production', 'Shadow']) {
      const mine = records.filter((r) => r.variant === v);
      expect(mine.map((r) => r.id).sort()).toEqual(Array.from({ length: 20 }, (_, i) => `row-${i}`).sort());
      const expected = v === 'Production' ? truth : shadowTruth;
      for (const r of mine) expect(r.output).toBe(expected[Number(r.id.slice(4)) % ROWS.length]);
    }
  });

  test('an UpdateEndpoint to a config without the shadow removes it', async () => {
    await h.sm.send(
      new CreateEndpointConfigCommand({
        EndpointConfigName: 'churn-plain',
        ProductionVariants: [variant('Production', 'churn-prod', 1)],
      }),
    );
    await h.sm.send(new UpdateEndpointCommand({ EndpointName: 'churn', EndpointConfigName: 'churn-plain' }));
    const after = await waitForStatus(h.sm, 'churn');
    expect(after.EndpointConfigName).toBe('churn-plain');
    expect(after.ShadowProductionVariants).toBeUndefined();
    const since = await lastSeq(h);
    await invokeMany(h, 'churn', 30);
    const entries = await invocationsOf(h, 'churn', since);
    expect(entries).toHaveLength(30);
    expect(entries.every((e) => !e.internal && e.variantName === 'Production')).toBe(true);
    const missing = await errorOf(() =>
      h.sm.send(
        new UpdateEndpointWeightsAndCapacitiesCommand({
          EndpointName: 'churn',
          DesiredWeightsAndCapacities: [{ VariantName: 'Shadow', DesiredWeight: 1 }],
        }),
      ),
    );
    expect(missing.message).toContain('"[Shadow]" is/are not present');
  });

  test('a config with a shadow holds exactly one production variant and names a model that exists', async () => {
    await createModel(h.sm, 'other', modelUrl('challenger'));
    const two = await errorOf(() =>
      h.sm.send(
        new CreateEndpointConfigCommand({
          EndpointConfigName: 'two-prod',
          ProductionVariants: [variant('A', 'other', 1), variant('B', 'other', 1)],
          ShadowProductionVariants: [variant('S', 'other', 1)],
        }),
      ),
    );
    expect(two.message).toContain('exactly one variant');
    const dup = await errorOf(() =>
      h.sm.send(
        new CreateEndpointConfigCommand({
          EndpointConfigName: 'dup',
          ProductionVariants: [variant('A', 'other', 1)],
          ShadowProductionVariants: [variant('A', 'other', 1)],
        }),
      ),
    );
    expect(dup.message).toContain('Duplicate VariantName "A"');
    const missing = await errorOf(() =>
      h.sm.send(
        new CreateEndpointConfigCommand({
          EndpointConfigName: 'no-model',
          ProductionVariants: [variant('A', 'other', 1)],
          ShadowProductionVariants: [variant('S', 'nope', 1)],
        }),
      ),
    );
    expect(missing.message).toBe('Could not find model "arn:aws:sagemaker:us-east-1:123456789012:model/nope".');
  });
});

test('settings: targetVariant "serve" reaches the shadow and returns its answer; copies "answered" skips failed requests', async () => {
  const h = await startHarness({ shadow: { targetVariant: 'serve', copies: 'answered' } });
  try {
    await deployShadowed(h, 'served', 1);
    const out = await h.runtime.send(
      new InvokeEndpointCommand({
        EndpointName: 'served',
        ContentType: 'text/csv',
        Body: ROWS[0],
        TargetVariant: 'Shadow',
      }),
    );
    expect(out.InvokedProductionVariant).toBe('Shadow');
    let entries = await invocationsOf(h, 'served', 0);
    expect(entries.filter((e) => !e.internal).map((e) => e.variantName)).toEqual(['Shadow']);
    // The request went to the shadow itself: nothing to copy.
    expect(entries.filter((e) => e.internal)).toHaveLength(0);

    // Weight 1 copies every request, but only those the production variant answered.
    await h.admin.setFaults({ endpoints: { served: { variants: { Production: { errorRate5xx: 0.5 } } } } });
    const since = await lastSeq(h);
    for (let i = 0; i < 40; i++) {
      await h.runtime
        .send(new InvokeEndpointCommand({ EndpointName: 'served', ContentType: 'text/csv', Body: ROWS[i] }))
        .catch(() => undefined);
    }
    entries = await invocationsOf(h, 'served', since);
    const answered = new Set(entries.filter((e) => !e.internal && e.status === 200).map((e) => e.seq));
    const copies = entries.filter((e) => e.internal);
    expect(answered.size).toBeGreaterThan(5);
    expect(answered.size).toBeLessThan(35);
    expect(new Set(copies.map((c) => c.copyOf))).toEqual(answered);
  } finally {
    await h.close();
  }
});

test('aws profile: the shadow runs on its own fleet, counted against quotas, scales, and publishes as SageMaker does', async () => {
  const h = await startHarness(
    {
      profile: 'aws',
      timeScale: 0.001,
      awsBehaviour: { consistencySeconds: 0 },
      quotas: { 'ml.m5.large': 3 },
      alarmEvaluation: false,
    },
    'us-east-1',
    ADMIN_CREDENTIALS,
  );
  const aas = new ApplicationAutoScalingClient({
    endpoint: h.emulator.url,
    region: 'us-east-1',
    credentials: ADMIN_CREDENTIALS,
    maxAttempts: 1,
  });
  try {
    await deployShadowed(h, 'fleet', 0.5);
    // Production 1 + shadow 1 instance in use: two more shadow instances pass the quota of 3.
    const over = await errorOf(() =>
      h.sm.send(
        new UpdateEndpointWeightsAndCapacitiesCommand({
          EndpointName: 'fleet',
          DesiredWeightsAndCapacities: [{ VariantName: 'Shadow', DesiredInstanceCount: 3 }],
        }),
      ),
    );
    expect(over.name).toBe('ResourceLimitExceeded');
    expect(over.message).toContain('current utilization of 2 Instances and a request delta of 2 Instances');
    await aas.send(
      new RegisterScalableTargetCommand({
        ServiceNamespace: 'sagemaker',
        ResourceId: 'endpoint/fleet/variant/Shadow',
        ScalableDimension: 'sagemaker:variant:DesiredInstanceCount',
        MinCapacity: 2,
        MaxCapacity: 2,
      }),
    );
    const targets = await aas.send(new DescribeScalableTargetsCommand({ ServiceNamespace: 'sagemaker' }));
    expect(targets.ScalableTargets?.map((t) => t.ResourceId)).toEqual(['endpoint/fleet/variant/Shadow']);
    // Registering moved the shadow's capacity into [2, 2] through UpdateEndpointWeightsAndCapacities.
    const scaled = await waitForStatus(h.sm, 'fleet', (s) => s === 'InService', 5000);
    expect(
      scaled.ShadowProductionVariants?.map((v) => [v.VariantName, v.CurrentInstanceCount, v.DesiredInstanceCount]),
    ).toEqual([['Shadow', 2, 2]]);

    // Its metrics reach CloudWatch as the production variant's do: per (scaled) minute, after the publish lag.
    const since = await lastSeq(h);
    const start = Date.now();
    await invokeMany(h, 'fleet', 100);
    const copies = (await invocationsOf(h, 'fleet', since)).filter((e) => e.internal).length;
    expect(copies).toBeGreaterThan(25);
    let sums: Record<string, number> = {};
    const deadline = Date.now() + 8000;
    while (Date.now() < deadline) {
      sums = await invocationSums(h, 'fleet', start);
      if (sums['Invocations Production'] === 100 && sums['Invocations Shadow'] === copies) break;
      await sleep(250);
    }
    expect(sums).toMatchObject({ 'Invocations Production': 100, 'Invocations Shadow': copies });
  } finally {
    aas.destroy();
    await h.close();
  }
});
