// The same SageMaker control-plane sequence against the emulator and against moto server (`python3 -m moto.server`),
// compared step by step after normalising (status codes, error names, messages, resource fields). Where the two
// differ, the difference is one of moto's known gaps, listed in MOTO_GAPS with what each side does; any other
// difference fails the test. Inference and metrics are not compared: moto's InvokeEndpoint returns canned bodies and
// it publishes no AWS/SageMaker metrics (design.md). A second sequence compares the aws profile where moto implements
// the calls: the fields a rollout carries over (model VPC settings, config KMS key, data capture, async inference,
// variant timeouts) and Application Auto Scaling's targets and policies. A third compares the Model Registry where moto
// implements it (groups, versions, Describe/List/UpdateModelPackage).
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import * as AAS from '@aws-sdk/client-application-auto-scaling';
import * as SM from '@aws-sdk/client-sagemaker';
import { findMotoServer } from '../../../src/local/moto';
import { ADMIN_CREDENTIALS, type Harness, ROLE, startHarness, XGB_IMAGE } from './helpers';

// moto is not on every machine (Debian 12 has no package for it): without it this file's one test is skipped, its
// title and the run's closing summary naming why, and a banner says so in the test output.
const motoServer = findMotoServer();
if (!motoServer.found) process.stderr.write(`\n*** moto-parity SKIPPED: ${motoServer.reason}\n\n`);

interface Outcome {
  ok: boolean;
  error?: string;
  status?: number;
  message?: string;
  result?: unknown;
}

/** Differences that are moto's, not ours: step → what each side answers and why. */
const MOTO_GAPS: Record<string, { emulator: Partial<Outcome>; moto: Partial<Outcome>; why: string }> = {
  'CreateModel again (duplicate)': {
    emulator: { ok: false, error: 'ValidationException', status: 400 },
    moto: { ok: true },
    why: 'moto accepts a duplicate CreateModel; SageMaker answers "Cannot create already existing model"',
  },
  'CreateModel with an invalid name': {
    emulator: { ok: false, error: 'ValidationException', status: 400 },
    moto: { ok: true },
    why: 'moto does not check the ModelName pattern ^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}',
  },
  'CreateEndpointConfig again (duplicate)': {
    emulator: { ok: false, error: 'ValidationException', status: 400 },
    moto: { ok: true },
    why: 'moto accepts a duplicate endpoint config',
  },
  'CreateEndpoint again (duplicate)': {
    emulator: { ok: false, error: 'ValidationException', status: 400 },
    moto: { ok: true },
    why: 'moto accepts a duplicate CreateEndpoint; SageMaker answers "Cannot create already existing endpoint"',
  },
  'DescribeEndpoint right after CreateEndpoint': {
    emulator: { ok: true, result: { status: 'Creating' } },
    moto: { ok: true, result: { status: 'InService' } },
    why: 'moto has no status machine: endpoints are InService at once (SageMaker: Creating → InService)',
  },
  'DescribeEndpoint right after UpdateEndpointWeightsAndCapacities': {
    emulator: { ok: true, result: { status: 'Updating' } },
    moto: { ok: true, result: { status: 'InService' } },
    why: 'moto applies weights instantly; SageMaker is Updating with DesiredWeight set until CurrentWeight follows',
  },
  'UpdateEndpoint to another config': {
    emulator: { ok: true },
    moto: { ok: false, status: 500 },
    why: 'moto 5.2.1 server does not implement UpdateEndpoint (answers an HTML 500 page)',
  },
  'UpdateEndpoint naming a missing config': {
    emulator: { ok: false, error: 'ValidationException', status: 400 },
    moto: { ok: false, status: 500 },
    why: 'moto 5.2.1 server does not implement UpdateEndpoint',
  },
  'DescribeEndpoint after UpdateEndpoint settled': {
    emulator: { ok: true, result: { config: 'parity-config-2' } },
    moto: { ok: true, result: { config: 'parity-config' } },
    why: 'moto never ran the UpdateEndpoint, so it still shows the first config',
  },
  'UpdateEndpointWeightsAndCapacities on an unknown variant': {
    emulator: { ok: false, error: 'ValidationException', status: 400 },
    moto: { ok: false, error: 'ValidationException', status: 400 },
    why: 'same error; the message lists the names as "[Shadow]" here and bare "Shadow" in moto',
  },
  'DeleteModel of a missing model': {
    emulator: { ok: false, error: 'ValidationException', status: 400 },
    moto: { ok: false, error: 'ValidationException', status: 400 },
    why: 'same error; moto names the model ("m") where SageMaker names its ARN',
  },
};

interface Step {
  name: string;
  run: (sm: SM.SageMakerClient) => Promise<unknown>;
  /** Reduces a successful answer to the fields both sides must agree on. */
  view?: (out: never) => unknown;
  /** Waits before the step (lets the emulator's status machine settle; moto is instant). */
  settleMs?: number;
}

const variants = (names: string[], model: string) =>
  names.map((VariantName) => ({
    VariantName,
    ModelName: model,
    InstanceType: 'ml.m5.large' as const,
    InitialInstanceCount: 1,
    InitialVariantWeight: 1,
  }));

const endpointView = (out: SM.DescribeEndpointCommandOutput) => ({
  name: out.EndpointName,
  arn: out.EndpointArn,
  status: out.EndpointStatus,
  config: out.EndpointConfigName,
  variants: (out.ProductionVariants ?? []).map((v) => [v.VariantName, v.CurrentWeight, v.DesiredWeight]),
});

