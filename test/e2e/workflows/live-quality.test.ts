// Model quality from live traffic, end to end on real parts: the Temporal dev server, the rollout worker, the emulator
// capturing live requests (DataCaptureConfig set by the rollout from traffic.capture) into its S3, a client sending
// live traffic with InferenceIds, and a labeler uploading each request's label in Model Monitor's ground-truth format
// after a delay (some never, some too late). A worse candidate is rolled back on quality, a better one promoted, and
// no prediction is ever counted before its label window closed.
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';
import { SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import { beforeRollout, checkRolloutInvariants } from '../../harness/invariants';
import { startRolloutStack, type RolloutStack } from '../../harness/rollout-stack';
import { uniqueName } from '../../harness/temporal';
import { startLiveTraffic, type LiveTraffic } from '../../../src/local/live-traffic';
import { EMULATOR_ADMIN_CREDENTIALS } from '../../../src/local/local-stack';
import { statusQuery, type RolloutResult, type RolloutStatus } from '../../../src/workflows/shared';

let stack: RolloutStack;
let runtime: SageMakerRuntimeClient;
let s3: S3Client;
const rows = readFileSync(join(__dirname, '../../../examples/churn/holdout.csv'), 'utf8')
  .trim()
  .split('\n')
  .map((line) => ({ label: Number(line.split(',')[0]), payload: line.split(',').slice(1).join(',') }));

beforeAll(async () => {
  // A capture file a second per variant (AWS writes one about a minute, the emulator's aws profile too).
  stack = await startRolloutStack({ emulatorConfig: { dataCapture: { enabled: true, flushSeconds: 1 } } });
  mkdirSync(join(stack.dataDir, 'labels'), { recursive: true });
  const cfg = { endpoint: stack.emulator.url, region: 'us-east-1', credentials: EMULATOR_ADMIN_CREDENTIALS }; // the users' traffic and the labelling pipeline, not the worker
  runtime = new SageMakerRuntimeClient(cfg);
  s3 = new S3Client({ ...cfg, forcePathStyle: true });
});

afterAll(async () => {
  runtime?.destroy();
  s3?.destroy();
  await stack?.close();
});

const MAX_LABEL_DELAY_MS = 3_000;
// A rollout here lasts about a minute alone; on CI's 2 cores beside the whole suite one took over 120 s, and with a
// second suite's e2e tests beside it over 240 s.
const ROLLOUT_TIMEOUT_MS = 360_000;

/** A live-quality rollout of `model` beside the champion, with live traffic and delayed labels until it ends. */
async function liveRollout(model: string) {
  const endpoint = uniqueName(`live-${model}`);
  await stack.seedEndpoint(endpoint);
  const groundTruthUri = `s3://labels/${endpoint}`;
  const spec = stack.spec(endpoint, model, {
    steps: [
      { candidateWeight: 50, soak: '16s', maxSoak: '40s' },
      { candidateWeight: 100, soak: '2s' },
    ],
    traffic: {
      capture: { s3Uri: `s3://capture/${endpoint}` },
      groundTruth: { s3Uri: groundTruthUri, labelDelay: '1s', maxLabelDelay: '3s' },
    },
    guardrails: {
      errorRate4xx: { enabled: false },
      latency: { enabled: false },
      quality: { accuracy: { tolerance: 0.02 }, rocAuc: { tolerance: 0.02 } },
    },
  });
  const before = await beforeRollout(stack.admin, spec);
  const traffic: LiveTraffic = startLiveTraffic({
    runtime,
    s3,
    endpointName: endpoint,
    rows,
    ratePerSecond: 120,
    groundTruthUri,
    labelDelayMs: 1_000,
    missingShare: 0.1,
    lateShare: 0.05,
    lateDelayMs: 6_000,
  });
  const handle = await stack.client.workflow.start('modelRollout', {
    taskQueue: stack.taskQueue,
    workflowId: `rollout-${endpoint}`,
    args: [spec],
  });
  // Every status seen while it runs: each must count only predictions whose whole label window had closed.
  const snapshots: { status: RolloutStatus; polledAt: number }[] = [];
  let done = false;
  const result = handle.result().finally(() => (done = true)) as Promise<RolloutResult>;
  while (!done) {
    const status = await handle.query(statusQuery).catch(() => null);
    if (status?.liveQuality) snapshots.push({ status, polledAt: Date.now() });
    await new Promise((r) => setTimeout(r, 400));
  }
  await traffic.stop({ flushLabels: false });
  return { endpoint, spec, before, result: await result, snapshots, traffic };
}

/**
 * No open window counted: every snapshot's labelled + unlabelled candidate predictions are at most those the client
 * sent in a whole second before labelledThrough (capture's inferenceTime is the second of the answer, at or after the
 * sending), and labelledThrough had its window closed by the evaluation that folded it.
 */
function checkNoOpenWindowCounted(run: Awaited<ReturnType<typeof liveRollout>>): void {
  let cohorts = 0;
  let last = { counted: 0, madeBefore: 0 };
  for (const { status } of run.snapshots) {
    const live = status.liveQuality!;
    if (!live.labelledThrough) continue;
    cohorts++;
    const through = Date.parse(live.labelledThrough);
    expect(through + MAX_LABEL_DELAY_MS + 1_000).toBeLessThanOrEqual(Date.parse(status.lastEvaluation!.at));
    const c = live.variants.Challenger;
    const madeBefore = run.traffic.served.filter(
      (s) => s.variant === 'Challenger' && Math.floor(s.sentAt / 1000) * 1000 < through,
    ).length;
    expect(c.labelled + c.unlabelled).toBeLessThanOrEqual(madeBefore);
    expect(c.labelled + c.unlabelled + c.waiting).toBeLessThanOrEqual(c.captured);
    last = { counted: c.labelled + c.unlabelled, madeBefore };
  }
  expect(cohorts).toBeGreaterThan(0);
  // And none lost: all but those answered in the moment between the weights changing and the step starting to count.
  expect(last.counted).toBeGreaterThanOrEqual(0.85 * last.madeBefore);
}

test(
  'a worse candidate is rolled back on quality judged from live traffic with delayed labels',
  async () => {
    const run = await liveRollout('worse');
    expect(run.result.outcome).toBe('rolled_back');
    expect(run.result.reason).toMatch(/guardrail failed: rocAuc: candidate 0\.\d{3} vs baseline 0\.\d{3} \(worse by /);
    checkNoOpenWindowCounted(run);
    const last = run.snapshots[run.snapshots.length - 1].status.liveQuality!;
    // Labels that never came, and late ones, were counted and never judged.
    expect(last.variants.Challenger.unlabelled + last.variants.Champion.unlabelled).toBeGreaterThan(0);
    expect(last.variants.Challenger.labelled).toBeGreaterThan(100);
    await checkRolloutInvariants(stack, run.before, run.result, 'Champion');
  },
  ROLLOUT_TIMEOUT_MS,
);

test(
  'a better candidate is promoted on live quality; the label-free guard passes its scores',
  async () => {
    const run = await liveRollout('challenger');
    expect(run.result.outcome).toBe('promoted');
    checkNoOpenWindowCounted(run);
    const judged = run.result.evaluations.filter((e) => e.step === 1 && !e.compact).map((e) => e.evaluation.results);
    const final = judged[judged.length - 1];
    for (const guardrail of ['accuracy', 'rocAuc']) {
      const r = final.find((x) => x.guardrail === guardrail)!;
      expect(r.verdict).toBe('pass');
      expect(r.difference!).toBeLessThan(0); // the candidate is better
    }
    expect(final.find((x) => x.guardrail === 'scoreShift')!.verdict).not.toBe('fail');
    const last = run.snapshots[run.snapshots.length - 1].status.liveQuality!;
    expect(last.variants.Challenger.lateLabels + last.variants.Champion.lateLabels).toBeGreaterThan(0);
    await checkRolloutInvariants(stack, run.before, run.result, 'Challenger');
  },
  ROLLOUT_TIMEOUT_MS,
);

test(
  'paired probes: a better candidate is promoted, quality and latency judged on the same replay rows',
  async () => {
    const endpoint = uniqueName('paired');
    await stack.seedEndpoint(endpoint);
    const spec = stack.spec(endpoint, 'challenger', {
      traffic: { replay: { dataUrl: `file://${stack.data.holdoutFile}`, ratePerSecond: 100, paired: true } },
    });
    const before = await beforeRollout(stack.admin, spec);
    const handle = await stack.client.workflow.start('modelRollout', {
      taskQueue: stack.taskQueue,
      workflowId: `rollout-${endpoint}`,
      args: [spec],
    });
    const result = (await handle.result()) as RolloutResult;
    expect([result.outcome, result.reason]).toEqual(['promoted', expect.any(String)]);
    const first = result.evaluations.filter((e) => e.step === 1 && !e.compact).pop()!.evaluation.results;
    for (const guardrail of ['accuracy', 'rocAuc', 'latency']) {
      const r = first.find((x) => x.guardrail === guardrail)!;
      expect(r.method).toMatch(/^paired probes/);
      expect(r.verdict).toBe('pass');
      expect(r.samples.baseline).toBe(r.samples.candidate); // the same rows, scored by both
    }
    expect(first.find((x) => x.guardrail === 'rocAuc')!.difference!).toBeLessThan(0); // the challenger ranks better
    // Probes name their variant, so they are no evidence of routing; without data capture there is no split to check.
    expect(first.some((x) => x.guardrail === 'sampleRatio')).toBe(false);
    // Each variant's own scores of the paired rows, for people.
    const figures = result.steps[0].variants;
    expect(figures.find((v) => v.variantName === 'Challenger')!.quality!.n).toBe(
      figures.find((v) => v.variantName === 'Champion')!.quality!.n,
    );
    await checkRolloutInvariants(stack, before, result, 'Challenger');
  },
  ROLLOUT_TIMEOUT_MS,
);

test(
  'delayed labels without data capture to join them with stop the rollout before any change',
  async () => {
    const endpoint = uniqueName('nocapture');
    await stack.seedEndpoint(endpoint); // an endpoint whose config captures nothing
    const mutating = async () =>
      (await stack.admin.requests()).filter((e) => e.mutating && JSON.stringify(e).includes(endpoint)).length;
    const seeded = await mutating();
    const spec = stack.spec(endpoint, 'challenger', {
      traffic: { groundTruth: { s3Uri: `s3://labels/${endpoint}`, labelDelay: '1s', maxLabelDelay: '3s' } },
    });
    const handle = await stack.client.workflow.start('modelRollout', {
      taskQueue: stack.taskQueue,
      workflowId: `rollout-${endpoint}`,
      args: [spec],
    });
    const result = (await handle.result()) as RolloutResult;
    expect(result.outcome).toBe('rolled_back');
    expect(result.reason).toMatch(
      /has no data capture, so there are no live predictions to join labels with: add traffic\.capture/,
    );
    expect(await mutating()).toBe(seeded);
  },
  ROLLOUT_TIMEOUT_MS,
);
