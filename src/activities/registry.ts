// The SageMaker Model Registry: the candidate's model package (checked in preflight: it must exist and be Approved,
// which SageMaker requires to deploy it), and the rollout's verdict written back to it at the end, so the registry
// says what happened to each version in production.
import {
  DescribeModelPackageCommand,
  UpdateModelPackageCommand,
  type DescribeModelPackageCommandOutput,
} from '@aws-sdk/client-sagemaker';
import { aws, rethrowAws } from './aws-errors';
import type { AwsClients } from './clients';
import { isNotFound } from './sagemaker-errors';

export interface ModelPackageView {
  arn: string;
  status: string;
  approval: string;
}

/** What a rollout writes back to the model package it deployed. */
export interface RegistryVerdict {
  modelPackageArn: string;
  region?: string;
  outcome: string;
  reason: string;
  endpointName: string;
  workflowId: string;
  /** Per guardrail, the last difference and verdict, as `metadata` keys (model-rollout:guardrail:<name>). */
  guardrails: Record<string, string>;
}

/** ApprovalDescription is at most 1024 characters ([BC-SM] UpdateModelPackageInput). */
const MAX_DESCRIPTION = 1024;
/** CustomerMetadataProperties values are at most 256 characters ([BC-SM] CustomerMetadataValue). */
const MAX_METADATA_VALUE = 256;

export function registryActivities(clients: AwsClients) {
  return {
    async describeModelPackage(input: { modelPackageArn: string; region?: string }): Promise<ModelPackageView | null> {
      let out: DescribeModelPackageCommandOutput;
      try {
        out = await clients
          .sagemaker(input.region)
          .send(new DescribeModelPackageCommand({ ModelPackageName: input.modelPackageArn }));
      } catch (err) {
        if (isNotFound(err)) return null;
        rethrowAws(err, `DescribeModelPackage ${input.modelPackageArn}`);
      }
      return {
        arn: out.ModelPackageArn ?? input.modelPackageArn,
        status: out.ModelPackageStatus ?? 'Unknown',
        approval: out.ModelApprovalStatus ?? 'PendingManualApproval',
      };
    },

    /** Writes the rollout's verdict to the package: its approval description and customer metadata. */
    async recordVerdictInRegistry(input: RegistryVerdict): Promise<void> {
      const description = `model-rollout ${input.outcome} on endpoint ${input.endpointName}: ${input.reason}`;
      const metadata: Record<string, string> = {
        'model-rollout:outcome': input.outcome,
        'model-rollout:endpoint': input.endpointName,
        'model-rollout:workflow-id': input.workflowId,
        ...Object.fromEntries(
          Object.entries(input.guardrails).map(([name, value]) => [`model-rollout:guardrail:${name}`, value]),
        ),
      };
      await aws(`UpdateModelPackage ${input.modelPackageArn}`, () =>
        clients.sagemaker(input.region).send(
          new UpdateModelPackageCommand({
            ModelPackageArn: input.modelPackageArn,
            ApprovalDescription: description.slice(0, MAX_DESCRIPTION),
            CustomerMetadataProperties: Object.fromEntries(
              Object.entries(metadata).map(([k, v]) => [k, v.slice(0, MAX_METADATA_VALUE)]),
            ),
          }),
        ),
      );
    },
  };
}
