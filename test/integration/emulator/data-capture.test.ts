// Data capture through the real clients: an endpoint config's DataCaptureConfig makes the emulator write SageMaker's
// capture files into its S3, read back with @aws-sdk/client-s3 (ListObjectsV2, GetObject) and parsed as the SageMaker
// developer guide documents them; sampling, capture options, content-type encodings and InferenceId honoured. S3's
// PutObject and ListObjectsV2 (prefix, delimiter, max-keys, continuation token) on their own.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  type ListObjectsV2CommandOutput,
  PutObjectCommand,
} from '@aws-sdk/client-s3';
import { CreateEndpointCommand, CreateEndpointConfigCommand, type DataCaptureConfig } from '@aws-sdk/client-sagemaker';
import { InvokeEndpointCommand } from '@aws-sdk/client-sagemaker-runtime';
import {
  ADMIN_CREDENTIALS,
  createModel,
  errorOf,
  type Harness,
  modelUrl,
  startHarness,
  waitForStatus,
} from './helpers';

const ROW = '13,30.94,0,1,1,3,199.8,7';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface CaptureRecord {
  captureData: {
    endpointInput?: { observedContentType: string; mode: string; data: string; encoding: string };
    endpointOutput?: { observedContentType: string; mode: string; data: string; encoding: string };
  };
  eventMetadata: { eventId: string; inferenceId?: string; inferenceTime: string };
  eventVersion: string;
}

async function listAll(h: Harness, bucket: string, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page: ListObjectsV2CommandOutput = await h.s3.send(
      new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }),
    );
    keys.push(...(page.Contents ?? []).map((c) => c.Key!));
    token = page.NextContinuationToken;
  } while (token);
  return keys;
}

/**
 * The keys under `prefix` once capture files stop appearing: files are written `flushSeconds` after their first record
 * by a timer, which a loaded machine fires late, so a fixed wait could list too few.
 */
async function listSettled(h: Harness, bucket: string, prefix: string, atLeastMs: number): Promise<string[]> {
  await sleep(atLeastMs);
  let keys = await listAll(h, bucket, prefix);
  for (const until = Date.now() + 10_000; Date.now() < until;) {
    await sleep(500);
    const again = await listAll(h, bucket, prefix);
    if (again.length === keys.length) break;
    keys = again;
  }
  return keys;
}

async function readRecords(h: Harness, bucket: string, key: string): Promise<CaptureRecord[]> {
  const out = await h.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  const text = await out.Body!.transformToString();
  expect(text.endsWith('\n')).toBe(true);
  return text
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as CaptureRecord);
}

async function endpointWithCapture(h: Harness, name: string, capture: DataCaptureConfig): Promise<void> {
  await createModel(h.sm, `${name}-a`, modelUrl('champion'));
  await createModel(h.sm, `${name}-b`, modelUrl('challenger'));
  await h.sm.send(
    new CreateEndpointConfigCommand({
      EndpointConfigName: `${name}-config`,
      ProductionVariants: ['a', 'b'].map((v) => ({
        VariantName: v === 'a' ? 'Champion' : 'Challenger',
        ModelName: `${name}-${v}`,
        InstanceType: 'ml.m5.large',
        InitialInstanceCount: 1,
        InitialVariantWeight: 1,
      })),
      DataCaptureConfig: capture,
    }),
  );
  await h.sm.send(new CreateEndpointCommand({ EndpointName: name, EndpointConfigName: `${name}-config` }));
  await waitForStatus(h.sm, name);
}

