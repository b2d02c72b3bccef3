// The shadow step's reader through the real S3, SageMaker and SageMaker Runtime clients against the emulator: an
// endpoint whose config mirrors the champion's requests to the challenger as a shadow variant and captures both;
// readShadowPairs pairs the two captures by InferenceId into agreement and paired score-shift counts (held to the two
// models' own predictions of the same rows), labelled pairs from one-row replay requests (the label rides in their
// InferenceId), and label-complete cohorts of live pairs joined with Model Monitor ground truth.
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import {
  CreateEndpointCommand,
  CreateEndpointConfigCommand,
  UpdateEndpointWeightsAndCapacitiesCommand,
} from '@aws-sdk/client-sagemaker';
import { InvokeEndpointCommand } from '@aws-sdk/client-sagemaker-runtime';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createActivities } from '../../../src/activities';
import { hourPath } from '../../../src/activities/capture';
import { createAwsClients } from '../../../src/activities/clients';
import type { ShadowPairsInput, ShadowPairsOutput } from '../../../src/activities/shadow-pairs';
import { replayInferenceId } from '../../../src/activities/traffic';
import { readModelArtifact } from '../../../src/emulator/model-artifact';
import { loadXGBoostModel } from '../../../src/emulator/xgboost';
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
  .map((line) => ({ label: Number(line.split(',')[0]), features: line.split(',').slice(1).map(Number) }));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const scorer = (model: string) => {
  const m = loadXGBoostModel(readModelArtifact(readFileSync(join(EXAMPLES, model, 'model.tar.gz'))) as object);
  return (features: number[]) => m.predict([features])[0][0];
};
const champion = scorer('champion');
const challenger = scorer('challenger');

beforeAll(async () => {
  h = await startHarness({ dataCapture: { enabled: true, flushSeconds: 0 } });
  mkdirSync(join(h.dataDir, 'labels'), { recursive: true });
  await createModel(h.sm, 'sp-champion', modelUrl('champion'));
  await createModel(h.sm, 'sp-challenger', modelUrl('challenger'));
  const variant = (VariantName: string, ModelName: string, InitialVariantWeight: number) => ({
    VariantName,
    ModelName,
    InstanceType: 'ml.m5.large' as const,
    InitialInstanceCount: 1,
    InitialVariantWeight,
  });
  await h.sm.send(
    new CreateEndpointConfigCommand({
      EndpointConfigName: 'sp-shadow',
      ProductionVariants: [variant('Champion', 'sp-champion', 100)],
      ShadowProductionVariants: [variant('Challenger', 'sp-challenger', 100)],
      DataCaptureConfig: {
        EnableCapture: true,
        InitialSamplingPercentage: 100,
        DestinationS3Uri: 's3://capture/shadow',
        CaptureOptions: [{ CaptureMode: 'Input' }, { CaptureMode: 'Output' }],
        CaptureContentTypeHeader: { CsvContentTypes: ['text/csv'] },
      },
    }),
  );
  await h.sm.send(new CreateEndpointCommand({ EndpointName: 'sp', EndpointConfigName: 'sp-shadow' }));
  await waitForStatus(h.sm, 'sp');
  Object.assign(process.env, {
    AWS_ENDPOINT_URL: h.emulator.url,
    AWS_REGION: h.region,
    AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
  });
  activities = createActivities(createAwsClients(), { pollIntervalMs: 50 });
}, 60_000);
afterAll(() => h.close());

/** Sends rows [first, first + count) with the given ids; every caller is answered by the production variant. */
async function invoke(count: number, first: number, id: (i: number) => string): Promise<string[]> {
  const ids: string[] = [];
  for (let i = first; i < first + count; i++) {
    const out = await h.runtime.send(
      new InvokeEndpointCommand({
        EndpointName: 'sp',
        ContentType: 'text/csv',
        Body: rows[i].features.join(','),
        InferenceId: id(i),
      }),
    );
    expect(out.InvokedProductionVariant).toBe('Champion');
    ids.push(id(i));
  }
  return ids;
}

const read = (input: ShadowPairsInput): Promise<ShadowPairsOutput> =>
  new MockActivityEnvironment().run(activities.readShadowPairs, input);

const disagreeing = (from: number, to: number) =>
  rows.slice(from, to).filter((r) => champion(r.features) >= 0.5 !== challenger(r.features) >= 0.5).length;

