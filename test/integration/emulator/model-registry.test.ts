// The SageMaker Model Registry through the real @aws-sdk/client-sagemaker: model groups, versioned and unversioned
// model packages with [BC-SM]'s shapes, ARNs and errors, approval status and customer metadata updates, deletes; a
// model built from a package (PrimaryContainer or Containers with ModelPackageName) serves the package's artifact and
// needs the version Approved; IAM in the aws profile authorizes the calls on model-package-group and model-package ARNs.
import {
  CreateEndpointCommand,
  CreateEndpointConfigCommand,
  CreateModelCommand,
  CreateModelPackageCommand,
  CreateModelPackageGroupCommand,
  DeleteModelPackageCommand,
  DeleteModelPackageGroupCommand,
  DescribeModelCommand,
  DescribeModelPackageCommand,
  DescribeModelPackageGroupCommand,
  type InferenceSpecification,
  ListModelPackageGroupsCommand,
  ListModelPackagesCommand,
  UpdateModelPackageCommand,
} from '@aws-sdk/client-sagemaker';
import { InvokeEndpointCommand } from '@aws-sdk/client-sagemaker-runtime';
import {
  ADMIN_CREDENTIALS,
  clientsFor,
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

const ACCOUNT = '123456789012';
const ROW = '13,30.94,0,1,1,3,199.8,7';
const pkgArn = (key: string) => `arn:aws:sagemaker:us-east-1:${ACCOUNT}:model-package/${key}`;
const groupArn = (name: string) => `arn:aws:sagemaker:us-east-1:${ACCOUNT}:model-package-group/${name}`;

const spec = (artifact: string): InferenceSpecification => ({
  Containers: [{ Image: XGB_IMAGE, ModelDataUrl: modelUrl(artifact) }],
  SupportedContentTypes: ['text/csv'],
  SupportedResponseMIMETypes: ['text/csv'],
});

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());