const STEPS: Step[] = [
  {
    name: 'CreateModel',
    run: (sm) =>
      sm.send(
        new SM.CreateModelCommand({
          ModelName: 'parity-model',
          ExecutionRoleArn: ROLE,
          PrimaryContainer: { Image: XGB_IMAGE, ModelDataUrl: 's3://models/churn/champion/model.tar.gz' },
        }),
      ),
    view: (out: SM.CreateModelCommandOutput) => out.ModelArn,
  },
  {
    name: 'CreateModel again (duplicate)',
    run: (sm) =>
      sm.send(
        new SM.CreateModelCommand({
          ModelName: 'parity-model',
          ExecutionRoleArn: ROLE,
          PrimaryContainer: { Image: XGB_IMAGE, ModelDataUrl: 's3://models/churn/champion/model.tar.gz' },
        }),
      ),
  },
  {
    name: 'CreateModel with an invalid name',
    run: (sm) =>
      sm.send(
        new SM.CreateModelCommand({
          ModelName: 'bad_name',
          ExecutionRoleArn: ROLE,
          PrimaryContainer: { Image: XGB_IMAGE, ModelDataUrl: 's3://models/churn/champion/model.tar.gz' },
        }),
      ),
  },
  {
    name: 'DescribeModel',
    run: (sm) => sm.send(new SM.DescribeModelCommand({ ModelName: 'parity-model' })),
    view: (out: SM.DescribeModelCommandOutput) => [
      out.ModelName,
      out.ModelArn,
      out.ExecutionRoleArn,
      out.PrimaryContainer?.Image,
      out.PrimaryContainer?.ModelDataUrl,
    ],
  },
  {
    name: 'DescribeModel of a missing model',
    run: (sm) => sm.send(new SM.DescribeModelCommand({ ModelName: 'missing-model' })),
  },
  {
    name: 'CreateEndpointConfig naming a missing model',
    run: (sm) =>
      sm.send(
        new SM.CreateEndpointConfigCommand({
          EndpointConfigName: 'parity-bad',
          ProductionVariants: variants(['A'], 'missing-model'),
        }),
      ),
  },
  {
    name: 'CreateEndpointConfig',
    run: (sm) =>
      sm.send(
        new SM.CreateEndpointConfigCommand({
          EndpointConfigName: 'parity-config',
          ProductionVariants: variants(['Champion', 'Challenger'], 'parity-model'),
        }),
      ),
    view: (out: SM.CreateEndpointConfigCommandOutput) => out.EndpointConfigArn,
  },
  {
    name: 'CreateEndpointConfig again (duplicate)',
    run: (sm) =>
      sm.send(
        new SM.CreateEndpointConfigCommand({
          EndpointConfigName: 'parity-config',
          // The same request again: moto overwrites on a duplicate, so anything else would skew every later step.
          ProductionVariants: variants(['Champion', 'Challenger'], 'parity-model'),
        }),
      ),
  },
  {
    name: 'DescribeEndpointConfig',
    run: (sm) => sm.send(new SM.DescribeEndpointConfigCommand({ EndpointConfigName: 'parity-config' })),
    view: (out: SM.DescribeEndpointConfigCommandOutput) => [out.EndpointConfigArn, out.ProductionVariants],
  },
  {
    name: 'DescribeEndpointConfig of a missing config',
    run: (sm) => sm.send(new SM.DescribeEndpointConfigCommand({ EndpointConfigName: 'missing-config' })),
  },
  {
    name: 'CreateEndpoint naming a missing config',
    run: (sm) =>
      sm.send(new SM.CreateEndpointCommand({ EndpointName: 'parity-other', EndpointConfigName: 'missing-config' })),
  },
  {
    name: 'CreateEndpoint',
    run: (sm) =>
      sm.send(new SM.CreateEndpointCommand({ EndpointName: 'parity-endpoint', EndpointConfigName: 'parity-config' })),
    view: (out: SM.CreateEndpointCommandOutput) => out.EndpointArn,
  },
  {
    name: 'DescribeEndpoint right after CreateEndpoint',
    run: (sm) => sm.send(new SM.DescribeEndpointCommand({ EndpointName: 'parity-endpoint' })),
    view: (out: SM.DescribeEndpointCommandOutput) => ({ status: out.EndpointStatus }),
  },
  {
    name: 'CreateEndpoint again (duplicate)',
    run: (sm) =>
      sm.send(new SM.CreateEndpointCommand({ EndpointName: 'parity-endpoint', EndpointConfigName: 'parity-config' })),
  },
  {
    name: 'DescribeEndpoint once InService',
    settleMs: 400,
    run: (sm) => sm.send(new SM.DescribeEndpointCommand({ EndpointName: 'parity-endpoint' })),
    view: endpointView,
  },
  {
    name: 'DescribeEndpoint of a missing endpoint',
    run: (sm) => sm.send(new SM.DescribeEndpointCommand({ EndpointName: 'missing-endpoint' })),
  },
  {
    name: 'UpdateEndpointWeightsAndCapacities',
    run: (sm) =>
      sm.send(
        new SM.UpdateEndpointWeightsAndCapacitiesCommand({
          EndpointName: 'parity-endpoint',
          DesiredWeightsAndCapacities: [
            { VariantName: 'Champion', DesiredWeight: 1 },
            { VariantName: 'Challenger', DesiredWeight: 3 },
          ],
        }),
      ),
    view: (out: SM.UpdateEndpointWeightsAndCapacitiesCommandOutput) => out.EndpointArn,
  },
  {
    name: 'DescribeEndpoint right after UpdateEndpointWeightsAndCapacities',
    run: (sm) => sm.send(new SM.DescribeEndpointCommand({ EndpointName: 'parity-endpoint' })),
    view: (out: SM.DescribeEndpointCommandOutput) => ({ status: out.EndpointStatus }),
  },
  {
    name: 'DescribeEndpoint after the weights settled',
    settleMs: 400,
    run: (sm) => sm.send(new SM.DescribeEndpointCommand({ EndpointName: 'parity-endpoint' })),
    view: endpointView,
  },
  {
    name: 'UpdateEndpointWeightsAndCapacities on an unknown variant',
    run: (sm) =>
      sm.send(
        new SM.UpdateEndpointWeightsAndCapacitiesCommand({
          EndpointName: 'parity-endpoint',
          DesiredWeightsAndCapacities: [{ VariantName: 'Shadow', DesiredWeight: 1 }],
        }),
      ),
  },
  {
    name: 'UpdateEndpointWeightsAndCapacities on a missing endpoint',
    run: (sm) =>
      sm.send(
        new SM.UpdateEndpointWeightsAndCapacitiesCommand({
          EndpointName: 'missing-endpoint',
          DesiredWeightsAndCapacities: [{ VariantName: 'Champion', DesiredWeight: 1 }],
        }),
      ),
  },
  {
    name: 'CreateEndpointConfig (second)',
    run: (sm) =>
      sm.send(
        new SM.CreateEndpointConfigCommand({
          EndpointConfigName: 'parity-config-2',
          ProductionVariants: variants(['Challenger'], 'parity-model'),
        }),
      ),
    view: (out: SM.CreateEndpointConfigCommandOutput) => out.EndpointConfigArn,
  },
  {
    name: 'UpdateEndpoint naming a missing config',
    run: (sm) =>
      sm.send(new SM.UpdateEndpointCommand({ EndpointName: 'parity-endpoint', EndpointConfigName: 'missing-config' })),
  },
  {
    name: 'UpdateEndpoint to another config',
    run: (sm) =>
      sm.send(new SM.UpdateEndpointCommand({ EndpointName: 'parity-endpoint', EndpointConfigName: 'parity-config-2' })),
  },
  {
    name: 'DescribeEndpoint after UpdateEndpoint settled',
    settleMs: 400,
    run: (sm) => sm.send(new SM.DescribeEndpointCommand({ EndpointName: 'parity-endpoint' })),
    view: (out: SM.DescribeEndpointCommandOutput) => ({ config: out.EndpointConfigName }),
  },
  {
    name: 'ListEndpoints',
    run: (sm) => sm.send(new SM.ListEndpointsCommand({ NameContains: 'parity' })),
    view: (out: SM.ListEndpointsCommandOutput) =>
      (out.Endpoints ?? []).map((e) => [e.EndpointName, e.EndpointArn, e.EndpointStatus]),
  },
  {
    name: 'DeleteEndpoint',
    run: (sm) => sm.send(new SM.DeleteEndpointCommand({ EndpointName: 'parity-endpoint' })),
    view: () => 'deleted',
  },
  {
    name: 'DeleteEndpoint of a missing endpoint',
    run: (sm) => sm.send(new SM.DeleteEndpointCommand({ EndpointName: 'missing-endpoint' })),
  },
  {
    name: 'DescribeEndpoint after DeleteEndpoint settled',
    settleMs: 300,
    run: (sm) => sm.send(new SM.DescribeEndpointCommand({ EndpointName: 'parity-endpoint' })),
  },
  {
    name: 'DeleteEndpointConfig',
    run: (sm) => sm.send(new SM.DeleteEndpointConfigCommand({ EndpointConfigName: 'parity-config' })),
    view: () => 'deleted',
  },
  {
    name: 'DeleteEndpointConfig of a missing config',
    run: (sm) => sm.send(new SM.DeleteEndpointConfigCommand({ EndpointConfigName: 'parity-config' })),
  },
  {
    name: 'DeleteModel',
    run: (sm) => sm.send(new SM.DeleteModelCommand({ ModelName: 'parity-model' })),
    view: () => 'deleted',
  },
  {
    name: 'DeleteModel of a missing model',
    run: (sm) => sm.send(new SM.DeleteModelCommand({ ModelName: 'parity-model' })),
  },
];

