// The live-quality activity through the real S3 and SageMaker Runtime clients against the emulator: live requests with
// InferenceIds are captured by the endpoint's DataCaptureConfig, labels are written later in Model Monitor's
// ground-truth format with PutObject, and readLiveQuality returns counts of the new captures per weight period (the
// rollout's own replay requests left out), then label-complete cohorts as labelled summaries: labels that arrived
// within each prediction's window joined by id, the others unlabelled (late ones counted), and no prediction whose
// window is still open.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { CreateEndpointCommand, CreateEndpointConfigCommand } from '@aws-sdk/client-sagemaker';
import { InvokeEndpointCommand } from '@aws-sdk/client-sagemaker-runtime';
import { MockActivityEnvironment } from '@temporalio/testing';
import { readFileSync } from 'node:fs';
import { createActivities } from '../../../src/activities';
import { createAwsClients } from '../../../src/activities/clients';
import { captureKeyBefore, hourPath, REPLAY_INFERENCE_PREFIX } from '../../../src/activities/capture';
import type { LiveQualityInput, LiveQualityOutput } from '../../../src/activities/live-quality';
import { summarizeLabelled } from '../../../src/analysis';
import { SCORE_SHIFT_THRESHOLDS } from '../../../src/analysis/score-shift';
import {
  CREDENTIALS,
  createModel,
  EXAMPLES,
  modelUrl,
  startHarness,
  waitForStatus,
  type Harness,
} from '../emulator/helpers';

let h: Harness;
let activities: ReturnType<typeof createActivities>;
const rows = readFileSync(join(EXAMPLES, 'holdout.csv'), 'utf8')
  .trim()
  .split('\n')
  .map((line) => ({ label: Number(line.split(',')[0]), payload: line.split(',').slice(1).join(',') }));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  h = await startHarness({ dataCapture: { enabled: true, flushSeconds: 0 } });
  mkdirSync(join(h.dataDir, 'labels'), { recursive: true });
  await createModel(h.sm, 'lq-champion', modelUrl('champion'));
  await createModel(h.sm, 'lq-challenger', modelUrl('challenger'));
  await h.sm.send(
    new CreateEndpointConfigCommand({
      EndpointConfigName: 'lq-config',
      ProductionVariants: [
        ['Champion', 'lq-champion'],
        ['Challenger', 'lq-challenger'],
      ].map(([variant, model]) => ({
        VariantName: variant,
        ModelName: model,
        InstanceType: 'ml.m5.large',
        InitialInstanceCount: 1,
        InitialVariantWeight: 1,
      })),
      DataCaptureConfig: {
        EnableCapture: true,
        InitialSamplingPercentage: 100,
        DestinationS3Uri: 's3://capture/live',
        CaptureOptions: [{ CaptureMode: 'Input' }, { CaptureMode: 'Output' }],
        CaptureContentTypeHeader: { CsvContentTypes: ['text/csv'] },
      },
    }),
  );
  await h.sm.send(new CreateEndpointCommand({ EndpointName: 'lq', EndpointConfigName: 'lq-config' }));
  await waitForStatus(h.sm, 'lq');
  Object.assign(process.env, {
    AWS_ENDPOINT_URL: h.emulator.url,
    AWS_REGION: h.region,
    AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
  });
  activities = createActivities(createAwsClients(), { pollIntervalMs: 50 });
}, 60_000);
afterAll(() => h.close());

interface Served {
  id: string;
  variant: string;
  label: number;
  score: number;
}

async function invoke(count: number, firstRow: number, idPrefix: string): Promise<Served[]> {
  const served: Served[] = [];
  for (let i = 0; i < count; i++) {
    const row = rows[(firstRow + i) % rows.length];
    const id = `${idPrefix}${firstRow + i}`;
    const out = await h.runtime.send(
      new InvokeEndpointCommand({ EndpointName: 'lq', ContentType: 'text/csv', Body: row.payload, InferenceId: id }),
    );
    served.push({
      id,
      variant: out.InvokedProductionVariant!,
      label: row.label,
      score: Number(new TextDecoder().decode(out.Body).split(',')[0]),
    });
  }
  return served;
}

/** Labels in Model Monitor's ground-truth format, one object, filed under the hour of now. */
async function writeLabels(name: string, labels: { id: string; label: number }[]): Promise<void> {
  const body = labels
    .map((l) =>
      JSON.stringify({
        groundTruthData: { data: String(l.label), encoding: 'CSV' },
        eventMetadata: { eventId: l.id },
        eventVersion: '0',
      }),
    )
    .join('\n');
  await h.s3.send(
    new PutObjectCommand({ Bucket: 'labels', Key: `gt/${hourPath(Date.now())}/${name}.jsonl`, Body: `${body}\n` }),
  );
}

const read = (input: LiveQualityInput): Promise<LiveQualityOutput> =>
  new MockActivityEnvironment().run(activities.readLiveQuality, input);

/**
 * Reads from `input`'s cursors again until `count` new captures (the replay's among them) are there: the ideal profile
 * writes each capture file as the request is answered, but on a loaded machine the writes land later (CI once counted
 * 138 of 151 after a fixed 200 ms). Reading is idempotent: the cursors are the input's.
 */
async function untilCaptured(input: LiveQualityInput, count: number): Promise<LiveQualityOutput> {
  const seen = (out: LiveQualityOutput) =>
    Object.values(out.captured).reduce((sum, n) => sum + n, 0) + out.skipped.replay;
  let out = await read(input);
  for (const until = Date.now() + 15_000; seen(out) < count && Date.now() < until;) {
    await sleep(200);
    out = await read(input);
  }
  return out;
}

