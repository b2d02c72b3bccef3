/**
 * The SageMaker Model Registry ([BC-SM] CreateModelPackageGroup, DescribeModelPackageGroup, ListModelPackageGroups,
 * DeleteModelPackageGroup, CreateModelPackage, DescribeModelPackage, ListModelPackages, UpdateModelPackage,
 * DeleteModelPackage): model groups holding versioned model packages, and unversioned (named) packages.
 *
 * - CreateModelPackage with ModelPackageGroupName makes the group's next version, ARN
 *   `model-package/<group>/<version>` (lower-cased, as SageMaker writes its ARNs); with ModelPackageName an unversioned
 *   package `model-package/<name>`. "Both ModelPackageName and ModelPackageGroupName" and neither ("Missing ARN.") are
 *   refused with AWS's words as getmoto/moto#7165 quotes them.
 * - A versioned package "uses the tags associated with the model group … you cannot supply a tag argument" ([BC-SM]
 *   CreateModelPackageInput.Tags); its ModelApprovalStatus "must be set to Approved to deploy the model" and defaults
 *   to PendingManualApproval (not documented: the developer guide registers versions as PendingManualApproval and
 *   approves them afterwards, model-registry-version.md and model-registry-approve.md).
 * - ClientToken makes CreateModelPackage idempotent ([BC-SM] ClientToken): the same token answers the same ARN.
 * - ListModelPackages lists unversioned packages unless ModelPackageType or ModelPackageGroupName says otherwise
 *   ([BC-SM] ModelPackageType: "UNVERSIONED … This is the default value"); a versioned summary carries the group and
 *   version, not ModelPackageName (as model-registry-details.md lists one). Both lists sort by CreationTime, Ascending
 *   by default ([BC-SM] SortOrder).
 * Not documented, and so chosen here (the README names each): the default approval status; versions are never reused
 * after a delete; a group that still holds versions cannot be deleted (ConflictException); UpdateModelPackage merges
 * CustomerMetadataProperties into the package's and then removes CustomerMetadataPropertiesToRemove; the wording of the
 * not-found and conflict errors.
 */
import { createHash } from 'node:crypto';
import { AwsError, badName, requiredString as required, validation } from './errors';
import { page } from './list-pages';
import { arn, type EmulatorContext, type Json, type ModelPackageRecord, type RegionState } from './state';

type Handler = (
  ctx: EmulatorContext,
  region: RegionState,
  input: Json,
) => { body: Json; changed: boolean; resourceName?: string };

const ENTITY_NAME = '^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}';
const ENTITY_NAME_RE = /^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/;
// [BC-SM] ArnOrName and VersionedArnOrName: a name, or an ARN ending in it, with a /version for a versioned package.
const ARN_OR_NAME =
  '(arn:aws[a-z\\-]*:sagemaker:[a-z0-9\\-]*:[0-9]{12}:[a-z\\-]*\\/)?([a-zA-Z0-9]([a-zA-Z0-9-]){0,62})(?<!-)';
const VERSIONED_ARN_OR_NAME = `${ARN_OR_NAME}(\\/[0-9]{1,9})?`;
const ARN_OR_NAME_RE =
  /^(?:arn:aws[a-z-]*:sagemaker:[a-z0-9-]*:[0-9]{12}:([a-z-]*)\/)?([a-zA-Z0-9][a-zA-Z0-9-]{0,62})$/;
const VERSIONED_RE =
  /^(?:arn:aws[a-z-]*:sagemaker:[a-z0-9-]*:[0-9]{12}:([a-z-]*)\/)?([a-zA-Z0-9][a-zA-Z0-9-]{0,62})(?:\/([0-9]{1,9}))?$/;
const APPROVAL = ['Approved', 'Rejected', 'PendingManualApproval'];

const epoch = (ms: number) => ms / 1000;

function entityName(input: Json, key: string, member: string): string {
  const v = required(input, key, member);
  if (!ENTITY_NAME_RE.test(v)) throw badName(member, v, ENTITY_NAME);
  return v;
}