// ---------------------------------------------------------------------------------------------------------------
// The Model Registry, where moto implements it (groups, CreateModelPackage, Describe/List/UpdateModelPackage).

const REGISTRY_SPEC = {
  Containers: [{ Image: XGB_IMAGE, ModelDataUrl: 's3://models/churn/champion/model.tar.gz' }],
  SupportedContentTypes: ['text/csv'],
  SupportedResponseMIMETypes: ['text/csv'],
};
const REGISTRY_ARN = 'arn:aws:sagemaker:us-east-1:123456789012';

const REGISTRY_GAPS: Record<string, { emulator: Partial<Outcome>; moto: Partial<Outcome>; why: string }> = {
  'CreateModelPackageGroup again (duplicate)': {
    emulator: { ok: false, error: 'ValidationException', status: 400 },
    moto: { ok: true },
    why: 'moto replaces the group; SageMaker keeps one group per name',
  },
  'CreateModelPackage with both names': {
    emulator: {
      ok: false,
      error: 'ValidationException',
      message:
        'Both ModelPackageName and ModelPackageGroupName are provided in the input. Cannot determine which one to use.',
    },
    moto: { ok: false, error: 'ValidationException' },
    why: 'same error; moto puts "An error occurred (ValidationException) when calling …:" before AWS\'s message',
  },
  'CreateModelPackage with neither name': {
    emulator: { ok: false, error: 'ValidationException', message: 'Missing ARN.' },
    moto: { ok: false, error: 'ValidationException' },
    why: 'same error; moto prefixes AWS\'s "Missing ARN." as above (getmoto/moto#7165 quotes AWS\'s words)',
  },
  'CreateModelPackage in a missing group': {
    emulator: {
      ok: false,
      error: 'ValidationException',
      message: `ModelPackageGroup ${REGISTRY_ARN}:model-package-group/parity-missing does not exist.`,
    },
    moto: { ok: false, error: 'ValidationException' },
    why: 'same error; moto words it "Model Package Group does not exist." with its own prefix',
  },
  'DescribeModelPackage of version 1': {
    emulator: {
      ok: true,
      result: ['parity-group', 1, `${REGISTRY_ARN}:model-package/parity-group/1`, 'PendingManualApproval'],
    },
    moto: { ok: true, result: ['parity-group', 1, `${REGISTRY_ARN}:model-package/parity-group/1`, null] },
    why:
      'moto leaves ModelApprovalStatus unset when CreateModelPackage gave none; a new version is PendingManualApproval ' +
      "(the developer guide's model-registry-details.md describes one so)",
  },
  'DescribeModelPackage of a missing version': {
    emulator: {
      ok: false,
      error: 'ValidationException',
      message: `ModelPackage ${REGISTRY_ARN}:model-package/parity-group/9 does not exist.`,
    },
    moto: { ok: false, error: 'ValidationException' },
    why: 'same error; moto words it "Model package … not found"',
  },
  'UpdateModelPackage with a bad approval status': {
    emulator: {
      ok: false,
      error: 'ValidationException',
      message:
        '1 validation error detected: Value "Maybe" at "modelApprovalStatus" failed to satisfy constraint: Member ' +
        'must satisfy enum value set: [PendingManualApproval, Approved, Rejected]',
    },
    moto: { ok: false, error: 'ValidationException' },
    why:
      'same error and constraint text; SageMaker opens it with "1 validation error detected: " (its constraint ' +
      "messages do, e.g. DescribeModelPackage's in aws/amazon-sagemaker-examples#2289), moto does not",
  },
  DeleteModelPackage: {
    emulator: { ok: true },
    moto: { ok: false },
    why: 'moto 5.2.1 does not implement DeleteModelPackage',
  },
};