describe('aws profile', () => {
  let h: Harness;
  beforeAll(async () => {
    // Capture files are written 1 s after their first record (60 s × 0.001 would be too short to see them missing).
    h = await startHarness(
      {
        profile: 'aws',
        awsBehaviour: { consistencySeconds: 0 }, // new resources visible at once: not what this test is about

        timeScale: 0.001,
        alarmEvaluation: false,
        dataCapture: { flushSeconds: 1000 },
      },
      'us-east-1',
      ADMIN_CREDENTIALS,
    );
  });
  afterAll(() => h.close());

  test('sampled invocations become capture files: path, batches, records as documented, InferenceId kept', async () => {
    await endpointWithCapture(h, 'churn', {
      EnableCapture: true,
      InitialSamplingPercentage: 50,
      DestinationS3Uri: 's3://capture/datacapture/',
      CaptureOptions: [{ CaptureMode: 'Input' }, { CaptureMode: 'Output' }],
      CaptureContentTypeHeader: { CsvContentTypes: ['text/csv'] },
    });
    const served = new Map<string, { variant: string; score: string; contentType: string }>();
    const invoke = async (i: number) => {
      const out = await h.runtime.send(
        new InvokeEndpointCommand({
          EndpointName: 'churn',
          ContentType: 'text/csv',
          Body: ROW,
          InferenceId: `req-${i}`,
        }),
      );
      served.set(`req-${i}`, {
        variant: out.InvokedProductionVariant!,
        score: new TextDecoder().decode(out.Body),
        contentType: out.ContentType!,
      });
    };
    await invoke(0);
    // The first batch is still open: nothing in S3 yet.
    mkdirSync(join(h.dataDir, 'capture'), { recursive: true });
    expect(await listAll(h, 'capture', 'datacapture/')).toEqual([]);
    for (let i = 1; i < 300; i++) await invoke(i);

    const keys = await listSettled(h, 'capture', 'datacapture/', 1500);
    expect(keys.length).toBeGreaterThanOrEqual(2);
    const records: CaptureRecord[] = [];
    for (const key of keys) {
      const m =
        /^datacapture\/churn\/(Champion|Challenger)\/(\d{4})\/(\d{2})\/(\d{2})\/(\d{2})\/(\d{2})-(\d{2})-(\d{3})-[0-9a-f-]{36}\.jsonl$/.exec(
          key,
        );
      expect(m).not.toBeNull();
      const fileRecords = await readRecords(h, 'capture', key);
      for (const r of fileRecords) {
        const id = r.eventMetadata.inferenceId!;
        expect(served.get(id)?.variant).toBe(m![1]);
        // The file's hour is the hour its invocations happened.
        expect(r.eventMetadata.inferenceTime.slice(0, 13)).toBe(`${m![2]}-${m![3]}-${m![4]}T${m![5]}`);
      }
      records.push(...fileRecords);
    }
    // Sampling: 300 requests at 50% (binomial sd 8.7).
    expect(records.length).toBeGreaterThan(110);
    expect(records.length).toBeLessThan(190);
    const ids = new Set(records.map((r) => r.eventMetadata.inferenceId));
    expect(ids.size).toBe(records.length);
    for (const r of records) {
      expect(r.eventVersion).toBe('0');
      expect(r.eventMetadata.eventId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(r.eventMetadata.inferenceTime).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
      expect(r.captureData.endpointInput).toEqual({
        observedContentType: 'text/csv',
        mode: 'INPUT',
        data: ROW,
        encoding: 'CSV',
      });
      const answer = served.get(r.eventMetadata.inferenceId!)!;
      expect(answer.contentType).toMatch(/^text\/csv/);
      expect(r.captureData.endpointOutput).toEqual({
        observedContentType: answer.contentType,
        mode: 'OUTPUT',
        data: answer.score,
        encoding: 'CSV',
      });
    }
  });

  test('Input only, no content-type list: base64 input, no output, every request at 100%', async () => {
    await endpointWithCapture(h, 'raw', {
      InitialSamplingPercentage: 100,
      DestinationS3Uri: 's3://capture/raw',
      CaptureOptions: [{ CaptureMode: 'Input' }],
    });
    for (let i = 0; i < 20; i++) {
      await h.runtime.send(new InvokeEndpointCommand({ EndpointName: 'raw', ContentType: 'text/csv', Body: ROW }));
    }
    const keys = await listSettled(h, 'capture', 'raw/raw/', 1500);
    const records = (await Promise.all(keys.map((k) => readRecords(h, 'capture', k)))).flat();
    expect(records).toHaveLength(20);
    for (const r of records) {
      expect(r.captureData.endpointOutput).toBeUndefined();
      expect(r.captureData.endpointInput).toEqual({
        observedContentType: 'text/csv',
        mode: 'INPUT',
        data: Buffer.from(ROW).toString('base64'),
        encoding: 'BASE64',
      });
      expect(r.eventMetadata.inferenceId).toBeUndefined();
    }
    // The variants are the prefixes below the endpoint: ListObjectsV2 with a delimiter rolls them up.
    const rolled = await h.s3.send(new ListObjectsV2Command({ Bucket: 'capture', Prefix: 'raw/raw/', Delimiter: '/' }));
    expect(rolled.Contents).toBeUndefined();
    expect(rolled.CommonPrefixes!.map((p) => p.Prefix).sort()).toEqual(
      [...new Set(keys.map((k) => k.split('/').slice(0, 3).join('/') + '/'))].sort(),
    );
  });
});

describe('ideal profile', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
    mkdirSync(join(h.dataDir, 'capture'), { recursive: true });
  });
  afterAll(() => h.close());

  test('data capture is off unless configured, as before', async () => {
    await endpointWithCapture(h, 'quiet', {
      InitialSamplingPercentage: 100,
      DestinationS3Uri: 's3://capture/quiet',
      CaptureOptions: [{ CaptureMode: 'Input' }],
    });
    await h.runtime.send(new InvokeEndpointCommand({ EndpointName: 'quiet', ContentType: 'text/csv', Body: ROW }));
    await sleep(100);
    expect(await listAll(h, 'capture', '')).toEqual([]);
  });

  test('PutObject and ListObjectsV2: prefix, delimiter, max-keys, continuation token, start-after, missing bucket', async () => {
    const keys = [
      'logs/2026/a.txt',
      'logs/2026/b.txt',
      'logs/2027/c.txt',
      'logs/top.txt',
      'other/d.txt',
      'logs/é+ x.txt',
    ];
    for (const key of keys) {
      const out = await h.s3.send(new PutObjectCommand({ Bucket: 'capture', Key: key, Body: `body of ${key}` }));
      expect(out.ETag).toMatch(/^"[0-9a-f]{32}"$/);
    }
    const got = await h.s3.send(new GetObjectCommand({ Bucket: 'capture', Key: 'logs/é+ x.txt' }));
    expect(await got.Body!.transformToString()).toBe('body of logs/é+ x.txt');

    const all = await listAll(h, 'capture', 'logs/');
    expect(all).toEqual(['logs/2026/a.txt', 'logs/2026/b.txt', 'logs/2027/c.txt', 'logs/top.txt', 'logs/é+ x.txt']);
    const rolled = await h.s3.send(new ListObjectsV2Command({ Bucket: 'capture', Prefix: 'logs/', Delimiter: '/' }));
    expect(rolled.CommonPrefixes!.map((p) => p.Prefix)).toEqual(['logs/2026/', 'logs/2027/']);
    expect(rolled.Contents!.map((c) => [c.Key, c.Size])).toEqual([
      ['logs/top.txt', 'body of logs/top.txt'.length],
      ['logs/é+ x.txt', Buffer.byteLength('body of logs/é+ x.txt')],
    ]);
    expect(rolled.KeyCount).toBe(4);

    const first = await h.s3.send(new ListObjectsV2Command({ Bucket: 'capture', Prefix: 'logs/', MaxKeys: 2 }));
    expect(first.IsTruncated).toBe(true);
    expect(first.Contents!.map((c) => c.Key)).toEqual(['logs/2026/a.txt', 'logs/2026/b.txt']);
    const second = await h.s3.send(
      new ListObjectsV2Command({
        Bucket: 'capture',
        Prefix: 'logs/',
        MaxKeys: 2,
        ContinuationToken: first.NextContinuationToken,
      }),
    );
    expect(second.Contents!.map((c) => c.Key)).toEqual(['logs/2027/c.txt', 'logs/top.txt']);
    const after = await h.s3.send(new ListObjectsV2Command({ Bucket: 'capture', StartAfter: 'logs/top.txt' }));
    expect(after.Contents!.map((c) => c.Key)).toEqual(['logs/é+ x.txt', 'other/d.txt']);
    // A prefix is any start of a key, not a folder: "logs/20" holds both years' folders, "logs/t" the top file; a
    // prefix no key can start with ("logs//", "logs/./", a folder that is a file) lists nothing.
    const keysOf = async (Prefix: string) =>
      ((await h.s3.send(new ListObjectsV2Command({ Bucket: 'capture', Prefix }))).Contents ?? []).map((c) => c.Key);
    expect(await keysOf('logs/20')).toEqual(['logs/2026/a.txt', 'logs/2026/b.txt', 'logs/2027/c.txt']);
    expect(await keysOf('logs/t')).toEqual(['logs/top.txt']);
    expect(await keysOf('logs/2026/a')).toEqual(['logs/2026/a.txt']);
    for (const prefix of ['logs//', 'logs/./', 'logs/../logs/', 'logs/top.txt/', 'nothing/here/']) {
      expect(await keysOf(prefix)).toEqual([]);
    }
    // An object written again is listed with its new ETag (listings remember ETags only while a file is unchanged).
    const etagOf = async () =>
      (await h.s3.send(new ListObjectsV2Command({ Bucket: 'capture', Prefix: 'logs/t' }))).Contents![0].ETag;
    const before = await etagOf();
    await h.s3.send(new PutObjectCommand({ Bucket: 'capture', Key: 'logs/top.txt', Body: 'another body, longer' }));
    const put = await h.s3.send(new HeadObjectCommand({ Bucket: 'capture', Key: 'logs/top.txt' }));
    expect(await etagOf()).toBe(put.ETag);
    expect(put.ETag).not.toBe(before);

    const missing = await errorOf(() =>
      h.s3.send(new PutObjectCommand({ Bucket: 'no-such-bucket', Key: 'k', Body: 'x' })),
    );
    expect(missing.name).toBe('NoSuchBucket');
    const missingList = await errorOf(() => h.s3.send(new ListObjectsV2Command({ Bucket: 'no-such-bucket' })));
    expect(missingList.name).toBe('NoSuchBucket');
  });
});