/** A group name from a name or a model-package-group ARN ([BC-SM] ArnOrName). */
function groupNameOf(value: string, member: string): string {
  const m = ARN_OR_NAME_RE.exec(value);
  if (!m || m[2].endsWith('-') || (m[1] !== undefined && m[1] !== 'model-package-group')) {
    throw badName(member, value, ARN_OR_NAME, 170);
  }
  return m[2];
}

/** The key of a package in RegionState.modelPackages: `<group>/<version>` or `<name>`, lower-cased. */
function packageKeyOf(value: string, member: string): string {
  const m = VERSIONED_RE.exec(value);
  if (!m || m[2].endsWith('-') || (m[1] !== undefined && m[1] !== 'model-package')) {
    throw badName(member, value, VERSIONED_ARN_OR_NAME, 176);
  }
  return (m[3] === undefined ? m[2] : `${m[2]}/${Number(m[3])}`).toLowerCase();
}

function approvalStatus(input: Json): string | undefined {
  const v = input.ModelApprovalStatus;
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || !APPROVAL.includes(v)) {
    throw validation(
      `1 validation error detected: Value '${String(v)}' at 'modelApprovalStatus' failed to satisfy constraint: ` +
        'Member must satisfy enum value set: [PendingManualApproval, Approved, Rejected]',
    );
  }
  return v;
}

/** [BC-SM] CustomerMetadataMap: 1–50 entries, keys 1–128 and values 1–256 characters. */
function customerMetadata(value: unknown, member: string): Record<string, string> | undefined {
  if (value === undefined) return undefined;
  const entries = typeof value === 'object' && value !== null ? Object.entries(value as Json) : [];
  if (entries.length < 1 || entries.length > 50) {
    throw validation(
      `1 validation error detected: Value at '${member}' failed to satisfy constraint: Member must have length ` +
        (entries.length < 1 ? 'greater than or equal to 1' : 'less than or equal to 50'),
    );
  }
  for (const [k, v] of entries) {
    if (k.length < 1 || k.length > 128 || typeof v !== 'string' || v.length < 1 || v.length > 256) {
      throw validation(
        `1 validation error detected: Value '${k}' at '${member}' failed to satisfy constraint: Map keys must have ` +
          'length between 1 and 128 and values between 1 and 256',
      );
    }
  }
  return Object.fromEntries(entries as [string, string][]);
}

// ---------------------------------------------------------------------------------------------------------------
// Groups

function groupArn(ctx: EmulatorContext, region: RegionState, name: string): string {
  return arn(ctx.config, region.name, 'model-package-group', name);
}

function getGroup(ctx: EmulatorContext, region: RegionState, name: string) {
  const g = region.modelPackageGroups.get(name.toLowerCase());
  if (!g) throw validation(`ModelPackageGroup ${groupArn(ctx, region, name)} does not exist.`);
  return g;
}

const createModelPackageGroup: Handler = (ctx, region, input) => {
  const name = entityName(input, 'ModelPackageGroupName', 'modelPackageGroupName');
  const groupArnText = groupArn(ctx, region, name);
  if (region.modelPackageGroups.has(name.toLowerCase())) {
    throw validation(`Model Package Group already exists: ${groupArnText}`);
  }
  region.modelPackageGroups.set(name.toLowerCase(), {
    name,
    arn: groupArnText,
    createdAt: Date.now(),
    ...(typeof input.ModelPackageGroupDescription === 'string'
      ? { description: input.ModelPackageGroupDescription }
      : {}),
    tags: Array.isArray(input.Tags) ? input.Tags : [],
    nextVersion: 1,
  });
  return { body: { ModelPackageGroupArn: groupArnText }, changed: true, resourceName: name };
};