const REGISTRY_STEPS: Step[] = [
  {
    name: 'CreateModelPackageGroup',
    run: (sm) =>
      sm.send(
        new SM.CreateModelPackageGroupCommand({
          ModelPackageGroupName: 'parity-group',
          ModelPackageGroupDescription: 'parity',
        }),
      ),
    view: (out: SM.CreateModelPackageGroupCommandOutput) => out.ModelPackageGroupArn,
  },
  {
    name: 'CreateModelPackageGroup again (duplicate)',
    run: (sm) => sm.send(new SM.CreateModelPackageGroupCommand({ ModelPackageGroupName: 'parity-group' })),
  },
  {
    name: 'DescribeModelPackageGroup',
    run: (sm) => sm.send(new SM.DescribeModelPackageGroupCommand({ ModelPackageGroupName: 'parity-group' })),
    view: (out: SM.DescribeModelPackageGroupCommandOutput) => [
      out.ModelPackageGroupName,
      out.ModelPackageGroupArn,
      out.ModelPackageGroupStatus,
    ],
  },
  {
    name: 'DescribeModelPackageGroup of a missing group',
    run: (sm) => sm.send(new SM.DescribeModelPackageGroupCommand({ ModelPackageGroupName: 'parity-missing' })),
  },
  {
    name: 'CreateModelPackage (version 1)',
    run: (sm) =>
      sm.send(
        new SM.CreateModelPackageCommand({
          ModelPackageGroupName: 'parity-group',
          InferenceSpecification: REGISTRY_SPEC,
        }),
      ),
    view: (out: SM.CreateModelPackageCommandOutput) => out.ModelPackageArn,
  },
  {
    name: 'CreateModelPackage (version 2, Approved)',
    run: (sm) =>
      sm.send(
        new SM.CreateModelPackageCommand({
          ModelPackageGroupName: 'parity-group',
          InferenceSpecification: REGISTRY_SPEC,
          ModelApprovalStatus: 'Approved',
        }),
      ),
    view: (out: SM.CreateModelPackageCommandOutput) => out.ModelPackageArn,
  },
  {
    name: 'CreateModelPackage with both names',
    run: (sm) =>
      sm.send(
        new SM.CreateModelPackageCommand({
          ModelPackageName: 'parity-package',
          ModelPackageGroupName: 'parity-group',
          InferenceSpecification: REGISTRY_SPEC,
        }),
      ),
  },
  {
    name: 'CreateModelPackage with neither name',
    run: (sm) => sm.send(new SM.CreateModelPackageCommand({ InferenceSpecification: REGISTRY_SPEC })),
  },
  {
    name: 'CreateModelPackage in a missing group',
    run: (sm) =>
      sm.send(
        new SM.CreateModelPackageCommand({
          ModelPackageGroupName: 'parity-missing',
          InferenceSpecification: REGISTRY_SPEC,
        }),
      ),
  },
  {
    name: 'DescribeModelPackage of version 1',
    run: (sm) =>
      sm.send(new SM.DescribeModelPackageCommand({ ModelPackageName: `${REGISTRY_ARN}:model-package/parity-group/1` })),
    view: (out: SM.DescribeModelPackageCommandOutput) => [
      out.ModelPackageGroupName,
      out.ModelPackageVersion,
      out.ModelPackageArn,
      out.ModelApprovalStatus ?? null,
    ],
  },
  {
    name: 'DescribeModelPackage of a missing version',
    run: (sm) =>
      sm.send(new SM.DescribeModelPackageCommand({ ModelPackageName: `${REGISTRY_ARN}:model-package/parity-group/9` })),
  },
  {
    name: 'UpdateModelPackage approves version 1',
    run: (sm) =>
      sm.send(
        new SM.UpdateModelPackageCommand({
          ModelPackageArn: `${REGISTRY_ARN}:model-package/parity-group/1`,
          ModelApprovalStatus: 'Approved',
          ApprovalDescription: 'parity',
          CustomerMetadataProperties: { owner: 'ml' },
        }),
      ),
    view: (out: SM.UpdateModelPackageCommandOutput) => out.ModelPackageArn,
  },
  {
    name: 'DescribeModelPackage after the update',
    run: (sm) =>
      sm.send(new SM.DescribeModelPackageCommand({ ModelPackageName: `${REGISTRY_ARN}:model-package/parity-group/1` })),
    view: (out: SM.DescribeModelPackageCommandOutput) => [
      out.ModelApprovalStatus,
      out.ApprovalDescription,
      out.CustomerMetadataProperties,
      out.LastModifiedTime instanceof Date,
    ],
  },
  {
    name: 'UpdateModelPackage with a bad approval status',
    run: (sm) =>
      sm.send(
        new SM.UpdateModelPackageCommand({
          ModelPackageArn: `${REGISTRY_ARN}:model-package/parity-group/1`,
          ModelApprovalStatus: 'Maybe' as never,
        }),
      ),
  },
  {
    name: 'ListModelPackages of the group',
    run: (sm) => sm.send(new SM.ListModelPackagesCommand({ ModelPackageGroupName: 'parity-group' })),
    view: (out: SM.ListModelPackagesCommandOutput) =>
      (out.ModelPackageSummaryList ?? []).map((p) => [
        p.ModelPackageGroupName,
        p.ModelPackageVersion,
        p.ModelPackageArn,
        p.ModelApprovalStatus,
        p.ModelPackageStatus,
      ]),
  },
  {
    name: 'ListModelPackages of Approved versions, newest first',
    run: (sm) =>
      sm.send(
        new SM.ListModelPackagesCommand({
          ModelPackageGroupName: 'parity-group',
          ModelApprovalStatus: 'Approved',
          SortOrder: 'Descending',
        }),
      ),
    view: (out: SM.ListModelPackagesCommandOutput) =>
      (out.ModelPackageSummaryList ?? []).map((p) => p.ModelPackageVersion),
  },
  {
    name: 'ListModelPackages without a group (unversioned only)',
    run: (sm) => sm.send(new SM.ListModelPackagesCommand({})),
    view: (out: SM.ListModelPackagesCommandOutput) => out.ModelPackageSummaryList,
  },
  {
    name: 'ListModelPackageGroups',
    run: (sm) => sm.send(new SM.ListModelPackageGroupsCommand({ NameContains: 'parity' })),
    view: (out: SM.ListModelPackageGroupsCommandOutput) =>
      (out.ModelPackageGroupSummaryList ?? []).map((g) => [g.ModelPackageGroupName, g.ModelPackageGroupArn]),
  },
  {
    name: 'DeleteModelPackage',
    run: (sm) =>
      sm.send(new SM.DeleteModelPackageCommand({ ModelPackageName: `${REGISTRY_ARN}:model-package/parity-group/2` })),
    view: () => 'deleted',
  },
];

