// The replay activity through the real SageMaker Runtime client against the emulator, run in Temporal's activity
// test environment: it returns per-variant labelled summaries (not rows) at the input's threshold, counts the
// requests each variant answered, attributes a model error to the variant its response names (audit finding #20),
// and resumes from the summaries on its last heartbeat.
import { MockActivityEnvironment } from '@temporalio/testing';
import { createActivities } from '../../../src/activities';
import { createAwsClients } from '../../../src/activities/clients';
import type { ReplayInput, ReplayResult } from '../../../src/activities/traffic';
import { binnedAuc } from '../../../src/analysis';
import { CREDENTIALS, deployEndpoint, startHarness, type Harness } from '../emulator/helpers';

let h: Harness;
let activities: ReturnType<typeof createActivities>;

beforeAll(async () => {
  h = await startHarness();
  await deployEndpoint(h.sm, 'replay', [
    { variant: 'Champion', model: 'replay-champion', artifact: 'champion', weight: 1 },
    { variant: 'Challenger', model: 'replay-challenger', artifact: 'challenger', weight: 1 },
  ]);
  Object.assign(process.env, {
    AWS_ENDPOINT_URL: h.emulator.url,
    AWS_REGION: h.region,
    AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
  });
  activities = createActivities(createAwsClients(), { pollIntervalMs: 50 });
}, 60_000);
afterAll(() => h.close());

const input: ReplayInput = {
  endpointName: 'replay',
  dataUrl: 's3://data/churn/holdout.csv',
  ratePerSecond: 400, // rows a second: a request of 4 rows every 10 ms
  rowsPerRequest: 4,
  startRow: 0,
  durationMs: 2_000,
  threshold: 0.5,
};

const replay = (details?: unknown, overrides: Partial<ReplayInput> = {}): Promise<ReplayResult> =>
  new MockActivityEnvironment(details === undefined ? {} : { heartbeatDetails: details }).run(
    activities.replayTraffic,
    { ...input, ...overrides },
  );

test('returns a labelled summary per variant at the threshold, and attributes model errors to the variant', async () => {
  await h.admin.setFaults({ endpoints: { replay: { variants: { Challenger: { errorRate5xx: 0.2 } } } } });
  const result = await replay();
  await h.admin.setFaults({});
  expect(Object.keys(result.byVariant).sort()).toEqual(['Challenger', 'Champion']);
  const { Champion: champion, Challenger: challenger } = result.byVariant;
  // Every request is counted once: answered by a variant (failed or not) or failed without naming one.
  expect(result.requests).toBeGreaterThan(150);
  expect(champion.requests + challenger.requests + result.unattributedFailures).toBe(result.requests);
  expect(champion.failures + challenger.failures + result.unattributedFailures).toBe(result.failures);
  expect(result.unattributedFailures).toBe(0); // the emulator names the variant on a model error
  expect(champion.failures).toBe(0);
  expect(challenger.failures).toBeGreaterThan(0);
  expect(result.failuresByError.ModelError).toBe(challenger.failures);
  for (const v of [champion, challenger]) {
    // Each answered request carries 4 scored rows; the summary counts them, at the input's threshold.
    expect(v.labelled.rows).toBe(4 * (v.requests - v.failures));
    expect(v.labelled.threshold).toBe(0.5);
    const c = v.labelled.confusion;
    expect(c.tp + c.fp + c.fn + c.tn).toBe(v.labelled.rows);
    expect(v.labelled.positives).toBe(c.tp + c.fn);
    expect(binnedAuc(v.labelled)!.auc).toBeGreaterThan(0.6); // real XGBoost scores of the churn holdout
  }
  // Bounded: summaries, not rows.
  expect(JSON.stringify(result).length).toBeLessThan(40_000);
}, 30_000);

test('resumes from the summaries on its last heartbeat, adding to them', async () => {
  const first = await replay(undefined, { durationMs: 1_000 });
  // A retry that finds the whole interval done returns the heartbeat's result as it was.
  const again = await replay({ elapsedMs: 1_000, result: JSON.parse(JSON.stringify(first)) }, { durationMs: 1_000 });
  expect(again).toEqual(first);
  // A retry halfway adds the rest of the interval to the same summaries.
  const resumed: ReplayResult = await replay(
    { elapsedMs: 1_000, result: JSON.parse(JSON.stringify(first)) },
    { durationMs: 2_000 },
  );
  expect(resumed.requests).toBeGreaterThan(first.requests);
  for (const name of Object.keys(first.byVariant)) {
    const before = first.byVariant[name];
    const after = resumed.byVariant[name];
    expect(after.requests).toBeGreaterThanOrEqual(before.requests);
    expect(after.labelled.rows).toBe(4 * (after.requests - after.failures));
    expect(after.labelled.rows).toBeGreaterThanOrEqual(before.labelled.rows);
    expect(after.labelled.confusion.tp).toBeGreaterThanOrEqual(before.labelled.confusion.tp);
  }
}, 30_000);

test('paired probes: every request goes to both variants, and the rows both answered become a paired summary', async () => {
  const paired = { baseline: 'Champion', candidate: 'Challenger' };
  const result = await replay(undefined, { paired, durationMs: 1_500 });
  const { Champion: champion, Challenger: challenger } = result.byVariant;
  // Each request of 4 rows to both, by TargetVariant: the variants answered the same requests.
  expect(champion.requests).toBe(challenger.requests);
  expect(champion.requests + challenger.requests).toBe(result.requests);
  const p = result.paired!;
  expect(p.rows).toBe(champion.labelled.rows);
  expect(p.rows).toBe(4 * champion.requests);
  expect(p.joint.reduce((a, b) => a + b, 0)).toBe(p.rows);
  // One round-trip pair per request pair; the last AUC batch is folded when the interval ends.
  expect(p.latency.pairs).toBe(champion.requests);
  expect(p.auc.batches).toBe(Math.ceil(p.rows / 500));
  // The demo's challenger ranks churners better than its champion on the same rows.
  expect(p.auc.candidate / p.auc.pairs).toBeGreaterThan(p.auc.baseline / p.auc.pairs);
  // Resumed from a heartbeat: the paired summary grows from where it was.
  const resumed = await replay(
    { elapsedMs: 1_000, result: JSON.parse(JSON.stringify(result)) },
    { paired, durationMs: 2_000 },
  );
  expect(resumed.paired!.rows).toBeGreaterThan(p.rows);
  expect(resumed.paired!.latency.pairs).toBeGreaterThan(p.latency.pairs);
}, 30_000);
