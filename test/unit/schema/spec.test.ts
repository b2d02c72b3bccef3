import {
  durationMs,
  formatDuration,
  parseSignal,
  parseSpec,
  rolloutSpecJsonSchema,
  InvalidInputError,
  toGuardrailConfig,
  bakeOf,
  bakePlan,
  warmInstancesOf,
  hasShadowSteps,
  phaseCount,
  phaseStepsOf,
} from '../../../src/schema';

const minimal = {
  endpointName: 'churn',
  baseline: { variantName: 'Champion' },
  candidate: {
    variantName: 'Challenger',
    modelName: 'churn-xgb-v2',
    image: '123456789012.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1',
    modelDataUrl: 's3://models/churn/v2/model.tar.gz',
    executionRoleArn: 'arn:aws:iam::123456789012:role/SageMakerExecution',
    instanceType: 'ml.m5.xlarge',
    instanceCount: 1,
  },
  steps: [
    { candidateWeight: 50, soak: '10m' },
    { candidateWeight: 75, soak: '10m', approval: 'required' },
    { candidateWeight: 100, soak: '5m' },
  ],
  traffic: { replay: { dataUrl: 's3://data/churn/holdout.csv', ratePerSecond: 20 } },
};

function issuesOf(input: unknown): string[] {
  try {
    parseSpec(input);
  } catch (err) {
    expect(err).toBeInstanceOf(InvalidInputError);
    return (err as InvalidInputError).issues;
  }
  throw new Error('expected the spec to be rejected');
}