async function runSequence(endpoint: string, steps: Step[] = STEPS): Promise<Outcome[]> {
  // moto wants real-looking credentials and ARNs; the emulator accepts anything.
  const sm = new SM.SageMakerClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
    maxAttempts: 1,
  });
  const outcomes: Outcome[] = [];
  for (const step of steps) {
    if (step.settleMs) await new Promise((r) => setTimeout(r, step.settleMs));
    try {
      const out = await step.run(sm);
      outcomes.push({ ok: true, ...(step.view ? { result: step.view(out as never) } : {}) });
    } catch (err) {
      const e = err as Error & { $metadata?: { httpStatusCode?: number } };
      const status = e.$metadata?.httpStatusCode;
      // moto quotes ARNs with ' where SageMaker uses ": compare the words, not the quote style.
      outcomes.push({
        ok: false,
        error: e.name,
        ...(status !== undefined ? { status } : {}),
        message: e.message.replace(/'/g, '"'),
      });
    }
  }
  sm.destroy();
  return outcomes;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

async function startMoto(): Promise<{ url: string; proc: ChildProcess; stderr: () => string }> {
  const port = await freePort();
  if (!motoServer.found) throw new Error(motoServer.reason);
  const proc = spawn(motoServer.python, ['-m', 'moto.server', '-H', '127.0.0.1', '-p', String(port)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  proc.stderr?.on('data', (c) => (stderr += String(c)));
  proc.stdout?.on('data', () => undefined);
  let exited: string | undefined;
  proc.on('exit', (code) => (exited = `exited with ${code}`));
  proc.on('error', (e) => (exited = e.message));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (exited) {
      throw new Error(
        `moto server (${motoServer.python} -m moto.server, moto ${motoServer.version}) did not start (${exited}): ${stderr.slice(-500)}`,
      );
    }
    try {
      const res = await fetch(`${url}/moto-api/`);
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`moto server not answering on ${url} after 30 s: ${stderr.slice(-500)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return { url, proc, stderr: () => stderr };
}

// ---------------------------------------------------------------------------------------------------------------
// The aws profile, where moto implements the calls: the fields a rollout carries over, and Application Auto Scaling.

interface AwsClients {
  sm: SM.SageMakerClient;
  aas: AAS.ApplicationAutoScalingClient;
}

interface AwsStep {
  name: string;
  run: (c: AwsClients) => Promise<unknown>;
  view?: (out: never) => unknown;
}

const KEY = 'arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const CAPTURE = {
  EnableCapture: true,
  InitialSamplingPercentage: 20,
  DestinationS3Uri: 's3://capture/parity',
  CaptureOptions: [{ CaptureMode: 'Input' as const }],
};
const ASYNC = { OutputConfig: { S3OutputPath: 's3://async/out' } };
const FIELD_VARIANT = {
  VariantName: 'Champion',
  ModelName: 'fields-model',
  InstanceType: 'ml.m5.large' as const,
  InitialInstanceCount: 1,
  InitialVariantWeight: 1,
  VolumeSizeInGB: 64,
  ModelDataDownloadTimeoutInSeconds: 900,
  ContainerStartupHealthCheckTimeoutInSeconds: 600,
};
const TARGET = {
  ServiceNamespace: 'sagemaker' as const,
  ResourceId: 'endpoint/parity-scaled/variant/Champion',
  ScalableDimension: 'sagemaker:variant:DesiredInstanceCount' as const,
};
const TRACKING = {
  TargetValue: 70,
  PredefinedMetricSpecification: { PredefinedMetricType: 'SageMakerVariantInvocationsPerInstance' as const },
  ScaleInCooldown: 600,
  ScaleOutCooldown: 300,
};

const AWS_GAPS: Record<
  string,
  { emulator: Partial<Outcome>; moto: Partial<Outcome>; sameMessage?: boolean; why: string }
> = {
  'DescribeModel shows them': {
    emulator: {
      ok: true,
      result: [{ SecurityGroupIds: ['sg-0123456789abcdef0'], Subnets: ['subnet-0123456789abcdef0'] }, true],
    },
    moto: {
      ok: true,
      result: [{ SecurityGroupIds: ['sg-0123456789abcdef0'], Subnets: ['subnet-0123456789abcdef0'] }, false],
    },
    why: 'moto 5.2.1 stores VpcConfig but always describes EnableNetworkIsolation as false, whatever CreateModel sent',
  },
  'PutScalingPolicy before the target is registered': {
    emulator: { ok: false, error: 'ObjectNotFoundException', status: 400 },
    moto: { ok: true },
    why:
      'moto accepts a policy for an unregistered target; AWS answers "No scalable target registered for service ' +
      'namespace: …" (ansible/ansible#35632, [BC-AAS] PutScalingPolicy: "You cannot create a scaling policy until you ' +
      'have registered the resource as a scalable target")',
  },
  'DeregisterScalableTarget of a missing target': {
    sameMessage: true,
    emulator: { ok: false, error: 'ObjectNotFoundException', status: 400 },
    moto: { ok: false, error: 'ValidationException', status: 400 },
    why:
      'same message; [BC-AAS] ObjectNotFoundException: "For any operation that deletes or deregisters a resource, this ' +
      'exception is thrown if the resource cannot be found"; moto answers ValidationException',
  },
  'DeleteScalingPolicy of a missing policy': {
    sameMessage: true,
    emulator: { ok: false, error: 'ObjectNotFoundException', status: 400 },
    moto: { ok: false, error: 'ValidationException', status: 400 },
    why: 'as above: AWS models the not-found as ObjectNotFoundException',
  },
};

const AWS_STEPS: AwsStep[] = [
  {
    name: 'CreateModel with VpcConfig and EnableNetworkIsolation',
    run: ({ sm }) =>
      sm.send(
        new SM.CreateModelCommand({
          ModelName: 'fields-model',
          ExecutionRoleArn: ROLE,
          PrimaryContainer: { Image: XGB_IMAGE, ModelDataUrl: 's3://models/churn/champion/model.tar.gz' },
          VpcConfig: { SecurityGroupIds: ['sg-0123456789abcdef0'], Subnets: ['subnet-0123456789abcdef0'] },
          EnableNetworkIsolation: true,
        }),
      ),
    view: (out: SM.CreateModelCommandOutput) => out.ModelArn,
  },
  {
    name: 'DescribeModel shows them',
    run: ({ sm }) => sm.send(new SM.DescribeModelCommand({ ModelName: 'fields-model' })),
    view: (out: SM.DescribeModelCommandOutput) => [out.VpcConfig, out.EnableNetworkIsolation],
  },
  {
    name: 'CreateEndpointConfig with KmsKeyId, DataCaptureConfig, AsyncInferenceConfig and variant settings',
    run: ({ sm }) =>
      sm.send(
        new SM.CreateEndpointConfigCommand({
          EndpointConfigName: 'fields-config',
          ProductionVariants: [FIELD_VARIANT],
          KmsKeyId: KEY,
          DataCaptureConfig: CAPTURE,
          AsyncInferenceConfig: ASYNC,
        }),
      ),
    view: (out: SM.CreateEndpointConfigCommandOutput) => out.EndpointConfigArn,
  },
  {
    name: 'DescribeEndpointConfig shows them',
    run: ({ sm }) => sm.send(new SM.DescribeEndpointConfigCommand({ EndpointConfigName: 'fields-config' })),
    view: (out: SM.DescribeEndpointConfigCommandOutput) => [
      out.KmsKeyId,
      out.DataCaptureConfig,
      out.AsyncInferenceConfig,
      out.ProductionVariants,
    ],
  },
  {
    name: 'PutScalingPolicy before the target is registered',
    run: ({ aas }) =>
      aas.send(
        new AAS.PutScalingPolicyCommand({
          ...TARGET,
          PolicyName: 'invocations',
          PolicyType: 'TargetTrackingScaling',
          TargetTrackingScalingPolicyConfiguration: TRACKING,
        }),
      ),
  },
  {
    name: 'RegisterScalableTarget',
    run: ({ aas }) => aas.send(new AAS.RegisterScalableTargetCommand({ ...TARGET, MinCapacity: 1, MaxCapacity: 4 })),
    view: (out: AAS.RegisterScalableTargetCommandOutput) =>
      /^arn:aws:application-autoscaling:us-east-1:123456789012:scalable-target\/\w+$/.test(out.ScalableTargetARN ?? ''),
  },
  {
    name: 'RegisterScalableTarget again (an update of MaxCapacity)',
    run: ({ aas }) => aas.send(new AAS.RegisterScalableTargetCommand({ ...TARGET, MaxCapacity: 6 })),
    view: () => 'updated',
  },
  {
    name: 'DescribeScalableTargets',
    run: ({ aas }) => aas.send(new AAS.DescribeScalableTargetsCommand({ ServiceNamespace: 'sagemaker' })),
    view: (out: AAS.DescribeScalableTargetsCommandOutput) =>
      (out.ScalableTargets ?? []).map((t) => [
        t.ServiceNamespace,
        t.ResourceId,
        t.ScalableDimension,
        t.MinCapacity,
        t.MaxCapacity,
      ]),
  },
  {
    name: 'PutScalingPolicy',
    run: ({ aas }) =>
      aas.send(
        new AAS.PutScalingPolicyCommand({
          ...TARGET,
          PolicyName: 'invocations',
          PolicyType: 'TargetTrackingScaling',
          TargetTrackingScalingPolicyConfiguration: TRACKING,
        }),
      ),
    view: (out: AAS.PutScalingPolicyCommandOutput) =>
      /^arn:aws:autoscaling:us-east-1:123456789012:scalingPolicy:[\w-]+:resource\/sagemaker\/endpoint\/parity-scaled\/variant\/Champion:policyName\/invocations$/.test(
        out.PolicyARN ?? '',
      ),
  },
  {
    name: 'DescribeScalingPolicies',
    run: ({ aas }) =>
      aas.send(
        new AAS.DescribeScalingPoliciesCommand({ ServiceNamespace: 'sagemaker', ResourceId: TARGET.ResourceId }),
      ),
    view: (out: AAS.DescribeScalingPoliciesCommandOutput) =>
      (out.ScalingPolicies ?? []).map((p) => [
        p.PolicyName,
        p.PolicyType,
        p.ResourceId,
        p.ScalableDimension,
        p.TargetTrackingScalingPolicyConfiguration,
      ]),
  },
  {
    name: 'DeleteScalingPolicy',
    run: ({ aas }) => aas.send(new AAS.DeleteScalingPolicyCommand({ ...TARGET, PolicyName: 'invocations' })),
    view: () => 'deleted',
  },
  {
    name: 'DeleteScalingPolicy of a missing policy',
    run: ({ aas }) => aas.send(new AAS.DeleteScalingPolicyCommand({ ...TARGET, PolicyName: 'invocations' })),
  },
  {
    name: 'DeregisterScalableTarget',
    run: ({ aas }) => aas.send(new AAS.DeregisterScalableTargetCommand(TARGET)),
    view: () => 'deregistered',
  },
  {
    name: 'DeregisterScalableTarget of a missing target',
    run: ({ aas }) => aas.send(new AAS.DeregisterScalableTargetCommand(TARGET)),
  },
  {
    name: 'DescribeScalableTargets after deregistering',
    run: ({ aas }) => aas.send(new AAS.DescribeScalableTargetsCommand({ ServiceNamespace: 'sagemaker' })),
    view: (out: AAS.DescribeScalableTargetsCommandOutput) => out.ScalableTargets,
  },
];

async function runAwsSequence(endpoint: string, credentials: { accessKeyId: string; secretAccessKey: string }) {
  const cfg = { endpoint, region: 'us-east-1', credentials, maxAttempts: 1 };
  const c: AwsClients = { sm: new SM.SageMakerClient(cfg), aas: new AAS.ApplicationAutoScalingClient(cfg) };
  const outcomes: Outcome[] = [];
  for (const step of AWS_STEPS) {
    try {
      const out = await step.run(c);
      outcomes.push({ ok: true, ...(step.view ? { result: step.view(out as never) } : {}) });
    } catch (err) {
      const e = err as Error & { $metadata?: { httpStatusCode?: number } };
      outcomes.push({ ok: false, error: e.name, status: e.$metadata?.httpStatusCode, message: e.message });
    }
  }
  c.sm.destroy();
  c.aas.destroy();
  return outcomes;
}

let h: Harness;
let moto: Awaited<ReturnType<typeof startMoto>> | undefined;

beforeAll(async () => {
  h = await startHarness({ delays: { createMs: 100, updateMs: 100, deleteMs: 50 } });
  if (motoServer.found) moto = await startMoto();
}, 60_000);

afterAll(async () => {
  await h.close();
  if (moto && moto.proc.exitCode === null) {
    const proc = moto.proc;
    await new Promise<void>((resolve) => {
      proc.once('exit', () => resolve());
      proc.kill('SIGTERM');
    });
  }
});

const PARITY = "the control-plane sequence answers the same on the emulator and moto, except moto's listed gaps";
const AWS_PARITY =
  "the aws profile's stored fields and Application Auto Scaling answer as moto does, except the listed gaps";
const parityTest = motoServer.found ? test : test.skip;
const titled = (title: string) =>
  motoServer.found ? `${title} (moto ${motoServer.version})` : `${title}: SKIPPED, ${motoServer.reason}`;

parityTest(
  titled(PARITY),
  async () => {
    const emulator = await runSequence(h.emulator.url);
    const motoOut = await runSequence(moto!.url);
    const unexplained: string[] = [];
    STEPS.forEach((step, i) => {
      const gap = MOTO_GAPS[step.name];
      if (gap) {
        // A listed gap must still be what it says on both sides; if moto catches up the list must shrink.
        expect({ step: step.name, ...emulator[i] }).toMatchObject({ step: step.name, ...gap.emulator });
        expect({ step: step.name, ...motoOut[i] }).toMatchObject({ step: step.name, ...gap.moto });
        return;
      }
      if (JSON.stringify(emulator[i]) !== JSON.stringify(motoOut[i])) {
        unexplained.push(
          `${step.name}:\n  emulator ${JSON.stringify(emulator[i])}\n  moto     ${JSON.stringify(motoOut[i])}`,
        );
      }
    });
    expect(unexplained).toEqual([]);
    // The comparison has teeth: most steps agree exactly, errors included.
    const agreeing = STEPS.filter((s) => !MOTO_GAPS[s.name]);
    expect(agreeing.length).toBeGreaterThanOrEqual(20);
    expect(agreeing.filter((s) => !emulator[STEPS.indexOf(s)].ok).length).toBeGreaterThanOrEqual(8);
  },
  60_000,
);

parityTest(
  titled(AWS_PARITY),
  async () => {
    // The admin key: this compares the calls' behaviour, not IAM (moto grants everything).
    const aws = await startHarness({ profile: 'aws', timeScale: 0.001, awsBehaviour: { consistencySeconds: 0 } });
    try {
      const emulator = await runAwsSequence(aws.emulator.url, ADMIN_CREDENTIALS);
      const motoOut = await runAwsSequence(moto!.url, { accessKeyId: 'testing', secretAccessKey: 'testing' });
      const unexplained: string[] = [];
      AWS_STEPS.forEach((step, i) => {
        const gap = AWS_GAPS[step.name];
        if (gap) {
          expect({ step: step.name, ...emulator[i] }).toMatchObject({ step: step.name, ...gap.emulator });
          expect({ step: step.name, ...motoOut[i] }).toMatchObject({ step: step.name, ...gap.moto });
          if (gap.sameMessage) expect(emulator[i].message).toBe(motoOut[i].message);
          return;
        }
        if (JSON.stringify(emulator[i]) !== JSON.stringify(motoOut[i])) {
          unexplained.push(
            `${step.name}:\n  emulator ${JSON.stringify(emulator[i])}\n  moto     ${JSON.stringify(motoOut[i])}`,
          );
        }
      });
      expect(unexplained).toEqual([]);
      // The comparison has teeth: most steps agree exactly, and the emulator refused exactly the three bad calls.
      expect(AWS_STEPS.filter((st) => !AWS_GAPS[st.name]).length).toBeGreaterThanOrEqual(10);
      expect(emulator.filter((o) => o.ok)).toHaveLength(AWS_STEPS.length - 3);
    } finally {
      await aws.close();
    }
  },
  60_000,
);

parityTest(
  titled('the Model Registry answers as moto does where moto implements it, except the listed gaps'),
  async () => {
    const emulator = await runSequence(h.emulator.url, REGISTRY_STEPS);
    const motoOut = await runSequence(moto!.url, REGISTRY_STEPS);
    const unexplained: string[] = [];
    REGISTRY_STEPS.forEach((step, i) => {
      const gap = REGISTRY_GAPS[step.name];
      if (gap) {
        expect({ step: step.name, ...emulator[i] }).toMatchObject({ step: step.name, ...gap.emulator });
        expect({ step: step.name, ...motoOut[i] }).toMatchObject({ step: step.name, ...gap.moto });
        return;
      }
      if (JSON.stringify(emulator[i]) !== JSON.stringify(motoOut[i])) {
        unexplained.push(
          `${step.name}:\n  emulator ${JSON.stringify(emulator[i])}\n  moto     ${JSON.stringify(motoOut[i])}`,
        );
      }
    });
    expect(unexplained).toEqual([]);
    // The comparison has teeth: most steps agree exactly, a refusal among them.
    const agreeing = REGISTRY_STEPS.filter((st) => !REGISTRY_GAPS[st.name]);
    expect(agreeing.length).toBeGreaterThanOrEqual(10);
    expect(agreeing.filter((st) => !emulator[REGISTRY_STEPS.indexOf(st)].ok).length).toBeGreaterThanOrEqual(1);
  },
  60_000,
);
