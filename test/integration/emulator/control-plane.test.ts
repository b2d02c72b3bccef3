// SageMaker control plane through the real @aws-sdk/client-sagemaker: every operation, AWS's error codes and
// messages as typed exceptions, and the endpoint status machine.
import {
  CreateEndpointCommand,
  CreateEndpointConfigCommand,
  CreateModelCommand,
  DeleteEndpointCommand,
  DeleteEndpointConfigCommand,
  DeleteModelCommand,
  DescribeEndpointCommand,
  DescribeEndpointConfigCommand,
  DescribeModelCommand,
  ListEndpointConfigsCommand,
  ListEndpointsCommand,
  ListModelsCommand,
  SageMakerClient,
  UpdateEndpointCommand,
  UpdateEndpointWeightsAndCapacitiesCommand,
} from '@aws-sdk/client-sagemaker';
import {
  createConfig,
  createModel,
  CREDENTIALS,
  deployEndpoint,
  errorOf,
  type Harness,
  modelUrl,
  ROLE,
  startHarness,
  waitForStatus,
  XGB_IMAGE,
} from './helpers';

let h: Harness;
const arn = (kind: string, name: string) => `arn:aws:sagemaker:us-east-1:123456789012:${kind}/${name.toLowerCase()}`;

beforeAll(async () => {
  h = await startHarness({ delays: { createMs: 150, updateMs: 150, deleteMs: 80 } });
});
afterAll(() => h.close());

describe('models', () => {
  test('CreateModel, DescribeModel, ListModels, DeleteModel', async () => {
    const created = await h.sm.send(
      new CreateModelCommand({
        ModelName: 'Churn-M1',
        ExecutionRoleArn: ROLE,
        PrimaryContainer: { Image: XGB_IMAGE, ModelDataUrl: modelUrl('champion'), Environment: { A: '1' } },
      }),
    );
    expect(created.ModelArn).toBe(arn('model', 'Churn-M1'));
    const d = await h.sm.send(new DescribeModelCommand({ ModelName: 'Churn-M1' }));
    expect(d.ModelName).toBe('Churn-M1');
    expect(d.ExecutionRoleArn).toBe(ROLE);
    expect(d.PrimaryContainer).toEqual({
      Image: XGB_IMAGE,
      ModelDataUrl: modelUrl('champion'),
      Environment: { A: '1' },
    });
    expect(d.CreationTime).toBeInstanceOf(Date);
    expect(Math.abs(d.CreationTime!.getTime() - Date.now())).toBeLessThan(10_000);

    const list = await h.sm.send(new ListModelsCommand({ NameContains: 'churn-m' }));
    expect(list.Models?.map((m) => m.ModelName)).toEqual(['Churn-M1']);

    await h.sm.send(new DeleteModelCommand({ ModelName: 'Churn-M1' }));
    const gone = await errorOf(() => h.sm.send(new DescribeModelCommand({ ModelName: 'Churn-M1' })));
    expect(gone.name).toBe('ValidationException');
    expect(gone.message).toBe(`Could not find model "${arn('model', 'Churn-M1')}".`);
    expect(gone.$metadata?.httpStatusCode).toBe(400);
  });

  test('a duplicate model, a missing container and a bad name are ValidationExceptions', async () => {
    await createModel(h.sm, 'dup-model', modelUrl('champion'));
    const dup = await errorOf(() => createModel(h.sm, 'dup-model', modelUrl('champion')));
    expect(dup.name).toBe('ValidationException');
    expect(dup.message).toBe(`Cannot create already existing model "${arn('model', 'dup-model')}".`);

    const noContainer = await errorOf(() =>
      h.sm.send(new CreateModelCommand({ ModelName: 'no-container', ExecutionRoleArn: ROLE })),
    );
    expect(noContainer.name).toBe('ValidationException');
    expect(noContainer.message).toMatch(/PrimaryContainer or Containers/);

    const bad = await errorOf(() => createModel(h.sm, 'bad_name', modelUrl('champion')));
    expect(bad.name).toBe('ValidationException');
    expect(bad.message).toBe(
      "1 validation error detected: Value 'bad_name' at 'modelName' failed to satisfy constraint: Member must " +
        'satisfy regular expression pattern: ^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}',
    );
    const missingDelete = await errorOf(() => h.sm.send(new DeleteModelCommand({ ModelName: 'never-made' })));
    expect(missingDelete.message).toBe(`Could not find model "${arn('model', 'never-made')}".`);
  });
});