describe('rollout spec', () => {
  test("design.md's minimal spec parses and gets every default", () => {
    const spec = parseSpec(minimal);
    expect(spec.steps[1]).toEqual({ candidateWeight: 75, soak: '10m', approval: 'required' });
    expect(spec.steps[0].approval).toBe('none');
    expect(spec.evaluation).toEqual({ interval: '30s', metricPeriod: '60s', settleDelay: '5m', onInconclusive: 'ask' });
    expect(spec.guardrails.alpha).toBe(0.05);
    expect(spec.approval).toEqual({ timeout: '24h', onTimeout: 'rollback' });
    expect(spec.onFailure).toBe('rollback');
    expect(spec.traffic.replay).toMatchObject({ ratePerSecond: 20, rowsPerRequest: 1, threshold: 0.5 });
  });

  test('a first deployment without steps gets one 100% step', () => {
    const { steps: _steps, baseline: _baseline, ...rest } = minimal;
    expect(parseSpec(rest).steps).toEqual([{ candidateWeight: 100, soak: '5m', approval: 'none' }]);
  });

  test('steps default to 50 → 75 → 100', () => {
    const { steps: _steps, ...rest } = minimal;
    expect(parseSpec(rest).steps.map((s) => s.candidateWeight)).toEqual([50, 75, 100]);
  });

  test('an existing model can be deployed by name alone, sized like the baseline when the rollout runs', () => {
    const spec = parseSpec({ ...minimal, candidate: { modelName: 'churn-xgb-v2' } });
    expect(spec.candidate).toEqual({ variantName: 'Candidate', modelName: 'churn-xgb-v2' });
    expect(spec.capacity).toEqual({});
  });

  test("the candidate's variant and model settings, each within SageMaker's range", () => {
    const candidate = {
      ...minimal.candidate,
      containerStartupHealthCheckTimeoutInSeconds: 600,
      modelDataDownloadTimeoutInSeconds: 1200,
      volumeSizeInGB: 100,
      vpcConfig: { securityGroupIds: ['sg-0123456789abcdef0'], subnets: ['subnet-0a', 'subnet-0b'] },
      enableNetworkIsolation: true,
    };
    expect(parseSpec({ ...minimal, candidate, capacity: { followWeights: false } })).toMatchObject({
      candidate,
      capacity: { followWeights: false },
    });
    const bad = (over: Record<string, unknown>) => () =>
      parseSpec({ ...minimal, candidate: { ...minimal.candidate, ...over } });
    expect(bad({ containerStartupHealthCheckTimeoutInSeconds: 30 })).toThrow(
      /candidate\.containerStartupHealthCheckTimeoutInSeconds: .*at least 60/,
    );
    expect(bad({ modelDataDownloadTimeoutInSeconds: 3601 })).toThrow(/at most 3600/);
    expect(bad({ volumeSizeInGB: 513 })).toThrow(/candidate\.volumeSizeInGB: .*at most 512/);
    expect(bad({ vpcConfig: { securityGroupIds: [], subnets: ['subnet-1'] } })).toThrow(
      /candidate\.vpcConfig\.securityGroupIds/,
    );
    expect(bad({ vpcConfig: { securityGroupIds: ['sg 1'], subnets: ['subnet-1'] } })).toThrow(/security group id/);
    expect(() => parseSpec({ ...minimal, capacity: { followWeights: 'yes' } })).toThrow(/capacity\.followWeights/);
  });

  test('vpcConfig and enableNetworkIsolation need a model the rollout creates', () => {
    const existing = { modelName: 'churn-xgb-v2', enableNetworkIsolation: true };
    expect(() => parseSpec({ ...minimal, candidate: existing })).toThrow(
      /candidate\.enableNetworkIsolation: enableNetworkIsolation applies to the model the rollout creates/,
    );
  });

  test.each([
    [{ ...minimal, endpointName: 'bad_name' }, /^endpointName: .*letters, digits and hyphens/],
    [{ ...minimal, endpointName: 'x'.repeat(64) }, /^endpointName: .*63 characters/],
    [{ ...minimal, candidate: { ...minimal.candidate, instanceCount: 0 } }, /^candidate\.instanceCount: .*at least 1/],
    [{ ...minimal, candidate: { ...minimal.candidate, colour: 'red' } }, /^candidate: unknown field "colour"/],
    [{ ...minimal, steps: [{ candidateWeight: 50, soak: '10 minutes' }] }, /^steps\[0\]\.soak: .*write it like "30s"/],
    [
      { ...minimal, steps: [{ candidateWeight: 50, baselineWeight: 40 }] },
      /^steps\[0\]\.baselineWeight: weights add up to 90/,
    ],
    [{ ...minimal, steps: [] }, /^steps: steps is empty/],
    [{ ...minimal, steps: [{ candidateWeight: 0 }] }, /^steps\[0\]\.candidateWeight: .*above 0/],
    [
      { ...minimal, steps: [{ candidateWeight: 50, soak: '10m', maxSoak: '5m' }] },
      /maxSoak \(5m\) is shorter than soak/,
    ],
    [
      { ...minimal, traffic: { replay: { dataUrl: 'file:///data/../../etc/passwd' } } },
      /traffic\.replay\.dataUrl: .*"\.\."/,
    ],
    [
      { ...minimal, traffic: { replay: { dataUrl: 's3://data/%2e%2e/secret.csv' } } },
      /traffic\.replay\.dataUrl: .*"\.\."/,
    ],
    [
      { ...minimal, traffic: { replay: { dataUrl: 'http://example.com/x.csv' } } },
      /must start with s3:\/\/ or file:\/\//,
    ],
    [
      { ...minimal, candidate: { ...minimal.candidate, image: undefined } },
      /^candidate: give image, modelDataUrl and executionRoleArn together/,
    ],
    [
      { ...minimal, candidate: { ...minimal.candidate, variantName: 'Champion' } },
      /candidate\.variantName equals the baseline's/,
    ],
    [
      {
        ...minimal,
        candidate: {
          ...minimal.candidate,
          modelPackageArn: 'arn:aws:sagemaker:us-east-1:123456789012:model-package/churn/3',
        },
      },
      /^candidate\.modelPackageArn: a model package holds the image and the model data: leave out image and modelDataUrl/,
    ],
    [
      {
        ...minimal,
        candidate: {
          modelName: 'churn-v3',
          modelPackageArn: 'arn:aws:sagemaker:us-east-1:123456789012:model-package/churn/3',
        },
      },
      /^candidate\.executionRoleArn: a model created from a model package still runs as a role/,
    ],
    [
      { ...minimal, candidate: { ...minimal.candidate, modelPackageArn: 'churn/3' } },
      /^candidate\.modelPackageArn: modelPackageArn must be a model package version ARN/,
    ],
    [{ ...minimal, baseline: undefined }, /first deployment \(no baseline\)/],
    [{ ...minimal, region: 'moon-1' }, /^region: .*"us-east-1"/],
    [
      { ...minimal, candidate: { ...minimal.candidate, executionRoleArn: 'role' } },
      /executionRoleArn must be an IAM role ARN/,
    ],
  ])('rejects %#: names the field and the fix', (input, pattern) => {
    const issues = issuesOf(input);
    expect(issues.some((line) => pattern.test(line))).toBe(true);
  });

  test('any replay volume the rates allow: the replay returns summaries, not rows', () => {
    // 1000 requests/s × 100 rows over a 7-day soak (and 21 days of maxSoak): 60 billion labelled rows, each interval's
    // and the rollout's evidence a few labelled summaries of bounded size.
    const spec = parseSpec({
      ...minimal,
      steps: [{ candidateWeight: 50, soak: '7d' }],
      evaluation: { interval: '1h' },
      traffic: { replay: { dataUrl: 's3://data/churn/holdout.csv', ratePerSecond: 1000, rowsPerRequest: 100 } },
    });
    expect(spec.traffic.replay!.ratePerSecond).toBe(1000);
  });

  test('live quality: capture, delayed ground truth and paired probes parse with their defaults', () => {
    const spec = parseSpec({
      ...minimal,
      steps: [{ candidateWeight: 50, soak: '3h' }],
      traffic: {
        replay: { ...minimal.traffic.replay, paired: true },
        capture: { s3Uri: 's3://captures/churn' },
        groundTruth: { s3Uri: 's3://labels/churn/ground-truth' },
      },
    });
    expect(spec.traffic.replay!.paired).toBe(true);
    expect(spec.traffic.capture).toEqual({ s3Uri: 's3://captures/churn', samplingPercent: 100 });
    expect(spec.traffic.groundTruth).toEqual({
      s3Uri: 's3://labels/churn/ground-truth',
      labelDelay: '10m',
      maxLabelDelay: '2h',
    });
    expect(parseSpec(minimal).traffic.replay!.paired).toBe(false);
    expect(parseSpec({ ...minimal, guardrails: { scoreShift: { enabled: false } } }).guardrails.scoreShift).toEqual({
      enabled: false,
      tolerance: 0.5,
    });
  });

  test.each([
    [{ capture: { s3Uri: 's3://Bad_Bucket/x' } }, /^traffic\.capture\.s3Uri: .*valid bucket name/],
    [{ capture: { s3Uri: 's3://captures/x', samplingPercent: 12.5 } }, /samplingPercent must be a whole number/],
    [{ groundTruth: { s3Uri: 'https://labels/x' } }, /^traffic\.groundTruth\.s3Uri: .*must be s3:\/\/<bucket>/],
    [{ groundTruth: { s3Uri: 's3://labels/../x' } }, /"\.\." path segment/],
    [
      { groundTruth: { s3Uri: 's3://labels/x', labelDelay: '1h', maxLabelDelay: '30m' } },
      /^traffic\.groundTruth\.maxLabelDelay: maxLabelDelay \(30m\) is shorter than labelDelay \(1h\)/,
    ],
    [
      {
        replay: { dataUrl: 's3://data/x.csv', threshold: 0.4 },
        groundTruth: { s3Uri: 's3://labels/x', threshold: 0.6 },
      },
      /^traffic\.groundTruth\.threshold: threshold 0\.6 differs from traffic\.replay\.threshold 0\.4/,
    ],
    [
      { groundTruth: { s3Uri: 's3://labels/x', maxLabelDelay: '2h' } },
      /^traffic\.groundTruth\.maxLabelDelay: no live prediction's label window .* could never be judged/,
    ],
  ])('rejects live-quality mistake %#: names the field and the fix', (traffic, pattern) => {
    const issues = issuesOf({ ...minimal, traffic });
    expect(issues.some((line) => pattern.test(line))).toBe(true);
  });

  test('the label-free guard is on when live traffic is read; paired probes without capture leave no split to check', () => {
    const spec = parseSpec({ ...minimal, traffic: { ...minimal.traffic, capture: { s3Uri: 's3://captures/churn' } } });
    const live = toGuardrailConfig(spec.guardrails, 0.5, undefined, { liveCapture: true, paired: false });
    expect(live.scoreShift).toEqual({ enabled: true, tolerance: 0.5 });
    expect(live.sampleRatio.enabled).toBe(true);
    expect(toGuardrailConfig(spec.guardrails).scoreShift).toBeUndefined();
    const off = parseSpec({ ...minimal, guardrails: { scoreShift: { enabled: false, tolerance: 0.4 } } });
    expect(toGuardrailConfig(off.guardrails, 0.5, undefined, { liveCapture: true }).scoreShift).toEqual({
      enabled: false,
      tolerance: 0.4,
    });
    const paired = toGuardrailConfig(spec.guardrails, 0.5, undefined, { paired: true });
    expect(paired).toMatchObject({ paired: true, sampleRatio: { enabled: false } });
    const pairedLive = toGuardrailConfig(spec.guardrails, 0.5, undefined, { paired: true, liveCapture: true });
    expect(pairedLive.sampleRatio.enabled).toBe(true);
  });

  test('paired probes and live quality need a baseline to compare with', () => {
    const { baseline: _b, ...first } = minimal;
    const issues = issuesOf({
      ...first,
      steps: [{ candidateWeight: 100, soak: '5m' }],
      traffic: { replay: { ...minimal.traffic.replay, paired: true }, groundTruth: { s3Uri: 's3://labels/x' } },
    });
    expect(issues).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^traffic\.replay\.paired: paired probes compare two variants/),
        expect.stringMatching(/^traffic\.groundTruth: .*no baseline to compare with/),
      ]),
    );
  });

  test('shadow steps and the bake parse; the phases and alpha per phase follow from them', () => {
    const spec = parseSpec({
      ...minimal,
      steps: [{ shadow: true, candidateWeight: 100, soak: '30m' }, { candidateWeight: 50 }, { candidateWeight: 100 }],
      promotion: { bake: '30m' },
    });
    expect(spec.steps[0]).toEqual({ shadow: true, candidateWeight: 100, soak: '30m', approval: 'none' });
    expect(spec.promotion).toEqual({ bake: '30m' });
    expect([hasShadowSteps(spec), bakeOf(spec), phaseCount(spec)]).toEqual([true, '30m', 3]);
    expect(phaseStepsOf(spec.steps, 0)).toEqual([spec.steps[0]]);
    expect(phaseStepsOf(spec.steps, 2)).toEqual(spec.steps.slice(1));
    // A spec without either is one phase, judged at the whole alpha as before.
    expect(phaseCount(parseSpec(minimal))).toBe(1);
    expect(parseSpec(minimal).promotion).toBeUndefined();
    expect(parseSpec(minimal).guardrails.agreement).toBeUndefined();
  });

  test.each([
    [
      [{ candidateWeight: 50 }, { shadow: true, candidateWeight: 100 }],
      /^steps\[1\]\.shadow: shadow steps come before the live steps: step 2 mirrors traffic after step 1/,
    ],
    [[{ shadow: true, candidateWeight: 100 }], /^steps: every step is a shadow step/],
    [
      [{ shadow: true, candidateWeight: 100, baselineWeight: 0 }, { candidateWeight: 100 }],
      /^steps\[0\]\.baselineWeight: a shadow step serves every caller from the baseline/,
    ],
    [
      [{ shadow: 'yes', candidateWeight: 100 }, { candidateWeight: 100 }],
      /^steps\[0\]\.shadow: shadow must be true or false/,
    ],
  ])('shadow steps are refused where they cannot work: %j', (steps, message) => {
    expect(issuesOf({ ...minimal, steps })).toContainEqual(expect.stringMatching(message));
  });

  test('the bake keeps the baseline warm on 1 instance, on warmInstances, or on its full size ("all")', () => {
    const warm = (promotion: object) => parseSpec({ ...minimal, promotion });
    expect(warmInstancesOf(warm({ bake: '30m' }), 4)).toBe(1);
    expect(warmInstancesOf(warm({ bake: '30m', warmInstances: 2 }), 4)).toBe(2);
    expect(warmInstancesOf(warm({ bake: '30m', warmInstances: 'all' }), 4)).toBe(4);
    expect(bakePlan(warm({ bake: '30m', warmInstances: 'all' }), 3)).toEqual({
      bake: { duration: '30m', warmInstances: 3 },
    });
    expect(bakePlan(parseSpec(minimal), 3)).toEqual({});
    for (const bad of [0, 1.5, 101, 'some']) {
      expect(issuesOf({ ...minimal, promotion: { bake: '30m', warmInstances: bad } })).toEqual([
        `promotion.warmInstances: warmInstances must be a whole number of instances from 1 to 100, or "all" for the baseline's full size`,
      ]);
    }
    expect(issuesOf({ ...minimal, promotion: { warmInstances: 2 } })).toEqual([
      'promotion.warmInstances: warmInstances is how many instances the baseline keeps during the bake: add ' +
        'promotion.bake (e.g. "30m"), or leave warmInstances out',
    ]);
  });

  test('a first deployment has no baseline to mirror or keep warm', () => {
    const { baseline: _baseline, ...first } = minimal;
    const issues = issuesOf({
      ...first,
      steps: [{ shadow: true, candidateWeight: 100 }, { candidateWeight: 100 }],
      promotion: { bake: '10m' },
    });
    expect(issues).toContainEqual(
      expect.stringMatching(/^steps\[0\]\.shadow: a shadow step mirrors the baseline's traffic/),
    );
    expect(issues).toContainEqual(expect.stringMatching(/^promotion\.bake: the bake keeps the baseline warm/));
    expect(issuesOf({ ...minimal, promotion: { bake: '0s' } })).toContainEqual(
      expect.stringMatching(/^promotion\.bake: .*between 1s and 30d/),
    );
  });

  test('a non-object spec says what a spec is', () => {
    expect(issuesOf('churn')).toEqual([
      'the rollout spec must be a JSON object: {"endpointName": …, "candidate": {…}}',
    ]);
  });

  test('JSON Schema is exported for editors', () => {
    const schema = rolloutSpecJsonSchema() as { properties: Record<string, unknown>; required: string[] };
    expect(Object.keys(schema.properties)).toEqual(
      expect.arrayContaining(['endpointName', 'candidate', 'steps', 'guardrails']),
    );
    expect(schema.required).toEqual(['endpointName', 'candidate']);
  });
});