test('new captures per weight period, then label-complete cohorts joined by id; open windows never counted', async () => {
  // The cohort is one slice from liveFrom to just after the early requests, and labels are read until one slice after
  // its last window closed: starting it 5 s back (nothing was captured before) keeps the late labels inside that
  // reading window however fast the requests are (CI once served them so fast that the late labels fell outside it).
  const liveFrom = Math.floor(Date.now() / 1000) * 1000 - 5_000;
  const base: LiveQualityInput = {
    endpointName: 'lq',
    captureUri: 's3://capture/live',
    baselineName: 'Champion',
    candidateName: 'Challenger',
    liveFrom,
    periods: [{ from: liveFrom, candidateWeight: 50 }],
    cursors: {},
  };
  const early = await invoke(300, 0, 'live-');
  const replayed = await invoke(20, 300, REPLAY_INFERENCE_PREFIX);
  // The labels of the first 200 come at once: in time for every one of them as long as the 320 requests took less
  // than the label window (a loaded machine may need seconds for them, hence its 6 s; 2.5 s was once too short).
  const maxLabelDelayMs = 6_000;
  const inTime = early.slice(0, 200);
  const late = early.slice(200, 240);
  await writeLabels('in-time', inTime);
  const madeBy = Date.now();
  // 1. New captures: counted per variant and period, the replay left out; a second call finds nothing new.
  const served = (v: string) => early.filter((s) => s.variant === v);
  const first = await untilCaptured(base, early.length + replayed.length);
  expect(first.captured).toEqual({ Champion: served('Champion').length, Challenger: served('Challenger').length });
  expect(first.skipped.replay).toBe(replayed.length);
  expect(first.periods).toHaveLength(1);
  const half = SCORE_SHIFT_THRESHOLDS.indexOf(0.5);
  for (const [variant, counts] of [
    ['Champion', first.periods[0].baseline],
    ['Challenger', first.periods[0].candidate],
  ] as const) {
    expect(counts.predictions).toBe(served(variant).length);
    expect(counts.atOrBelow[half]).toBe(served(variant).filter((s) => s.score <= 0.5).length);
  }
  const again = await read({ ...base, cursors: first.cursors });
  expect(again.captured).toEqual({ Champion: 0, Challenger: 0 });
  expect(again.cursors).toEqual(first.cursors);

  // 2. Labels: 200 in time (written above), 40 late (written after their window closed), the rest never; then later
  // predictions whose windows are still open when the cohort is read.
  await sleep(Math.max(0, madeBy + maxLabelDelayMs + 2_500 - Date.now()));
  await writeLabels('late', late);
  const lateWrittenBy = Date.now();
  const open = await invoke(60, 400, 'open-');
  await writeLabels('open', open);
  await untilCaptured({ ...base, cursors: first.cursors }, open.length);
  const closable = Math.floor((madeBy - liveFrom) / 1000) * 1000 + 1000 + liveFrom; // a slice end after every early one
  expect(closable + 1_000 + maxLabelDelayMs).toBeLessThanOrEqual(Date.now());
  // The late labels must arrive before labels stop being read for the slice, or they cannot be counted as late.
  expect(lateWrittenBy).toBeLessThanOrEqual(closable + 1_000 + maxLabelDelayMs + (closable - liveFrom));
  const cohorts = await read({
    ...base,
    cursors: first.cursors,
    cohorts: {
      groundTruthUri: 's3://labels/gt',
      from: liveFrom,
      to: closable,
      sliceMs: closable - liveFrom,
      maxLabelDelayMs,
      threshold: 0.5,
    },
  });
  expect(cohorts.cohorts!.closedThrough).toBe(closable);
  for (const variant of ['Champion', 'Challenger']) {
    const c = cohorts.cohorts!.byVariant[variant];
    const labelled = inTime.filter((s) => s.variant === variant);
    expect(c.predictions).toBe(served(variant).length); // the open-window predictions are not in it
    expect(c.labelled).toEqual(summarizeLabelled(labelled, 0.5));
    expect(c.unlabelled).toBe(served(variant).length - labelled.length);
    expect(c.late).toBe(late.filter((s) => s.variant === variant).length);
  }
  // The open predictions were captured (and count as new captures), but judged only once their slice closes.
  expect(cohorts.captured.Champion + cohorts.captured.Challenger).toBe(open.length);
}, 60_000);

test('reads at most maxFiles capture files a call and says more remain', async () => {
  // Start on a fresh second: liveFrom is whole seconds, and the earlier test's files may carry this second's
  // timestamp (CI once counted 28 of them here).
  await sleep(1000 - (Date.now() % 1000) + 20);
  const liveFrom = Math.floor(Date.now() / 1000) * 1000;
  await invoke(30, 500, 'paged-');
  const input: LiveQualityInput = {
    endpointName: 'lq',
    captureUri: 's3://capture/live',
    baselineName: 'Champion',
    candidateName: 'Challenger',
    liveFrom,
    periods: [{ from: liveFrom, candidateWeight: 50 }],
    // Start at this test's files (the earlier test's are before liveFrom).
    cursors: Object.fromEntries(['Champion', 'Challenger'].map((v) => [v, captureKeyBefore(`live/lq/${v}`, liveFrom)])),
    maxFiles: 5,
  };
  await untilCaptured({ ...input, maxFiles: 1000 }, 30);
  let out = await read(input);
  expect(out.more).toBe(true);
  let total = out.captured.Champion + out.captured.Challenger;
  while (out.more) {
    out = await read({ ...input, cursors: out.cursors });
    total += out.captured.Champion + out.captured.Challenger;
  }
  expect(total).toBe(30);
}, 60_000);
