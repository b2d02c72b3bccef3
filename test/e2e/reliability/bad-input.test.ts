// The bad-input corpus: malformed and hostile specs, references to things that do not exist, and bad signals.
// Each must be refused with an error that names the field, through the real worker, with ZERO mutating AWS calls
// (the emulator's request log counts them). Specs go through the workflow, not just parseSpec, because
// `temporal workflow start` bypasses our CLI's validation.
import { readFileSync } from 'node:fs';
import { WorkflowFailedError } from '@temporalio/client';
import { EMULATOR_PLACEHOLDERS, SHIPPED_POLICY_PATH } from '../../../src/emulator/iam/default-policy';
import { startRolloutStack, type RolloutStack } from '../../harness/rollout-stack';
import { uniqueName } from '../../harness/temporal';
import { statusQuery, type RolloutResult } from '../../../src/workflows/shared';
import { InvalidInputError, parseSignal, type SignalName } from '../../../src/schema';
import { beforeRollout, checkRolloutInvariants } from '../../harness/invariants';

let stack: RolloutStack;
let live: string;

/**
 * The shipped policy, plus read access to the model bucket: an operator may grant it so that preflight can see a
 * missing model artifact (without it, S3 answers a missing key with 403 and the check is only noted, as
 * test/e2e/activities/aws-profile.test.ts shows).
 */
function policyReadingModels(): Record<string, unknown> {
  let text = readFileSync(SHIPPED_POLICY_PATH, 'utf8');
  for (const [placeholder, value] of Object.entries(EMULATOR_PLACEHOLDERS)) text = text.split(placeholder).join(value);
  const policy = JSON.parse(text) as { Statement: unknown[] };
  policy.Statement.push(
    { Sid: 'ModelArtifacts', Effect: 'Allow', Action: ['s3:GetObject'], Resource: 'arn:aws:s3:::models/*' },
    { Sid: 'ModelBucket', Effect: 'Allow', Action: ['s3:ListBucket'], Resource: 'arn:aws:s3:::models' },
  );
  return policy;
}

beforeAll(async () => {
  stack = await startRolloutStack({ emulatorConfig: { iamPolicy: policyReadingModels() } });
  live = uniqueName('live');
  await stack.seedEndpoint(live);
  await stack.admin.clearRequests();
});

afterAll(async () => {
  await stack?.close();
});

type Spec = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const base = (): Spec => JSON.parse(JSON.stringify(stack.spec(live, 'challenger')));
const edit = (fn: (s: Spec) => void) => (): unknown => {
  const s = base();
  fn(s);
  return s;
};
const step = (patch: Spec) => edit((s) => (s.steps = [{ candidateWeight: 50, soak: '2s', ...patch }]));