describe('held answers (responseDelayMs)', () => {
  test('the change is made and logged at once; the SDK client hears of it only after the hold', async () => {
    await h.admin.patchFaults({ operations: { 'SageMaker.CreateModel': { responseDelayMs: 1500 } } });
    try {
      const started = Date.now();
      const answer = h.sm.send(
        new CreateModelCommand({
          ModelName: 'held-answer',
          ExecutionRoleArn: ROLE,
          PrimaryContainer: { Image: XGB_IMAGE, ModelDataUrl: modelUrl('champion') },
        }),
      );
      await new Promise((r) => setTimeout(r, 500));
      const logged = (await h.admin.requests()).filter((e) => e.operation === 'CreateModel' && e.changedState);
      expect(logged.some((e) => JSON.stringify(e).includes('held-answer'))).toBe(true);
      await answer;
      expect(Date.now() - started).toBeGreaterThanOrEqual(1400);
    } finally {
      await h.admin.patchFaults({ operations: { 'SageMaker.CreateModel': null } });
    }
    await h.sm.send(new DeleteModelCommand({ ModelName: 'held-answer' }));
  });
});

describe('endpoint configs', () => {
  test('Create, Describe (weights default to 1), List, Delete', async () => {
    await createModel(h.sm, 'cfg-model', modelUrl('champion'));
    const out = await h.sm.send(
      new CreateEndpointConfigCommand({
        EndpointConfigName: 'cfg-a',
        ProductionVariants: [
          { VariantName: 'Champion', ModelName: 'cfg-model', InstanceType: 'ml.m5.large', InitialInstanceCount: 2 },
        ],
      }),
    );
    expect(out.EndpointConfigArn).toBe(arn('endpoint-config', 'cfg-a'));
    const d = await h.sm.send(new DescribeEndpointConfigCommand({ EndpointConfigName: 'cfg-a' }));
    expect(d.ProductionVariants).toEqual([
      {
        VariantName: 'Champion',
        ModelName: 'cfg-model',
        InstanceType: 'ml.m5.large',
        InitialInstanceCount: 2,
        InitialVariantWeight: 1,
      },
    ]);
    const list = await h.sm.send(new ListEndpointConfigsCommand({ NameContains: 'cfg-a' }));
    expect(list.EndpointConfigs?.map((c) => c.EndpointConfigName)).toEqual(['cfg-a']);
    await h.sm.send(new DeleteEndpointConfigCommand({ EndpointConfigName: 'cfg-a' }));
    const gone = await errorOf(() => h.sm.send(new DescribeEndpointConfigCommand({ EndpointConfigName: 'cfg-a' })));
    expect(gone.name).toBe('ValidationException');
    expect(gone.message).toBe(`Could not find endpoint configuration "${arn('endpoint-config', 'cfg-a')}".`);
  });

  test('a config naming a missing model, a duplicate config and duplicate variant names are refused', async () => {
    const missing = await errorOf(() => createConfig(h.sm, 'cfg-missing', [{ variant: 'A', model: 'no-such-model' }]));
    expect(missing.name).toBe('ValidationException');
    expect(missing.message).toBe(`Could not find model "${arn('model', 'no-such-model')}".`);

    await createModel(h.sm, 'cfg-model-2', modelUrl('champion'));
    await createConfig(h.sm, 'cfg-dup', [{ variant: 'A', model: 'cfg-model-2' }]);
    const dup = await errorOf(() => createConfig(h.sm, 'cfg-dup', [{ variant: 'A', model: 'cfg-model-2' }]));
    expect(dup.message).toBe(
      `Cannot create already existing endpoint configuration "${arn('endpoint-config', 'cfg-dup')}".`,
    );

    const twice = await errorOf(() =>
      createConfig(h.sm, 'cfg-twice', [
        { variant: 'A', model: 'cfg-model-2' },
        { variant: 'A', model: 'cfg-model-2' },
      ]),
    );
    expect(twice.name).toBe('ValidationException');
    expect(twice.message).toMatch(/VariantName must be unique/);
  });
});