describe('model groups and versions', () => {
  test('a group, its versions (ARNs lower-cased, numbered from 1), Describe and List as [BC-SM] shapes them', async () => {
    const group = await h.sm.send(
      new CreateModelPackageGroupCommand({ ModelPackageGroupName: 'Churn', ModelPackageGroupDescription: 'churn' }),
    );
    expect(group.ModelPackageGroupArn).toBe(groupArn('churn'));
    for (const by of ['Churn', groupArn('churn')]) {
      const d = await h.sm.send(new DescribeModelPackageGroupCommand({ ModelPackageGroupName: by }));
      expect(d).toMatchObject({
        ModelPackageGroupName: 'Churn',
        ModelPackageGroupArn: groupArn('churn'),
        ModelPackageGroupDescription: 'churn',
        ModelPackageGroupStatus: 'Completed',
      });
      expect(d.CreationTime).toBeInstanceOf(Date);
    }
    const again = await errorOf(() =>
      h.sm.send(new CreateModelPackageGroupCommand({ ModelPackageGroupName: 'churn' })),
    );
    expect(again.name).toBe('ValidationException');

    const arns: string[] = [];
    for (const [artifact, status] of [
      ['champion', undefined],
      ['challenger', 'Approved'],
      ['worse', 'Rejected'],
    ] as const) {
      const out = await h.sm.send(
        new CreateModelPackageCommand({
          ModelPackageGroupName: 'Churn',
          ModelPackageDescription: artifact,
          InferenceSpecification: spec(artifact),
          ...(status ? { ModelApprovalStatus: status } : {}),
          CustomerMetadataProperties: { artifact },
        }),
      );
      arns.push(out.ModelPackageArn!);
    }
    expect(arns).toEqual([pkgArn('churn/1'), pkgArn('churn/2'), pkgArn('churn/3')]);

    const v1 = await h.sm.send(new DescribeModelPackageCommand({ ModelPackageName: arns[0] }));
    expect(v1).toMatchObject({
      ModelPackageName: 'Churn',
      ModelPackageGroupName: 'Churn',
      ModelPackageVersion: 1,
      ModelPackageArn: pkgArn('churn/1'),
      ModelPackageDescription: 'champion',
      ModelPackageStatus: 'Completed',
      ModelApprovalStatus: 'PendingManualApproval',
      CertifyForMarketplace: false,
      CustomerMetadataProperties: { artifact: 'champion' },
    });
    expect(v1.InferenceSpecification?.Containers?.[0]).toMatchObject({
      Image: XGB_IMAGE,
      ModelDataUrl: modelUrl('champion'),
    });
    expect(v1.InferenceSpecification?.Containers?.[0]?.ImageDigest).toMatch(/^sha256:[0-9a-f]{64}$/);
    // The version by its short name too ([BC-SM] VersionedArnOrName: name/version).
    expect((await h.sm.send(new DescribeModelPackageCommand({ ModelPackageName: 'churn/2' }))).ModelPackageArn).toBe(
      arns[1],
    );

    const listed = await h.sm.send(new ListModelPackagesCommand({ ModelPackageGroupName: 'Churn' }));
    expect(listed.ModelPackageSummaryList?.map((s) => [s.ModelPackageVersion, s.ModelApprovalStatus])).toEqual([
      [1, 'PendingManualApproval'],
      [2, 'Approved'],
      [3, 'Rejected'],
    ]);
    // A versioned summary names its group and version, not a ModelPackageName.
    expect(listed.ModelPackageSummaryList?.[0]).not.toHaveProperty('ModelPackageName');
    const approved = await h.sm.send(
      new ListModelPackagesCommand({ ModelPackageGroupName: groupArn('churn'), ModelApprovalStatus: 'Approved' }),
    );
    expect(approved.ModelPackageSummaryList?.map((s) => s.ModelPackageArn)).toEqual([arns[1]]);
    const newestFirst = await h.sm.send(
      new ListModelPackagesCommand({ ModelPackageGroupName: 'Churn', SortOrder: 'Descending', MaxResults: 2 }),
    );
    expect(newestFirst.ModelPackageSummaryList?.map((s) => s.ModelPackageVersion)).toEqual([3, 2]);
    const rest = await h.sm.send(
      new ListModelPackagesCommand({
        ModelPackageGroupName: 'Churn',
        SortOrder: 'Descending',
        NextToken: newestFirst.NextToken,
      }),
    );
    expect(rest.ModelPackageSummaryList?.map((s) => s.ModelPackageVersion)).toEqual([1]);
    // Without a group or type only unversioned packages are listed; Both lists everything.
    expect((await h.sm.send(new ListModelPackagesCommand({}))).ModelPackageSummaryList).toEqual([]);
    expect(
      (await h.sm.send(new ListModelPackagesCommand({ ModelPackageType: 'Both' }))).ModelPackageSummaryList,
    ).toHaveLength(3);
    const groups = await h.sm.send(new ListModelPackageGroupsCommand({ NameContains: 'chu' }));
    expect(groups.ModelPackageGroupSummaryList?.map((g) => g.ModelPackageGroupArn)).toEqual([groupArn('churn')]);
  });

  test('UpdateModelPackage: approval, its description, customer metadata merged and removed', async () => {
    const before = await h.sm.send(new DescribeModelPackageCommand({ ModelPackageName: pkgArn('churn/1') }));
    expect(before.LastModifiedTime).toBeUndefined();
    const out = await h.sm.send(
      new UpdateModelPackageCommand({
        ModelPackageArn: pkgArn('churn/1'),
        ModelApprovalStatus: 'Approved',
        ApprovalDescription: 'passed the shadow test',
        CustomerMetadataProperties: { owner: 'ml-team', stage: 'prod' },
      }),
    );
    expect(out.ModelPackageArn).toBe(pkgArn('churn/1'));
    await h.sm.send(
      new UpdateModelPackageCommand({
        ModelPackageArn: pkgArn('churn/1'),
        CustomerMetadataPropertiesToRemove: ['stage'],
      }),
    );
    const after = await h.sm.send(new DescribeModelPackageCommand({ ModelPackageName: pkgArn('churn/1') }));
    expect(after).toMatchObject({
      ModelApprovalStatus: 'Approved',
      ApprovalDescription: 'passed the shadow test',
      CustomerMetadataProperties: { artifact: 'champion', owner: 'ml-team' },
    });
    expect(after.LastModifiedTime).toBeInstanceOf(Date);
    const bad = await errorOf(() =>
      h.sm.send(
        new UpdateModelPackageCommand({ ModelPackageArn: pkgArn('churn/1'), ModelApprovalStatus: 'Maybe' as never }),
      ),
    );
    expect(bad.message).toBe(
      "1 validation error detected: Value 'Maybe' at 'modelApprovalStatus' failed to satisfy constraint: Member must " +
        'satisfy enum value set: [PendingManualApproval, Approved, Rejected]',
    );
    const missing = await errorOf(() =>
      h.sm.send(new UpdateModelPackageCommand({ ModelPackageArn: pkgArn('churn/9'), ModelApprovalStatus: 'Approved' })),
    );
    expect(missing.message).toBe(`ModelPackage ${pkgArn('churn/9')} does not exist.`);
  });

  test("CreateModelPackage's refusals: both names, neither, a missing group, tags on a version", async () => {
    const both = await errorOf(() =>
      h.sm.send(
        new CreateModelPackageCommand({
          ModelPackageName: 'x',
          ModelPackageGroupName: 'Churn',
          InferenceSpecification: spec('champion'),
        }),
      ),
    );
    expect(both.message).toBe(
      'Both ModelPackageName and ModelPackageGroupName are provided in the input. Cannot determine which one to use.',
    );
    const neither = await errorOf(() =>
      h.sm.send(new CreateModelPackageCommand({ InferenceSpecification: spec('champion') })),
    );
    expect(neither.message).toBe('Missing ARN.');
    const noGroup = await errorOf(() =>
      h.sm.send(
        new CreateModelPackageCommand({ ModelPackageGroupName: 'nope', InferenceSpecification: spec('champion') }),
      ),
    );
    expect(noGroup.message).toBe(`ModelPackageGroup ${groupArn('nope')} does not exist.`);
    const tagged = await errorOf(() =>
      h.sm.send(
        new CreateModelPackageCommand({
          ModelPackageGroupName: 'Churn',
          InferenceSpecification: spec('champion'),
          Tags: [{ Key: 'team', Value: 'ml' }],
        }),
      ),
    );
    expect(tagged.name).toBe('ValidationException');
    expect(tagged.message).toContain('tags associated with its model group');
    // None of them took a version number.
    const next = await h.sm.send(
      new CreateModelPackageCommand({ ModelPackageGroupName: 'Churn', InferenceSpecification: spec('champion') }),
    );
    expect(next.ModelPackageArn).toBe(pkgArn('churn/4'));
  });

  test('ClientToken makes CreateModelPackage idempotent', async () => {
    const input = {
      ModelPackageGroupName: 'Churn',
      InferenceSpecification: spec('challenger'),
      ClientToken: 'retry-of-the-same-call',
    };
    const first = await h.sm.send(new CreateModelPackageCommand(input));
    const second = await h.sm.send(new CreateModelPackageCommand(input));
    expect(second.ModelPackageArn).toBe(first.ModelPackageArn);
    expect(first.ModelPackageArn).toBe(pkgArn('churn/5'));
  });

  test('deletes: versions are not reused; a group still holding versions cannot be deleted', async () => {
    await h.sm.send(new DeleteModelPackageCommand({ ModelPackageName: pkgArn('churn/5') }));
    const gone = await errorOf(() =>
      h.sm.send(new DescribeModelPackageCommand({ ModelPackageName: pkgArn('churn/5') })),
    );
    expect(gone.message).toBe(`ModelPackage ${pkgArn('churn/5')} does not exist.`);
    const next = await h.sm.send(
      new CreateModelPackageCommand({ ModelPackageGroupName: 'Churn', InferenceSpecification: spec('champion') }),
    );
    expect(next.ModelPackageArn).toBe(pkgArn('churn/6'));
    const held = await errorOf(() => h.sm.send(new DeleteModelPackageGroupCommand({ ModelPackageGroupName: 'Churn' })));
    expect(held.name).toBe('ConflictException');
  });

  test('unversioned packages: named, tagged, listed by default, no approval status', async () => {
    const out = await h.sm.send(
      new CreateModelPackageCommand({
        ModelPackageName: 'Standalone',
        InferenceSpecification: {
          ...spec('champion'),
          SupportedRealtimeInferenceInstanceTypes: ['ml.m5.large'],
          SupportedTransformInstanceTypes: ['ml.m5.large'],
        },
        Tags: [{ Key: 'team', Value: 'ml' }],
      }),
    );
    expect(out.ModelPackageArn).toBe(pkgArn('standalone'));
    const d = await h.sm.send(new DescribeModelPackageCommand({ ModelPackageName: 'Standalone' }));
    expect(d.ModelPackageName).toBe('Standalone');
    expect(d.ModelPackageGroupName).toBeUndefined();
    expect(d.ModelApprovalStatus).toBeUndefined();
    const listed = await h.sm.send(new ListModelPackagesCommand({}));
    expect(listed.ModelPackageSummaryList?.map((s) => [s.ModelPackageName, s.ModelPackageArn])).toEqual([
      ['Standalone', pkgArn('standalone')],
    ]);
  });
});

