// The Model Registry as the source of candidates: a rollout given a model package version creates the candidate's
// model from it, refuses a version that is not Approved before any change, and writes its verdict back to the package.
import {
  CreateModelPackageCommand,
  CreateModelPackageGroupCommand,
  DescribeModelPackageCommand,
  type ModelApprovalStatus,
} from '@aws-sdk/client-sagemaker';
import { DEMO_IMAGE } from '../../../src/local/local-stack';
import type { RolloutResult } from '../../../src/workflows/shared';
import { beforeRollout, checkRolloutInvariants } from '../../harness/invariants';
import { startRolloutStack, type RolloutStack } from '../../harness/rollout-stack';
import { uniqueName } from '../../harness/temporal';

let stack: RolloutStack;

beforeAll(async () => {
  stack = await startRolloutStack();
});

afterAll(async () => {
  await stack?.close();
});

/** A package group with one version of the challenger model, as a training pipeline would register it. */
async function registerChallenger(group: string, approval: ModelApprovalStatus): Promise<string> {
  await stack.sm.send(new CreateModelPackageGroupCommand({ ModelPackageGroupName: group }));
  const out = await stack.sm.send(
    new CreateModelPackageCommand({
      ModelPackageGroupName: group,
      ModelApprovalStatus: approval,
      InferenceSpecification: {
        Containers: [{ Image: DEMO_IMAGE, ModelDataUrl: stack.data.modelUrl('challenger') }],
        SupportedContentTypes: ['text/csv'],
        SupportedResponseMIMETypes: ['text/csv'],
      },
    }),
  );
  return out.ModelPackageArn!;
}

function packageSpec(endpoint: string, modelPackageArn: string) {
  const spec = stack.spec(endpoint, 'challenger', {
    steps: [
      { candidateWeight: 50, soak: '4s' },
      { candidateWeight: 100, soak: '2s' },
    ],
  });
  const { image: _image, modelDataUrl: _data, ...candidate } = spec.candidate;
  return { ...spec, candidate: { ...candidate, modelPackageArn } };
}

test('an Approved model package version is rolled out, and the verdict is written back to it', async () => {
  const endpoint = uniqueName('registry');
  await stack.seedEndpoint(endpoint);
  const arn = await registerChallenger(`${endpoint}-models`, 'Approved');
  const spec = packageSpec(endpoint, arn);
  const before = await beforeRollout(stack.admin, spec);
  const handle = await stack.client.workflow.start('modelRollout', {
    taskQueue: stack.taskQueue,
    workflowId: `rollout-${endpoint}`,
    args: [spec],
  });
  const result = (await handle.result()) as RolloutResult;
  expect(result.outcome).toBe('promoted');
  expect(result.decisions).toContainEqual(expect.objectContaining({ kind: 'registry' }));
  await checkRolloutInvariants(stack, before, result, 'Challenger');

  const pkg = await stack.sm.send(new DescribeModelPackageCommand({ ModelPackageName: arn }));
  expect(pkg.ApprovalDescription).toBe(`model-rollout promoted on endpoint ${endpoint}: ${result.reason}`);
  expect(pkg.CustomerMetadataProperties).toMatchObject({
    'model-rollout:outcome': 'promoted',
    'model-rollout:endpoint': endpoint,
    'model-rollout:workflow-id': `rollout-${endpoint}`,
    'model-rollout:guardrail:errorRate5xx': expect.stringMatching(/^(pass|continue); difference [-\d.e]+; interval \[/),
  });
  expect(pkg.ModelApprovalStatus).toBe('Approved'); // the verdict is recorded, the approval left as it was
});

test('a version still pending approval is refused in preflight, naming the field, with nothing changed', async () => {
  const endpoint = uniqueName('registry-pending');
  await stack.seedEndpoint(endpoint);
  const arn = await registerChallenger(`${endpoint}-models`, 'PendingManualApproval');
  await stack.admin.clearRequests();
  const handle = await stack.client.workflow.start('modelRollout', {
    taskQueue: stack.taskQueue,
    workflowId: `rollout-${endpoint}`,
    args: [packageSpec(endpoint, arn)],
  });
  const err = await handle.result().catch((e: Error & { cause?: Error & { cause?: Error } }) => e);
  expect(String((err as { cause?: { cause?: Error } }).cause?.cause?.message)).toMatch(
    /^candidate\.modelPackageArn: model package .* is PendingManualApproval, and SageMaker deploys only Approved versions/,
  );
  const log = await stack.admin.requests();
  expect(log.filter((e) => e.mutating && e.status < 400)).toEqual([]);
});