/** [what, spec, the field the error must name]. */
const SPEC_CASES: [string, () => unknown, string][] = [
  ['a string instead of an object', () => 'churn', 'must be a JSON object'],
  ['null', () => null, 'must be a JSON object'],
  ['an array', () => [base()], 'must be a JSON object'],
  ['a number', () => 42, 'must be a JSON object'],
  ['endpointName missing', edit((s) => delete s.endpointName), 'endpointName'],
  ['endpointName empty', edit((s) => (s.endpointName = '')), 'endpointName'],
  ['endpointName with an underscore', edit((s) => (s.endpointName = 'churn_v2')), 'endpointName'],
  ['endpointName of 64 characters', edit((s) => (s.endpointName = 'a'.repeat(64))), 'endpointName'],
  ['endpointName a number', edit((s) => (s.endpointName = 42)), 'endpointName'],
  ['endpointName starting with a hyphen', edit((s) => (s.endpointName = '-churn')), 'endpointName'],
  ['endpointName with markup', edit((s) => (s.endpointName = '<script>alert(1)</script>')), 'endpointName'],
  ['endpointName with a NUL byte', edit((s) => (s.endpointName = 'churn\u0000x')), 'endpointName'],
  ['a misspelt top-level field', edit((s) => (s.endpiontName = 'x')), '"endpiontName"'],
  [
    'a __proto__ key',
    () => JSON.parse(`{"__proto__":{"polluted":1},${JSON.stringify(base()).slice(1)}`),
    '"__proto__"',
  ],
  ['candidate missing', edit((s) => delete s.candidate), 'candidate'],
  ['candidate.modelName missing', edit((s) => delete s.candidate.modelName), 'candidate.modelName'],
  ['candidate.modelName with spaces', edit((s) => (s.candidate.modelName = 'churn model')), 'candidate.modelName'],
  [
    'candidate.modelName of 10,000 characters',
    edit((s) => (s.candidate.modelName = 'm'.repeat(10_000))),
    'candidate.modelName',
  ],
  [
    'candidate.variantName equal to the baseline',
    edit((s) => (s.candidate.variantName = 'Champion')),
    'candidate.variantName',
  ],
  ['candidate.image without modelDataUrl and role', edit((s) => delete s.candidate.modelDataUrl), 'candidate'],
  [
    'candidate.executionRoleArn not an ARN',
    edit((s) => (s.candidate.executionRoleArn = 'SageMakerRole')),
    'candidate.executionRoleArn',
  ],
  [
    'candidate.instanceType without ml.',
    edit((s) => (s.candidate.instanceType = 'm5.large')),
    'candidate.instanceType',
  ],
  ['candidate.instanceCount 0', edit((s) => (s.candidate.instanceCount = 0)), 'candidate.instanceCount'],
  ['candidate.instanceCount 1.5', edit((s) => (s.candidate.instanceCount = 1.5)), 'candidate.instanceCount'],
  ['candidate.instanceCount 1e9', edit((s) => (s.candidate.instanceCount = 1e9)), 'candidate.instanceCount'],
  ['candidate.instanceCount a string', edit((s) => (s.candidate.instanceCount = '2')), 'candidate.instanceCount'],
  [
    'candidate.modelDataUrl over http',
    edit((s) => (s.candidate.modelDataUrl = 'http://example.com/m.tar.gz')),
    'candidate.modelDataUrl',
  ],
  [
    'candidate.modelDataUrl with ../ in s3',
    edit((s) => (s.candidate.modelDataUrl = 's3://models/../secrets/model.tar.gz')),
    'candidate.modelDataUrl',
  ],
  [
    'candidate.modelDataUrl with ../ in file',
    edit((s) => (s.candidate.modelDataUrl = 'file:///srv/models/../../etc/passwd')),
    'candidate.modelDataUrl',
  ],
  [
    'candidate.modelDataUrl with %2e%2e',
    edit((s) => (s.candidate.modelDataUrl = 's3://models/%2e%2e/x/model.tar.gz')),
    'candidate.modelDataUrl',
  ],
  [
    'candidate.modelDataUrl relative file URL',
    edit((s) => (s.candidate.modelDataUrl = 'file://models/m.tar.gz')),
    'candidate.modelDataUrl',
  ],
  [
    'candidate.modelDataUrl invalid bucket',
    edit((s) => (s.candidate.modelDataUrl = 's3://My_Bucket/m.tar.gz')),
    'candidate.modelDataUrl',
  ],
  [
    'candidate.environment with a number value',
    edit((s) => (s.candidate.environment = { THREADS: 4 })),
    'candidate.environment.THREADS',
  ],
  ['an unknown candidate field', edit((s) => (s.candidate.instanceTyp = 'ml.m5.large')), '"instanceTyp"'],
  ['steps empty', edit((s) => (s.steps = [])), 'steps'],
  ['steps an object', edit((s) => (s.steps = { candidateWeight: 50 })), 'steps'],
  ['21 steps', edit((s) => (s.steps = Array.from({ length: 21 }, () => ({ candidateWeight: 50 })))), 'steps'],
  ['candidateWeight 0', step({ candidateWeight: 0 }), 'steps[0].candidateWeight'],
  ['candidateWeight 150', step({ candidateWeight: 150 }), 'steps[0].candidateWeight'],
  ['candidateWeight -10', step({ candidateWeight: -10 }), 'steps[0].candidateWeight'],
  ['candidateWeight a string', step({ candidateWeight: '50' }), 'steps[0].candidateWeight'],
  ['weights that do not add up to 100', step({ baselineWeight: 40 }), 'steps[0].baselineWeight'],
  ['soak in words', step({ soak: 'ten minutes' }), 'steps[0].soak'],
  ['soak of 0s', step({ soak: '0s' }), 'steps[0].soak'],
  ['soak of 400 days', step({ soak: '400d' }), 'steps[0].soak'],
  ['maxSoak shorter than soak', step({ soak: '10m', maxSoak: '1m' }), 'steps[0].maxSoak'],
  ['approval "maybe"', step({ approval: 'maybe' }), 'steps[0].approval'],
  ['a first deployment at 50%', edit((s) => delete s.baseline), 'steps[0].candidateWeight'],
  ['replay over ftp', edit((s) => (s.traffic.replay.dataUrl = 'ftp://data/holdout.csv')), 'traffic.replay.dataUrl'],
  ['replay with ../', edit((s) => (s.traffic.replay.dataUrl = 's3://data/../../etc/passwd')), 'traffic.replay.dataUrl'],
  ['replay rate -1', edit((s) => (s.traffic.replay.ratePerSecond = -1)), 'traffic.replay.ratePerSecond'],
  ['replay rate 1e6', edit((s) => (s.traffic.replay.ratePerSecond = 1e6)), 'traffic.replay.ratePerSecond'],
  ['rowsPerRequest 0', edit((s) => (s.traffic.replay.rowsPerRequest = 0)), 'traffic.replay.rowsPerRequest'],
  ['threshold 2', edit((s) => (s.traffic.replay.threshold = 2)), 'traffic.replay.threshold'],
  ['replay format xml', edit((s) => (s.traffic.replay.format = 'xml')), 'traffic.replay.format'],
  ['evaluation.interval not a duration', edit((s) => (s.evaluation.interval = 'often')), 'evaluation.interval'],
  [
    'evaluation.onInconclusive unknown',
    edit((s) => (s.evaluation.onInconclusive = 'maybe')),
    'evaluation.onInconclusive',
  ],
  ['guardrails.alpha 0', edit((s) => (s.guardrails = { alpha: 0 })), 'guardrails.alpha'],
  ['guardrails.alpha 0.5', edit((s) => (s.guardrails = { alpha: 0.5 })), 'guardrails.alpha'],
  [
    'errorRate5xx.tolerance negative',
    edit((s) => (s.guardrails = { errorRate5xx: { tolerance: -0.1 } })),
    'guardrails.errorRate5xx.tolerance',
  ],
  [
    'latency.tolerance a word',
    edit((s) => (s.guardrails = { latency: { tolerance: 'high' } })),
    'guardrails.latency.tolerance',
  ],
  ['quality metric misspelt', edit((s) => (s.guardrails = { quality: { auc: { tolerance: 0.01 } } })), '"auc"'],
  ['an empty alarm name', edit((s) => (s.guardrails = { alarms: [''] })), 'guardrails.alarms[0]'],
  ['approval.timeout of a year', edit((s) => (s.approval = { timeout: '365d' })), 'approval.timeout'],
  ['approval.onTimeout unknown', edit((s) => (s.approval = { onTimeout: 'ignore' })), 'approval.onTimeout'],
  ['onFailure unknown', edit((s) => (s.onFailure = 'explode')), 'onFailure'],
  ['region not a region', edit((s) => (s.region = 'mars-north-1a')), 'region'],
  ['cleanup flag a string', edit((s) => (s.cleanup = { deleteCandidateModel: 'yes' })), 'cleanup.deleteCandidateModel'],
];