describe('models from packages', () => {
  test('a version must be Approved before CreateModel builds a model from it', async () => {
    await h.sm.send(new CreateModelPackageGroupCommand({ ModelPackageGroupName: 'gate' }));
    const { ModelPackageArn } = await h.sm.send(
      new CreateModelPackageCommand({ ModelPackageGroupName: 'gate', InferenceSpecification: spec('challenger') }),
    );
    const refused = await errorOf(() =>
      h.sm.send(
        new CreateModelCommand({
          ModelName: 'gated',
          ExecutionRoleArn: ROLE,
          PrimaryContainer: { ModelPackageName: ModelPackageArn },
        }),
      ),
    );
    expect(refused.name).toBe('ValidationException');
    expect(refused.message).toContain('ModelApprovalStatus PendingManualApproval');
    await h.sm.send(
      new UpdateModelPackageCommand({ ModelPackageArn: ModelPackageArn, ModelApprovalStatus: 'Rejected' }),
    );
    const rejected = await errorOf(() =>
      h.sm.send(
        new CreateModelCommand({
          ModelName: 'gated',
          ExecutionRoleArn: ROLE,
          Containers: [{ ModelPackageName: ModelPackageArn }],
        }),
      ),
    );
    expect(rejected.message).toContain('ModelApprovalStatus Rejected');
    const unknown = await errorOf(() =>
      h.sm.send(
        new CreateModelCommand({
          ModelName: 'gated',
          ExecutionRoleArn: ROLE,
          PrimaryContainer: { ModelPackageName: pkgArn('gate/7') },
        }),
      ),
    );
    expect(unknown.message).toBe(`ModelPackage ${pkgArn('gate/7')} does not exist.`);
    expect((await h.admin.state()).models.map((m) => m.modelName)).not.toContain('gated');
  });

  test("an Approved version's model serves the package's artifact, through PrimaryContainer or Containers", async () => {
    await h.sm.send(new CreateModelPackageGroupCommand({ ModelPackageGroupName: 'serve' }));
    const { ModelPackageArn } = await h.sm.send(
      new CreateModelPackageCommand({
        ModelPackageGroupName: 'serve',
        InferenceSpecification: spec('challenger'),
        ModelApprovalStatus: 'Approved',
      }),
    );
    await h.sm.send(
      new CreateModelCommand({
        ModelName: 'from-package',
        ExecutionRoleArn: ROLE,
        PrimaryContainer: { ModelPackageName: ModelPackageArn },
      }),
    );
    await h.sm.send(
      new CreateModelCommand({
        ModelName: 'from-package-list',
        ExecutionRoleArn: ROLE,
        Containers: [{ ModelPackageName: 'serve/1' }],
      }),
    );
    const described = await h.sm.send(new DescribeModelCommand({ ModelName: 'from-package' }));
    expect(described.PrimaryContainer).toEqual({ ModelPackageName: ModelPackageArn });
    const state = await h.admin.state();
    expect(state.models.find((m) => m.modelName === 'from-package')).toMatchObject({
      image: XGB_IMAGE,
      modelDataUrl: modelUrl('challenger'),
      modelPackageArn: ModelPackageArn,
    });
    expect(state.modelPackages).toContainEqual({
      region: 'us-east-1',
      modelPackageArn: ModelPackageArn,
      modelPackageGroupName: 'serve',
      modelPackageVersion: 1,
      modelApprovalStatus: 'Approved',
    });

    // Served, it answers as the challenger artifact does, not the champion.
    await deployEndpoint(h.sm, 'plain-challenger', [{ variant: 'All', model: 'plain', artifact: 'challenger' }]);
    await deployEndpoint(h.sm, 'plain-champion', [{ variant: 'All', model: 'plain-champ', artifact: 'champion' }]);
    for (const model of ['from-package', 'from-package-list']) {
      await h.sm.send(
        new CreateEndpointConfigCommand({
          EndpointConfigName: `${model}-config`,
          ProductionVariants: [
            { VariantName: 'All', ModelName: model, InstanceType: 'ml.m5.large', InitialInstanceCount: 1 },
          ],
        }),
      );
      await h.sm.send(new CreateEndpointCommand({ EndpointName: model, EndpointConfigName: `${model}-config` }));
      expect((await waitForStatus(h.sm, model)).EndpointStatus).toBe('InService');
    }
    const score = async (endpoint: string) =>
      new TextDecoder().decode(
        (
          await h.runtime.send(
            new InvokeEndpointCommand({ EndpointName: endpoint, ContentType: 'text/csv', Body: ROW }),
          )
        ).Body,
      );
    const challenger = await score('plain-challenger');
    expect(challenger).not.toBe(await score('plain-champion'));
    expect(await score('from-package')).toBe(challenger);
    expect(await score('from-package-list')).toBe(challenger);
  });

  test('modelRegistry.requireApproval false lets CreateModel build from a pending version', async () => {
    const other = await startHarness({ modelRegistry: { requireApproval: false } });
    try {
      await other.sm.send(new CreateModelPackageGroupCommand({ ModelPackageGroupName: 'open' }));
      const { ModelPackageArn } = await other.sm.send(
        new CreateModelPackageCommand({ ModelPackageGroupName: 'open', InferenceSpecification: spec('champion') }),
      );
      const out = await other.sm.send(
        new CreateModelCommand({
          ModelName: 'pending',
          ExecutionRoleArn: ROLE,
          PrimaryContainer: { ModelPackageName: ModelPackageArn },
        }),
      );
      expect(out.ModelArn).toBe(`arn:aws:sagemaker:us-east-1:${ACCOUNT}:model/pending`);
    } finally {
      await other.close();
    }
  });
});