describe('signals', () => {
  test('approve needs a well-formed approver', () => {
    expect(parseSignal('approve', { by: 'alice@example.com' })).toEqual({ by: 'alice@example.com' });
    expect(() => parseSignal('approve', { by: '' })).toThrow(/by: by must name who you are/);
    expect(() => parseSignal('approve', { by: 'rm -rf /' })).toThrow(/by: /);
    expect(() => parseSignal('approve', { by: 'bob', extra: 1 })).toThrow(/unknown field "extra"/);
  });

  test('rollback needs a reason', () => {
    expect(() => parseSignal('rollback', { by: 'bob' })).toThrow(/reason/);
    expect(parseSignal('rollback', { by: 'bob', reason: 'p99 is up' })).toEqual({ by: 'bob', reason: 'p99 is up' });
  });
});

describe('durations', () => {
  test.each([
    ['500ms', 500],
    ['30s', 30_000],
    ['10m', 600_000],
    ['1h30m', 5_400_000],
    ['1.5s', 1_500],
  ])('%s = %d ms', (text, ms) => expect(durationMs(text)).toBe(ms));
  test('formats back', () => expect(formatDuration(5_400_000)).toBe('1h30m'));
  test('rejects prose', () => expect(() => durationMs('ten minutes')).toThrow(/not a duration/));
});