/** Specs that parse but name things AWS does not have: preflight refuses them with reads only. */
const REFERENCE_CASES: [string, () => unknown, string][] = [
  ['an endpoint that does not exist', edit((s) => (s.endpointName = uniqueName('nowhere'))), 'endpointName'],
  ['a baseline variant the endpoint lacks', edit((s) => (s.baseline.variantName = 'Ghost')), 'baseline.variantName'],
  [
    'an existing model that does not exist',
    edit((s) => {
      for (const k of ['image', 'modelDataUrl', 'executionRoleArn']) delete s.candidate[k];
    }),
    'candidate.modelName',
  ],
  ['a model name already taken', edit((s) => (s.candidate.modelName = `${live}-champion`)), 'candidate.modelName'],
  ['the wrong region', edit((s) => (s.region = 'eu-west-3')), 'endpointName'],
  [
    'a first deployment onto an existing endpoint',
    edit((s) => {
      delete s.baseline;
      s.steps = [{ candidateWeight: 100, soak: '2s' }];
    }),
    'baseline',
  ],
  ['an alarm that does not exist', edit((s) => (s.guardrails = { alarms: ['no-such-alarm'] })), 'guardrails.alarms'],
  [
    'a model artifact that does not exist',
    edit((s) => (s.candidate.modelDataUrl = 's3://models/churn/nope/model.tar.gz')),
    'candidate.modelDataUrl',
  ],
  [
    'a replay file that does not exist',
    edit((s) => (s.traffic.replay.dataUrl = 'file:///nonexistent/holdout.csv')),
    'traffic.replay.dataUrl',
  ],
  [
    'a replay object that does not exist',
    edit((s) => (s.traffic.replay.dataUrl = 's3://data/churn/missing.csv')),
    'traffic.replay.dataUrl',
  ],
];