const describeModelPackageGroup: Handler = (ctx, region, input) => {
  const g = getGroup(
    ctx,
    region,
    groupNameOf(required(input, 'ModelPackageGroupName', 'modelPackageGroupName'), 'modelPackageGroupName'),
  );
  return {
    body: {
      ModelPackageGroupName: g.name,
      ModelPackageGroupArn: g.arn,
      ...(g.description !== undefined ? { ModelPackageGroupDescription: g.description } : {}),
      CreationTime: epoch(g.createdAt),
      CreatedBy: {},
      ModelPackageGroupStatus: 'Completed',
    },
    changed: false,
    resourceName: g.name,
  };
};

const listModelPackageGroups: Handler = (_ctx, region, input) => ({
  body: page(
    input,
    [...region.modelPackageGroups.values()].map((g) => ({
      name: g.name,
      createdAt: g.createdAt,
      summary: {
        ModelPackageGroupName: g.name,
        ModelPackageGroupArn: g.arn,
        ...(g.description !== undefined ? { ModelPackageGroupDescription: g.description } : {}),
        CreationTime: epoch(g.createdAt),
        ModelPackageGroupStatus: 'Completed',
      },
    })),
    'ModelPackageGroupSummaryList',
    10,
    'Ascending',
  ),
  changed: false,
});

const deleteModelPackageGroup: Handler = (ctx, region, input) => {
  const g = getGroup(
    ctx,
    region,
    groupNameOf(required(input, 'ModelPackageGroupName', 'modelPackageGroupName'), 'modelPackageGroupName'),
  );
  const versions = [...region.modelPackages.values()].filter((p) => p.group?.toLowerCase() === g.name.toLowerCase());
  if (versions.length > 0) {
    throw new AwsError(
      'ConflictException',
      `Model Package Group ${g.arn} cannot be deleted: it still holds ${versions.length} model package version(s). ` +
        'Delete them first (DeleteModelPackage).',
    );
  }
  region.modelPackageGroups.delete(g.name.toLowerCase());
  return { body: {}, changed: true, resourceName: g.name };
};

// ---------------------------------------------------------------------------------------------------------------
// Packages

function packageArn(ctx: EmulatorContext, region: RegionState, key: string): string {
  return arn(ctx.config, region.name, 'model-package', key);
}

/** A model package by name, `<group>/<version>` or ARN; ValidationException when there is none. */
export function getModelPackage(
  ctx: EmulatorContext,
  region: RegionState,
  nameOrArn: string,
  member = 'modelPackageName',
): ModelPackageRecord {
  const key = packageKeyOf(nameOrArn, member);
  const p = region.modelPackages.get(key);
  if (!p) throw validation(`ModelPackage ${packageArn(ctx, region, key)} does not exist.`);
  return p;
}

/** The version ARN CreateModelPackage would make next in `group` (IAM authorizes the call on it). */
export function nextVersionKey(region: RegionState | undefined, group: string): string {
  const next = region?.modelPackageGroups.get(group.toLowerCase())?.nextVersion ?? 1;
  return `${group.toLowerCase()}/${next}`;
}

function checkInferenceSpecification(spec: unknown, member: string): void {
  if (spec === undefined) return;
  const containers = (spec as Json | null)?.Containers;
  if (!Array.isArray(containers)) {
    throw validation(
      `1 validation error detected: Value null at '${member}.containers' failed to satisfy constraint: Member must ` +
        'not be null',
    );
  }
  if (containers.length < 1 || containers.length > 15) {
    throw validation(
      `1 validation error detected: Value at '${member}.containers' failed to satisfy constraint: Member must have ` +
        `length ${containers.length < 1 ? 'greater than or equal to 1' : 'less than or equal to 15'}`,
    );
  }
}