test('aws profile IAM: the registry calls are authorized on model-package-group and model-package ARNs', async () => {
  const policy = {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Action: ['sagemaker:DescribeModelPackageGroup', 'sagemaker:CreateModelPackageGroup'],
        Resource: `arn:aws:sagemaker:us-east-1:${ACCOUNT}:model-package-group/churn`,
      },
      {
        Effect: 'Allow',
        Action: ['sagemaker:CreateModelPackage', 'sagemaker:DescribeModelPackage', 'sagemaker:UpdateModelPackage'],
        Resource: `arn:aws:sagemaker:us-east-1:${ACCOUNT}:model-package/churn/*`,
      },
      { Effect: 'Allow', Action: 'sagemaker:ListModelPackages', Resource: '*' },
    ],
  };
  const aws = await startHarness(
    { profile: 'aws', timeScale: 0.001, awsBehaviour: { consistencySeconds: 0 }, iamPolicy: policy },
    'us-east-1',
    CREDENTIALS,
  );
  const root = clientsFor(aws.emulator.url, ADMIN_CREDENTIALS);
  const worker = `arn:aws:sts::${ACCOUNT}:assumed-role/model-rollout-worker/${CREDENTIALS.accessKeyId}`;
  try {
    await aws.sm.send(new CreateModelPackageGroupCommand({ ModelPackageGroupName: 'churn' }));
    await root.sm.send(new CreateModelPackageGroupCommand({ ModelPackageGroupName: 'fraud' }));
    const created = await aws.sm.send(
      new CreateModelPackageCommand({ ModelPackageGroupName: 'churn', InferenceSpecification: spec('champion') }),
    );
    await aws.sm.send(
      new UpdateModelPackageCommand({ ModelPackageArn: created.ModelPackageArn, ModelApprovalStatus: 'Approved' }),
    );
    expect(
      (await aws.sm.send(new ListModelPackagesCommand({ ModelPackageGroupName: 'churn' }))).ModelPackageSummaryList,
    ).toHaveLength(1);

    const otherGroup = await errorOf(() =>
      aws.sm.send(
        new CreateModelPackageCommand({ ModelPackageGroupName: 'fraud', InferenceSpecification: spec('champion') }),
      ),
    );
    expect(otherGroup.name).toBe('AccessDeniedException');
    expect(otherGroup.message).toBe(
      `User: ${worker} is not authorized to perform: sagemaker:CreateModelPackage on resource: ` +
        `${pkgArn('fraud/1')} because no identity-based policy allows the sagemaker:CreateModelPackage action`,
    );
    const deleteDenied = await errorOf(() =>
      aws.sm.send(new DeleteModelPackageCommand({ ModelPackageName: created.ModelPackageArn })),
    );
    expect(deleteDenied.message).toContain(`sagemaker:DeleteModelPackage on resource: ${pkgArn('churn/1')}`);
    const groupDenied = await errorOf(() =>
      aws.sm.send(new DescribeModelPackageGroupCommand({ ModelPackageGroupName: groupArn('fraud') })),
    );
    expect(groupDenied.message).toContain(`sagemaker:DescribeModelPackageGroup on resource: ${groupArn('fraud')}`);
    // The denied create took no version: the admin's next one in fraud is 1.
    const first = await root.sm.send(
      new CreateModelPackageCommand({ ModelPackageGroupName: 'fraud', InferenceSpecification: spec('champion') }),
    );
    expect(first.ModelPackageArn).toBe(pkgArn('fraud/1'));
  } finally {
    root.destroy();
    await aws.close();
  }
});