async function refusal(spec: unknown): Promise<string> {
  // A spec that parses must run under its endpoint's workflow id (the one-rollout-per-endpoint rule).
  const endpointName = (spec as { endpointName?: unknown } | null)?.endpointName;
  const handle = await stack.client.workflow.start('modelRollout', {
    taskQueue: stack.taskQueue,
    workflowId:
      typeof endpointName === 'string' && endpointName ? `rollout-${endpointName}` : uniqueName('rollout-bad'),
    args: [spec],
  });
  const err = await handle.result().then(
    (r) => new Error(`accepted: ${JSON.stringify(r).slice(0, 200)}`),
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(WorkflowFailedError);
  // The workflow's own failure (spec), or the preflight activity's failure beneath it (references).
  const cause = (err as WorkflowFailedError).cause as (Error & { cause?: Error }) | undefined;
  return [cause?.message, cause?.cause?.message].filter(Boolean).join(' | ');
}

describe('bad input is refused naming the field, with zero mutating AWS calls', () => {
  test.each([...SPEC_CASES, ...REFERENCE_CASES])('%s', async (_what, make, field) => {
    const message = await refusal(make());
    expect(message).toContain(field);
    expect(message).toMatch(/:/); // "field: what is wrong and how to fix it"
  });

  test('none of them made a mutating AWS call', async () => {
    const mutating = (await stack.admin.requests()).filter((e) => e.mutating);
    expect(mutating).toEqual([]);
  });
});

describe('bad signals', () => {
  const SIGNAL_CASES: [SignalName, unknown, string][] = [
    ['approve', {}, 'by'],
    ['approve', { by: '' }, 'by'],
    ['approve', { by: 'alice smith' }, 'by'],
    ['approve', { by: 'a'.repeat(200) }, 'by'],
    ['approve', { by: 42 }, 'by'],
    ['approve', 'alice', 'approve signal'],
    ['approve', { by: 'alice', extra: true }, '"extra"'],
    ['rollback', { by: 'bob' }, 'reason'],
    ['rollback', { by: 'bob', reason: '   ' }, 'reason'],
    ['pause', { by: 'carol', reason: 'x'.repeat(1001) }, 'reason'],
    ['resume', { by: 'dave', reason: 'not allowed here' }, '"reason"'],
  ];

  test.each(SIGNAL_CASES)('%s %j is refused naming %s', (name, payload, field) => {
    expect(() => parseSignal(name, payload)).toThrow(InvalidInputError);
    expect(() => parseSignal(name, payload)).toThrow(field);
  });

  test('on a running rollout: bad signals are recorded and ignored; a rollback after the end is refused', async () => {
    const endpoint = uniqueName('signals');
    await stack.seedEndpoint(endpoint);
    const spec = stack.spec(endpoint, 'challenger', { steps: [{ candidateWeight: 50, soak: '60s' }] });
    const start = await beforeRollout(stack.admin, spec);
    const handle = await stack.client.workflow.start('modelRollout', {
      taskQueue: stack.taskQueue,
      workflowId: `rollout-${endpoint}`,
      args: [spec],
    });
    await waitUntil(async () => (await handle.query(statusQuery)).phase === 'soaking');
    const before = (await stack.admin.requests()).filter((e) => e.mutating).length;
    await handle.signal('approve', { by: 'not a user!' });
    await handle.signal('approve', { by: 'dave' }); // nothing is pending
    await handle.signal('rollback', { by: 'erin' }); // no reason
    await handle.signal('resume', { by: 'frank' }); // not paused
    await waitUntil(
      async () => (await handle.query(statusQuery)).decisions.filter((d) => d.kind === 'signal-ignored').length === 4,
    );
    const status = await handle.query(statusQuery);
    expect(status.phase).toBe('soaking'); // none of them changed the rollout
    expect((await stack.admin.requests()).filter((e) => e.mutating).length).toBe(before);
    const ignored = status.decisions.filter((d) => d.kind === 'signal-ignored').map((d) => d.reason);
    expect(ignored).toEqual([
      expect.stringMatching(/^approve signal rejected: [\s\S]*by: by must name who you are/),
      'approve ignored: nothing is pending approval',
      expect.stringMatching(/^rollback signal rejected: [\s\S]*reason: required/),
      'resume ignored: the rollout is not paused',
    ]);

    await handle.signal('rollback', { by: 'erin', reason: 'end of test' });
    const result = (await handle.result()) as RolloutResult;
    await checkRolloutInvariants(stack, start, result, 'Champion');
    await expect(handle.signal('rollback', { by: 'erin', reason: 'too late' })).rejects.toThrow(/completed|not found/i);
  });
});

async function waitUntil(check: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 200));
  }
}