const createModelPackage: Handler = (ctx, region, input) => {
  const hasName = input.ModelPackageName !== undefined;
  const hasGroup = input.ModelPackageGroupName !== undefined;
  if (hasName && hasGroup) {
    throw validation(
      'Both ModelPackageName and ModelPackageGroupName are provided in the input. Cannot determine which one to use.',
    );
  }
  if (!hasName && !hasGroup) throw validation('Missing ARN.');
  const status = approvalStatus(input);
  checkInferenceSpecification(input.InferenceSpecification, 'inferenceSpecification');
  if (input.InferenceSpecification === undefined && input.SourceAlgorithmSpecification === undefined) {
    throw validation(
      'A model package needs InferenceSpecification (its containers) or SourceAlgorithmSpecification ([BC-SM] ' +
        'CreateModelPackage).',
    );
  }
  const metadata = customerMetadata(input.CustomerMetadataProperties, 'customerMetadataProperties');
  const token = typeof input.ClientToken === 'string' ? input.ClientToken : undefined;
  const tokens = region.modelPackageTokens;
  const earlier = token === undefined ? undefined : tokens.get(token);
  if (earlier !== undefined && region.modelPackages.has(earlier.split(':model-package/')[1])) {
    return { body: { ModelPackageArn: earlier }, changed: false };
  }
  const {
    Tags,
    ClientToken: _token,
    ModelPackageName: _name,
    ModelPackageGroupName: _group,
    ModelApprovalStatus: _status,
    CustomerMetadataProperties: _metadata,
    ...request
  } = input;
  const now = Date.now();
  let record: ModelPackageRecord;
  if (hasGroup) {
    const group = getGroup(
      ctx,
      region,
      groupNameOf(required(input, 'ModelPackageGroupName', 'modelPackageGroupName'), 'modelPackageGroupName'),
    );
    if (Array.isArray(Tags) && Tags.length > 0) {
      throw validation(
        'Tags cannot be given to a versioned model package: it uses the tags associated with its model group.',
      );
    }
    const version = group.nextVersion++;
    const key = `${group.name.toLowerCase()}/${version}`;
    record = {
      arn: packageArn(ctx, region, key),
      name: group.name,
      group: group.name,
      version,
      createdAt: now,
      request,
      approvalStatus: status ?? 'PendingManualApproval',
      ...(metadata ? { customerMetadata: metadata } : {}),
      tags: [],
    };
    region.modelPackages.set(key, record);
  } else {
    const name = entityName(input, 'ModelPackageName', 'modelPackageName');
    const key = name.toLowerCase();
    if (region.modelPackages.has(key)) {
      throw validation(`Model Package already exists: ${packageArn(ctx, region, key)}`);
    }
    record = {
      arn: packageArn(ctx, region, key),
      name,
      createdAt: now,
      request,
      ...(metadata ? { customerMetadata: metadata } : {}),
      tags: Array.isArray(Tags) ? Tags : [],
    };
    region.modelPackages.set(key, record);
  }
  if (token !== undefined) tokens.set(token, record.arn);
  return { body: { ModelPackageArn: record.arn }, changed: true, resourceName: record.arn };
};

/** The image digest a registry records for a container ([BC-SM] ImageDigest "sha256:<64 hex>"). */
function imageDigest(image: string): string {
  return `sha256:${createHash('sha256').update(image).digest('hex')}`;
}

function describeBody(p: ModelPackageRecord): Json {
  const spec = p.request.InferenceSpecification as Json | undefined;
  const containers = Array.isArray(spec?.Containers) ? (spec.Containers as Json[]) : undefined;
  return {
    ...p.request,
    ModelPackageName: p.name,
    ...(p.group !== undefined ? { ModelPackageGroupName: p.group, ModelPackageVersion: p.version } : {}),
    ModelPackageArn: p.arn,
    CreationTime: epoch(p.createdAt),
    ...(spec && containers
      ? {
          InferenceSpecification: {
            ...spec,
            Containers: containers.map((c) =>
              typeof c.Image === 'string' && c.ImageDigest === undefined
                ? { ...c, ImageDigest: imageDigest(c.Image) }
                : c,
            ),
          },
        }
      : {}),
    ModelPackageStatus: 'Completed',
    ModelPackageStatusDetails: { ValidationStatuses: [], ImageScanStatuses: [] },
    CertifyForMarketplace: p.request.CertifyForMarketplace === true,
    ...(p.approvalStatus !== undefined ? { ModelApprovalStatus: p.approvalStatus } : {}),
    CreatedBy: {},
    ...(p.modifiedAt !== undefined ? { LastModifiedTime: epoch(p.modifiedAt), LastModifiedBy: {} } : {}),
    ...(p.approvalDescription !== undefined ? { ApprovalDescription: p.approvalDescription } : {}),
    ...(p.customerMetadata ? { CustomerMetadataProperties: p.customerMetadata } : {}),
  };
}