test('pairs both captures by InferenceId: agreement, paired score counts and replay labels, each slice once', async () => {
  const liveFrom = Math.floor(Date.now() / 1000) * 1000;
  await invoke(200, 0, (i) => `live-${i}`);
  await invoke(40, 200, (i) =>
    replayInferenceId(`00000000-0000-4000-8000-${String(i).padStart(12, '0')}`, [rows[i].label]),
  );
  const base = {
    endpointName: 'sp',
    captureUri: 's3://capture/shadow',
    baselineName: 'Champion',
    candidateName: 'Challenger',
    threshold: 0.5,
    liveFrom,
  };
  // The copies are answered after their originals, and the slice must end after both: at a share of 100% every
  // production answer has its copy, so a slice with answers left without one ended too soon (a loaded machine answers
  // copies late), and is read again to a later end (reads are idempotent).
  let to = 0;
  let out: NonNullable<ShadowPairsOutput['pairs']> | undefined;
  for (const until = Date.now() + 15_000; !out || (out.baselineOnly > 0 && Date.now() < until);) {
    await sleep(1_200);
    to = Math.ceil(Date.now() / 1000) * 1000;
    await sleep(to + 1_000 - Date.now());
    out = (await read({ ...base, pairs: { from: liveFrom, to } })).pairs!;
  }
  expect(out.through).toBe(to);
  expect(out.agreement.pairs).toBe(240);
  expect(out.baselineOnly).toBe(0); // a share of 100%: every request mirrored
  expect(out.agreement.disagreements).toBe(disagreeing(0, 240));
  expect(out.agreement.baselinePositive).toBe(rows.slice(0, 240).filter((r) => champion(r.features) >= 0.5).length);
  expect(out.scores.pairs).toBe(240);
  expect(out.scores.candidate.predictions).toBe(240);
  // Only the replay rows carry their label: 40 labelled pairs, the paired summary of the two models' scores.
  expect(out.replayLabelled.rows).toBe(40);
  expect(out.replayLabelled.positives).toBe(rows.slice(200, 240).filter((r) => r.label === 1).length);

  // A slice read again from where the last call ended finds nothing new.
  const later = Math.ceil(Date.now() / 1000) * 1000;
  expect((await read({ ...base, pairs: { from: to, to: later } })).pairs!.agreement.pairs).toBe(0);
}, 60_000);

test('at a share of 50%, about half of the production answers have a copy; cohorts join live pairs with labels', async () => {
  await h.sm.send(
    new UpdateEndpointWeightsAndCapacitiesCommand({
      EndpointName: 'sp',
      DesiredWeightsAndCapacities: [{ VariantName: 'Challenger', DesiredWeight: 50 }],
    }),
  );
  await waitForStatus(h.sm, 'sp');
  const liveFrom = Math.ceil(Date.now() / 1000) * 1000;
  await sleep(liveFrom - Date.now());
  // The first 100 requests get their labels at once, in Model Monitor's ground-truth format; the rest never.
  const ids = await invoke(100, 300, (i) => `half-${i}`);
  const body = ids
    .map((id, k) =>
      JSON.stringify({
        groundTruthData: { data: String(rows[300 + k].label), encoding: 'CSV' },
        eventMetadata: { eventId: id },
        eventVersion: '0',
      }),
    )
    .join('\n');
  await h.s3.send(new PutObjectCommand({ Bucket: 'labels', Key: `gt/${hourPath(Date.now())}/l.jsonl`, Body: body }));
  await invoke(200, 400, (i) => `half-${i}`);
  await sleep(1_200);
  const to = Math.ceil(Date.now() / 1000) * 1000;
  await sleep(1_000);
  const base = {
    endpointName: 'sp',
    captureUri: 's3://capture/shadow',
    baselineName: 'Champion',
    candidateName: 'Challenger',
    threshold: 0.5,
    liveFrom,
  };
  const pairs = (await read({ ...base, pairs: { from: liveFrom, to } })).pairs!;
  expect(pairs.agreement.pairs + pairs.baselineOnly).toBe(300);
  expect(pairs.agreement.pairs).toBeGreaterThan(100);
  expect(pairs.agreement.pairs).toBeLessThan(200);

  const maxLabelDelayMs = 3_000;
  await sleep(Math.max(0, to + 1_000 + maxLabelDelayMs - Date.now()));
  const cohorts = (
    await read({
      ...base,
      cohorts: { groundTruthUri: 's3://labels/gt', from: liveFrom, to, sliceMs: to - liveFrom, maxLabelDelayMs },
    })
  ).cohorts!;
  expect(cohorts.through).toBe(to);
  // Every live pair is judged or unlabelled; the labelled ones are pairs among the first 100 requests.
  expect(cohorts.labelled.rows + cohorts.unlabelled).toBe(pairs.agreement.pairs);
  expect(cohorts.labelled.rows).toBeGreaterThan(20);
  expect(cohorts.labelled.rows).toBeLessThanOrEqual(100);
}, 60_000);