describe('endpoint status machine', () => {
  test('Creating → InService with variants, weights, instance counts and the deployed image', async () => {
    await createModel(h.sm, 'sm-champion', modelUrl('champion'));
    await createModel(h.sm, 'sm-challenger', modelUrl('challenger'));
    await createConfig(h.sm, 'sm-config', [
      { variant: 'Champion', model: 'sm-champion', weight: 3, instances: 2 },
      { variant: 'Challenger', model: 'sm-challenger', weight: 1 },
    ]);
    const created = await h.sm.send(
      new CreateEndpointCommand({ EndpointName: 'Churn-SM', EndpointConfigName: 'sm-config' }),
    );
    expect(created.EndpointArn).toBe(arn('endpoint', 'Churn-SM'));
    const creating = await h.sm.send(new DescribeEndpointCommand({ EndpointName: 'Churn-SM' }));
    expect(creating.EndpointStatus).toBe('Creating');
    expect(creating.ProductionVariants).toBeUndefined();

    const ready = await waitForStatus(h.sm, 'Churn-SM');
    expect(ready.EndpointStatus).toBe('InService');
    expect(ready.EndpointArn).toBe('arn:aws:sagemaker:us-east-1:123456789012:endpoint/churn-sm');
    expect(ready.EndpointConfigName).toBe('sm-config');
    expect(ready.FailureReason).toBeUndefined();
    expect(
      ready.ProductionVariants?.map((v) => [
        v.VariantName,
        v.CurrentWeight,
        v.DesiredWeight,
        v.CurrentInstanceCount,
        v.DesiredInstanceCount,
      ]),
    ).toEqual([
      ['Champion', 3, 3, 2, 2],
      ['Challenger', 1, 1, 1, 1],
    ]);
    expect(ready.ProductionVariants?.[0].DeployedImages?.[0].SpecifiedImage).toBe(XGB_IMAGE);
    expect(ready.ProductionVariants?.[0].DeployedImages?.[0].ResolvedImage).toMatch(/@sha256:[0-9a-f]{64}$/);

    const dup = await errorOf(() =>
      h.sm.send(new CreateEndpointCommand({ EndpointName: 'Churn-SM', EndpointConfigName: 'sm-config' })),
    );
    expect(dup.name).toBe('ValidationException');
    expect(dup.message).toBe(`Cannot create already existing endpoint "${arn('endpoint', 'Churn-SM')}".`);
  });

  test('UpdateEndpointWeightsAndCapacities: Desired at once, Current when InService again; unknown variants refused', async () => {
    const start = Date.now();
    await h.sm.send(
      new UpdateEndpointWeightsAndCapacitiesCommand({
        EndpointName: 'Churn-SM',
        DesiredWeightsAndCapacities: [
          { VariantName: 'Champion', DesiredWeight: 1 },
          { VariantName: 'Challenger', DesiredWeight: 9, DesiredInstanceCount: 3 },
        ],
      }),
    );
    const updating = await h.sm.send(new DescribeEndpointCommand({ EndpointName: 'Churn-SM' }));
    expect(updating.EndpointStatus).toBe('Updating');
    expect(updating.ProductionVariants?.map((v) => [v.CurrentWeight, v.DesiredWeight])).toEqual([
      [3, 1],
      [1, 9],
    ]);
    const busy = await errorOf(() =>
      h.sm.send(
        new UpdateEndpointWeightsAndCapacitiesCommand({
          EndpointName: 'Churn-SM',
          DesiredWeightsAndCapacities: [{ VariantName: 'Champion', DesiredWeight: 5 }],
        }),
      ),
    );
    expect(busy.name).toBe('ValidationException');
    expect(busy.message).toBe(`Cannot update in-progress endpoint "${arn('endpoint', 'Churn-SM')}".`);

    const done = await waitForStatus(h.sm, 'Churn-SM');
    expect(Date.now() - start).toBeGreaterThanOrEqual(140);
    expect(done.EndpointStatus).toBe('InService');
    expect(done.ProductionVariants?.map((v) => [v.CurrentWeight, v.DesiredWeight, v.CurrentInstanceCount])).toEqual([
      [1, 1, 2],
      [9, 9, 3],
    ]);

    const unknown = await errorOf(() =>
      h.sm.send(
        new UpdateEndpointWeightsAndCapacitiesCommand({
          EndpointName: 'Churn-SM',
          DesiredWeightsAndCapacities: [{ VariantName: 'Shadow', DesiredWeight: 1 }],
        }),
      ),
    );
    expect(unknown.name).toBe('ValidationException');
    expect(unknown.message).toBe(
      'The variant name(s) "[Shadow]" is/are not present within endpoint configuration "sm-config".',
    );
    const negative = await errorOf(() =>
      h.sm.send(
        new UpdateEndpointWeightsAndCapacitiesCommand({
          EndpointName: 'Churn-SM',
          DesiredWeightsAndCapacities: [{ VariantName: 'Champion', DesiredWeight: -1 }],
        }),
      ),
    );
    expect(negative.name).toBe('ValidationException');
  });

  test('UpdateEndpoint: Updating serves the old config, then InService on the new one', async () => {
    await createConfig(h.sm, 'sm-config-2', [{ variant: 'Challenger', model: 'sm-challenger', weight: 1 }]);
    await h.sm.send(new UpdateEndpointCommand({ EndpointName: 'Churn-SM', EndpointConfigName: 'sm-config-2' }));
    const updating = await h.sm.send(new DescribeEndpointCommand({ EndpointName: 'Churn-SM' }));
    expect(updating.EndpointStatus).toBe('Updating');
    expect(updating.ProductionVariants?.map((v) => v.VariantName)).toEqual(['Champion', 'Challenger']);
    const again = await errorOf(() =>
      h.sm.send(new UpdateEndpointCommand({ EndpointName: 'Churn-SM', EndpointConfigName: 'sm-config-2' })),
    );
    expect(again.message).toBe(`Cannot update in-progress endpoint "${arn('endpoint', 'Churn-SM')}".`);
    const done = await waitForStatus(h.sm, 'Churn-SM');
    expect(done.EndpointStatus).toBe('InService');
    expect(done.EndpointConfigName).toBe('sm-config-2');
    expect(done.ProductionVariants?.map((v) => [v.VariantName, v.CurrentWeight])).toEqual([['Challenger', 1]]);

    const missingConfig = await errorOf(() =>
      h.sm.send(new UpdateEndpointCommand({ EndpointName: 'Churn-SM', EndpointConfigName: 'no-config' })),
    );
    expect(missingConfig.message).toBe(
      `Could not find endpoint configuration "${arn('endpoint-config', 'no-config')}".`,
    );
  });

  test('an update whose container cannot start rolls back: InService on the old config with FailureReason', async () => {
    await createModel(
      h.sm,
      'sm-sklearn',
      modelUrl('champion'),
      '123456789012.dkr.ecr.us-east-1.amazonaws.com/sklearn:1.2',
    );
    await createConfig(h.sm, 'sm-config-bad', [{ variant: 'Sklearn', model: 'sm-sklearn' }]);
    await h.sm.send(new UpdateEndpointCommand({ EndpointName: 'Churn-SM', EndpointConfigName: 'sm-config-bad' }));
    const done = await waitForStatus(h.sm, 'Churn-SM');
    expect(done.EndpointStatus).toBe('InService');
    expect(done.EndpointConfigName).toBe('sm-config-2');
    expect(done.FailureReason).toMatch(/Sklearn did not pass the ping health check.*not an XGBoost image/);
    expect(done.ProductionVariants?.map((v) => v.VariantName)).toEqual(['Challenger']);
  });

  test('an injected updateFails fault fails exactly the next update, with its reason', async () => {
    await h.admin.setFaults({ endpoints: { 'Churn-SM': { updateFails: 'health check timed out (test)' } } });
    await createConfig(h.sm, 'sm-config-3', [{ variant: 'Champion', model: 'sm-champion' }]);
    await h.sm.send(new UpdateEndpointCommand({ EndpointName: 'Churn-SM', EndpointConfigName: 'sm-config-3' }));
    const failed = await waitForStatus(h.sm, 'Churn-SM');
    expect(failed.EndpointStatus).toBe('InService');
    expect(failed.EndpointConfigName).toBe('sm-config-2');
    expect(failed.FailureReason).toBe('health check timed out (test)');
    expect((await h.admin.faults()).endpoints?.['Churn-SM']?.updateFails).toBeUndefined();

    await h.sm.send(new UpdateEndpointCommand({ EndpointName: 'Churn-SM', EndpointConfigName: 'sm-config-3' }));
    const ok = await waitForStatus(h.sm, 'Churn-SM');
    expect(ok.EndpointConfigName).toBe('sm-config-3');
    expect(ok.FailureReason).toBeUndefined();
    await h.admin.setFaults({});
  });

  test('slow updates: updateDelayMs holds the endpoint in Updating', async () => {
    await h.admin.setFaults({ endpoints: { 'Churn-SM': { updateDelayMs: 700 } } });
    const start = Date.now();
    await h.sm.send(
      new UpdateEndpointWeightsAndCapacitiesCommand({
        EndpointName: 'Churn-SM',
        DesiredWeightsAndCapacities: [{ VariantName: 'Champion', DesiredWeight: 2 }],
      }),
    );
    await waitForStatus(h.sm, 'Churn-SM');
    expect(Date.now() - start).toBeGreaterThanOrEqual(680);
    await h.admin.setFaults({});
  });

  test('a non-XGBoost image or a missing artifact makes CreateEndpoint end Failed; only DeleteEndpoint is allowed then', async () => {
    await createModel(h.sm, 'fail-image', modelUrl('champion'), 'public.ecr.aws/some/pytorch-inference:2.1');
    await createConfig(h.sm, 'fail-image-config', [{ variant: 'AllTraffic', model: 'fail-image' }]);
    await h.sm.send(new CreateEndpointCommand({ EndpointName: 'fail-image', EndpointConfigName: 'fail-image-config' }));
    const failed = await waitForStatus(h.sm, 'fail-image');
    expect(failed.EndpointStatus).toBe('Failed');
    expect(failed.FailureReason).toMatch(/AllTraffic did not pass the ping health check/);

    await createModel(h.sm, 'fail-artifact', 's3://models/churn/missing/model.tar.gz');
    await createConfig(h.sm, 'fail-artifact-config', [{ variant: 'AllTraffic', model: 'fail-artifact' }]);
    await h.sm.send(
      new CreateEndpointCommand({ EndpointName: 'fail-artifact', EndpointConfigName: 'fail-artifact-config' }),
    );
    const noData = await waitForStatus(h.sm, 'fail-artifact');
    expect(noData.EndpointStatus).toBe('Failed');
    expect(noData.FailureReason).toMatch(/Could not access model data at s3:\/\/models\/churn\/missing\/model.tar.gz/);

    const update = await errorOf(() =>
      h.sm.send(new UpdateEndpointCommand({ EndpointName: 'fail-image', EndpointConfigName: 'fail-artifact-config' })),
    );
    expect(update.name).toBe('ValidationException');
    await h.sm.send(new DeleteEndpointCommand({ EndpointName: 'fail-image' }));
    await h.sm.send(new DeleteEndpointCommand({ EndpointName: 'fail-artifact' }));
  });

  test('a corrupt artifact makes the endpoint Failed with the loader reason', async () => {
    const url = `file://${require.resolve('../../fixtures/xgboost/artifacts/legacy-binary-model.tar.gz')}`;
    await createModel(h.sm, 'fail-legacy', url);
    await createConfig(h.sm, 'fail-legacy-config', [{ variant: 'AllTraffic', model: 'fail-legacy' }]);
    await h.sm.send(
      new CreateEndpointCommand({ EndpointName: 'fail-legacy', EndpointConfigName: 'fail-legacy-config' }),
    );
    const failed = await waitForStatus(h.sm, 'fail-legacy');
    expect(failed.EndpointStatus).toBe('Failed');
    expect(failed.FailureReason).toMatch(/Failed to load the model data .*save the model as JSON/);
  });

  test('DeleteEndpoint: Deleting → gone; in-progress and missing endpoints are refused', async () => {
    await deployEndpoint(h.sm, 'del-ep', [{ variant: 'A', model: 'del-model', artifact: 'champion' }]);
    await h.sm.send(
      new UpdateEndpointWeightsAndCapacitiesCommand({
        EndpointName: 'del-ep',
        DesiredWeightsAndCapacities: [{ VariantName: 'A', DesiredWeight: 2 }],
      }),
    );
    const busy = await errorOf(() => h.sm.send(new DeleteEndpointCommand({ EndpointName: 'del-ep' })));
    expect(busy.message).toBe(`Cannot update in-progress endpoint "${arn('endpoint', 'del-ep')}".`);
    await waitForStatus(h.sm, 'del-ep');

    await h.sm.send(new DeleteEndpointCommand({ EndpointName: 'del-ep' }));
    expect((await h.sm.send(new DescribeEndpointCommand({ EndpointName: 'del-ep' }))).EndpointStatus).toBe('Deleting');
    const deadline = Date.now() + 5_000;
    let gone: Error | undefined;
    while (!gone && Date.now() < deadline) {
      try {
        await h.sm.send(new DescribeEndpointCommand({ EndpointName: 'del-ep' }));
        await new Promise((r) => setTimeout(r, 20));
      } catch (err) {
        gone = err as Error;
      }
    }
    expect(gone?.name).toBe('ValidationException');
    expect(gone?.message).toBe(`Could not find endpoint "${arn('endpoint', 'del-ep')}".`);
    const again = await errorOf(() => h.sm.send(new DeleteEndpointCommand({ EndpointName: 'del-ep' })));
    expect(again.message).toBe(`Could not find endpoint "${arn('endpoint', 'del-ep')}".`);
  });

  test('ListEndpoints filters, sorts and pages', async () => {
    for (const n of ['list-a', 'list-b', 'list-c']) {
      await deployEndpoint(h.sm, n, [{ variant: 'A', model: `${n}-model`, artifact: 'champion' }]);
    }
    const byName = await h.sm.send(
      new ListEndpointsCommand({ NameContains: 'list-', SortBy: 'Name', SortOrder: 'Ascending' }),
    );
    expect(byName.Endpoints?.map((e) => [e.EndpointName, e.EndpointStatus])).toEqual([
      ['list-a', 'InService'],
      ['list-b', 'InService'],
      ['list-c', 'InService'],
    ]);
    const first = await h.sm.send(
      new ListEndpointsCommand({ NameContains: 'list-', SortBy: 'Name', SortOrder: 'Descending', MaxResults: 2 }),
    );
    expect(first.Endpoints?.map((e) => e.EndpointName)).toEqual(['list-c', 'list-b']);
    expect(first.NextToken).toBeDefined();
    const second = await h.sm.send(
      new ListEndpointsCommand({
        NameContains: 'list-',
        SortBy: 'Name',
        SortOrder: 'Descending',
        MaxResults: 2,
        NextToken: first.NextToken,
      }),
    );
    expect(second.Endpoints?.map((e) => e.EndpointName)).toEqual(['list-a']);
    expect(second.NextToken).toBeUndefined();
    const failed = await h.sm.send(new ListEndpointsCommand({ StatusEquals: 'Failed' }));
    expect(failed.Endpoints?.map((e) => e.EndpointName)).toEqual(['fail-legacy']);
  });

  test('state is per region, taken from the SigV4 credential scope', async () => {
    const eu = new SageMakerClient({ endpoint: h.emulator.url, region: 'eu-west-1', credentials: CREDENTIALS });
    try {
      const err = await errorOf(() => eu.send(new DescribeEndpointCommand({ EndpointName: 'Churn-SM' })));
      expect(err.message).toBe('Could not find endpoint "arn:aws:sagemaker:eu-west-1:123456789012:endpoint/churn-sm".');
      await createModel(eu, 'Churn-SM-model-eu', modelUrl('champion'));
      const d = await eu.send(new DescribeModelCommand({ ModelName: 'Churn-SM-model-eu' }));
      expect(d.ModelArn).toBe('arn:aws:sagemaker:eu-west-1:123456789012:model/churn-sm-model-eu');
      const home = await errorOf(() => h.sm.send(new DescribeModelCommand({ ModelName: 'Churn-SM-model-eu' })));
      expect(home.name).toBe('ValidationException');
    } finally {
      eu.destroy();
    }
  });
});

describe('request log', () => {
  test('records every call with mutating and changedState, so a rejected retry shows changedState:false', async () => {
    await h.admin.clearRequests();
    await createModel(h.sm, 'log-model', modelUrl('champion'));
    await errorOf(() => createModel(h.sm, 'log-model', modelUrl('champion')));
    await h.sm.send(new DescribeModelCommand({ ModelName: 'log-model' }));
    const log = await h.admin.requests();
    expect(
      log.map((e) => [
        e.service,
        e.operation,
        e.mutating,
        e.changedState,
        e.status,
        e.errorCode ?? null,
        e.resourceName,
      ]),
    ).toEqual([
      ['SageMaker', 'CreateModel', true, true, 200, null, 'log-model'],
      ['SageMaker', 'CreateModel', true, false, 400, 'ValidationException', 'log-model'],
      ['SageMaker', 'DescribeModel', false, false, 200, null, 'log-model'],
    ]);
    expect(log[0].seq).toBeLessThan(log[1].seq);
    expect(Number.isNaN(Date.parse(log[0].at))).toBe(false);
    expect(await h.admin.requests({ since: log[1].seq })).toHaveLength(1);
  });
});