const describeModelPackage: Handler = (ctx, region, input) => {
  const p = getModelPackage(ctx, region, required(input, 'ModelPackageName', 'modelPackageName'));
  return { body: describeBody(p), changed: false, resourceName: p.arn };
};

const listModelPackages: Handler = (ctx, region, input) => {
  const groupFilter =
    typeof input.ModelPackageGroupName === 'string'
      ? groupNameOf(input.ModelPackageGroupName, 'modelPackageGroupName').toLowerCase()
      : undefined;
  // Naming a group lists its versions, whatever ModelPackageType says.
  const type = groupFilter !== undefined ? 'Versioned' : String(input.ModelPackageType ?? 'Unversioned');
  const approval = approvalStatus(input);
  const items = [...region.modelPackages.values()].filter(
    (p) =>
      (type === 'Both' || (type === 'Versioned') === (p.group !== undefined)) &&
      (groupFilter === undefined || p.group?.toLowerCase() === groupFilter) &&
      (approval === undefined || p.approvalStatus === approval),
  );
  return {
    body: page(
      input,
      items.map((p) => ({
        name: p.name,
        createdAt: p.createdAt,
        tiebreak: p.version ?? 0,
        summary: {
          ...(p.group !== undefined
            ? { ModelPackageGroupName: p.group, ModelPackageVersion: p.version }
            : { ModelPackageName: p.name }),
          ModelPackageArn: p.arn,
          ...(typeof p.request.ModelPackageDescription === 'string'
            ? { ModelPackageDescription: p.request.ModelPackageDescription }
            : {}),
          CreationTime: epoch(p.createdAt),
          ModelPackageStatus: 'Completed',
          ...(p.approvalStatus !== undefined ? { ModelApprovalStatus: p.approvalStatus } : {}),
        },
      })),
      'ModelPackageSummaryList',
      10,
      'Ascending',
    ),
    changed: false,
  };
};

const MODEL_PACKAGE_ARN_RE = /^arn:aws[a-z-]*:sagemaker:[a-z0-9-]{9,16}:[0-9]{12}:model-package\/\S{1,2048}$/;

const updateModelPackage: Handler = (ctx, region, input) => {
  const packageArnText = required(input, 'ModelPackageArn', 'modelPackageArn');
  if (!MODEL_PACKAGE_ARN_RE.test(packageArnText)) {
    throw badName(
      'modelPackageArn',
      packageArnText,
      'arn:aws[a-z\\-]*:sagemaker:[a-z0-9\\-]{9,16}:[0-9]{12}:model-package/[\\S]{1,2048}',
      2048,
    );
  }
  const p = getModelPackage(ctx, region, packageArnText, 'modelPackageArn');
  const status = approvalStatus(input);
  if (status !== undefined && p.group === undefined) {
    throw validation(
      `ModelApprovalStatus applies to versioned model packages only; ${p.arn} is not in a model package group.`,
    );
  }
  const add = customerMetadata(input.CustomerMetadataProperties, 'customerMetadataProperties');
  const remove = Array.isArray(input.CustomerMetadataPropertiesToRemove)
    ? input.CustomerMetadataPropertiesToRemove.map(String)
    : [];
  const both = remove.filter((k) => add && k in add);
  if (both.length > 0) {
    throw validation(
      `The key(s) [${both.join(', ')}] are in both CustomerMetadataProperties and CustomerMetadataPropertiesToRemove.`,
    );
  }
  if (status !== undefined) p.approvalStatus = status;
  if (typeof input.ApprovalDescription === 'string') p.approvalDescription = input.ApprovalDescription;
  if (add || remove.length > 0) {
    const merged: Record<string, string> = { ...(p.customerMetadata ?? {}), ...(add ?? {}) };
    for (const k of remove) delete merged[k];
    p.customerMetadata = Object.keys(merged).length > 0 ? merged : undefined;
  }
  for (const key of [
    'InferenceSpecification',
    'SourceUri',
    'ModelCard',
    'ModelLifeCycle',
    'ModelPackageRegistrationType',
  ]) {
    if (input[key] !== undefined) p.request[key] = input[key];
  }
  if (Array.isArray(input.AdditionalInferenceSpecificationsToAdd)) {
    const existing = Array.isArray(p.request.AdditionalInferenceSpecifications)
      ? (p.request.AdditionalInferenceSpecifications as unknown[])
      : [];
    p.request.AdditionalInferenceSpecifications = [...existing, ...input.AdditionalInferenceSpecificationsToAdd];
  }
  p.modifiedAt = Date.now();
  return { body: { ModelPackageArn: p.arn }, changed: true, resourceName: p.arn };
};

const deleteModelPackage: Handler = (ctx, region, input) => {
  const p = getModelPackage(ctx, region, required(input, 'ModelPackageName', 'modelPackageName'));
  region.modelPackages.delete(p.arn.split(':model-package/')[1]);
  return { body: {}, changed: true, resourceName: p.arn };
};

export const MODEL_REGISTRY_OPERATIONS: Record<string, Handler> = {
  CreateModelPackageGroup: createModelPackageGroup,
  DescribeModelPackageGroup: describeModelPackageGroup,
  ListModelPackageGroups: listModelPackageGroups,
  DeleteModelPackageGroup: deleteModelPackageGroup,
  CreateModelPackage: createModelPackage,
  DescribeModelPackage: describeModelPackage,
  ListModelPackages: listModelPackages,
  UpdateModelPackage: updateModelPackage,
  DeleteModelPackage: deleteModelPackage,
};

/**
 * What a model built from a package runs: its containers' images and artifacts. A versioned package must be Approved
 * ([BC-SM] CreateModelPackageInput.ModelApprovalStatus: "For versioned models, the value of this parameter must be set
 * to Approved to deploy the model") unless the modelRegistry.requireApproval setting is false; the refusal's wording
 * is ours.
 */
export function containersOfPackage(
  ctx: EmulatorContext,
  region: RegionState,
  nameOrArn: string,
  member: string,
): {
  arn: string;
  containers: Json[];
} {
  const p = getModelPackage(ctx, region, nameOrArn, member);
  if (p.group !== undefined && p.approvalStatus !== 'Approved' && ctx.config.modelRegistry.requireApproval) {
    throw validation(
      `Model package ${p.arn} has ModelApprovalStatus ${p.approvalStatus}: a versioned model package must be ` +
        'Approved to be deployed (UpdateModelPackage ModelApprovalStatus=Approved).',
    );
  }
  const spec = p.request.InferenceSpecification as Json | undefined;
  const containers = Array.isArray(spec?.Containers) ? (spec.Containers as Json[]) : [];
  if (containers.length === 0) {
    throw validation(`Model package ${p.arn} has no InferenceSpecification containers to build a model from.`);
  }
  return { arn: p.arn, containers };
}

const SETTING_KEYS = ['requireApproval'];

/** Refuses Model Registry settings a typo would silently turn into the default. */
export function checkModelRegistrySettings(config: { modelRegistry?: unknown }): void {
  const s = config.modelRegistry;
  if (s === undefined) return;
  if (typeof s !== 'object' || s === null) throw new Error('emulator config modelRegistry must be an object');
  const extra = Object.keys(s).filter((k) => !SETTING_KEYS.includes(k));
  if (extra.length > 0) {
    throw new Error(
      `emulator config modelRegistry has unknown key(s) ${extra.join(', ')} (known: ${SETTING_KEYS.join(', ')})`,
    );
  }
  const v = (s as Json).requireApproval;
  if (v !== undefined && typeof v !== 'boolean') {
    throw new Error(`emulator config modelRegistry.requireApproval must be true or false, got ${JSON.stringify(v)}`);
  }
}
