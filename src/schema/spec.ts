// The rollout spec: ONE zod schema, used by the CLI (validate before starting), by the workflow (validate again:
// `temporal workflow start` bypasses our CLI), and exported as JSON Schema for editors. Every field not given has a
// default, so the minimal spec of design.md works.
import { z } from 'zod';
import { awsName, dataUrl, duration, s3Prefix } from './names';
import { DURATION_PATTERN, durationMs, firstCohortMs, formatDuration, totalMaxSoakMs } from './duration';
import { GuardrailsSpec } from './guardrails';
import { APPROVER_PATTERN, APPROVER_PATTERN_RULE } from './approvers';
import { NotificationsSpec } from './notifications';
import { phaseIssues } from './phases';

/** Who may act: `approval.approvers` and `approval.rollbackers` (approvers.ts matches them). */
function people(what: string, leftOut: string) {
  return z
    .array(z.string({ error: `${what}: ${APPROVER_PATTERN_RULE}` }).regex(APPROVER_PATTERN, APPROVER_PATTERN_RULE), {
      error: `${what} must be a list such as ["alice@example.com", "*@ml-platform.example.com"]`,
    })
    .min(1, `${what} is empty: leave it out to ${leftOut}, or name who may`)
    .max(100, `${what} has more than 100 entries: use "*@<domain>" patterns`)
    .optional();
}

const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/?[a-zA-Z_0-9+=,.@\-/]+$/;

export const StepSpec = z.strictObject({
  candidateWeight: z
    .number({ error: 'candidateWeight must be a number: the percentage of traffic for the candidate, 1 to 100' })
    .gt(0, 'candidateWeight must be above 0: a step that sends the candidate no traffic tests nothing')
    .max(100, 'candidateWeight is a percentage: at most 100'),
  /** Optional, for people who like to write both halves; must make 100 with candidateWeight. */
  baselineWeight: z.number().min(0).max(100).optional(),
  soak: duration('soak', '1s', '7d').default('10m'),
  /** How long the step may soak while the guardrails are still inconclusive; default 3 × soak. */
  maxSoak: duration('maxSoak', '1s', '30d').optional(),
  approval: z.enum(['none', 'required'], { error: 'approval must be "none" or "required"' }).default('none'),
  /**
   * A shadow step: the baseline answers every caller, and `candidateWeight` percent of its requests are mirrored to
   * the candidate (a SageMaker shadow variant, whose answers reach no caller). Shadow steps come before the live ones.
   */
  shadow: z.boolean({ error: 'shadow must be true or false' }).optional(),
});

/**
 * AWS publishes no delay. Datadog measures CloudWatch's 1-minute metrics available "about 2 minutes" after the minute
 * (its cloud metric delay page); late samples grow a published minute further (AWS Knowledge Center
 * cloudwatch-trigger-metric), by up to 2 minutes in the emulator's aws profile. 5 minutes covers both with a margin.
 */
export const DEFAULT_SETTLE_DELAY = '5m';

export const DEFAULT_STEPS = [
  { candidateWeight: 50, soak: '10m', approval: 'none' as const },
  { candidateWeight: 75, soak: '10m', approval: 'none' as const },
  { candidateWeight: 100, soak: '5m', approval: 'none' as const },
];

const CandidateSpec = z.strictObject({
  variantName: awsName('candidate.variantName').default('Candidate'),
  modelName: awsName('candidate.modelName'),
  /** image, modelDataUrl and executionRoleArn create the model; leave all three out to deploy an existing model. */
  image: z.string().min(1).max(255, 'image is longer than 255 characters, the AWS limit').optional(),
  /**
   * A model package version in the SageMaker Model Registry (instead of image and modelDataUrl): the candidate's model
   * is created from it, and the rollout writes its verdict back to it.
   */
  modelPackageArn: z
    .string()
    .regex(
      /^arn:aws[a-z-]*:sagemaker:[a-z0-9-]+:\d{12}:model-package\/[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}\/\d+$/,
      'modelPackageArn must be a model package version ARN: arn:aws:sagemaker:<region>:<account>:model-package/<group>/<version>',
    )
    .optional(),
  modelDataUrl: dataUrl('candidate.modelDataUrl', ['s3', 'https', 'file']).optional(),
  executionRoleArn: z
    .string()
    .regex(ROLE_ARN, 'executionRoleArn must be an IAM role ARN: arn:aws:iam::<12-digit account>:role/<name>')
    .optional(),
  environment: z.record(z.string().max(1024), z.string().max(1024)).optional(),
  /**
   * The candidate is sized like the baseline unless these say otherwise: latency and 5XX should compare models, not
   * hardware (aws-behaviour.md #10, #11). Default: the baseline's instance type and its live instance count (for a
   * first deployment, ml.m5.large and 1).
   */
  instanceType: z
    .string()
    .regex(/^ml\.[a-z0-9]+\.[a-z0-9]+$/, 'instanceType must be a SageMaker instance type such as "ml.m5.xlarge"')
    .optional(),
  instanceCount: z
    .number()
    .int('instanceCount must be a whole number')
    .min(1, 'instanceCount must be at least 1')
    .max(100, 'instanceCount above 100 is surely a typo: at most 100')
    .optional(),
  /** [BC-SM] ProductionVariant fields, 60–3600 s and 1–512 GB; default: the baseline variant's. */
  containerStartupHealthCheckTimeoutInSeconds: seconds('containerStartupHealthCheckTimeoutInSeconds', 60, 3600),
  modelDataDownloadTimeoutInSeconds: seconds('modelDataDownloadTimeoutInSeconds', 60, 3600),
  volumeSizeInGB: z
    .number()
    .int('volumeSizeInGB must be a whole number of GB')
    .min(1, 'volumeSizeInGB must be at least 1')
    .max(512, 'volumeSizeInGB is at most 512 (SageMaker)')
    .optional(),
  /** The created model's network ([BC-SM] CreateModelInput VpcConfig, EnableNetworkIsolation); default: the baseline model's. */
  vpcConfig: z
    .strictObject({
      securityGroupIds: z.array(vpcId('security group id')).min(1).max(5, 'at most 5 security groups (SageMaker)'),
      subnets: z.array(vpcId('subnet id')).min(1).max(16, 'at most 16 subnets (SageMaker)'),
    })
    .optional(),
  enableNetworkIsolation: z.boolean().optional(),
});

/** Whole seconds within SageMaker's range for a variant's timeout. */
function seconds(name: string, min: number, max: number) {
  return z
    .number()
    .int(`${name} must be a whole number of seconds`)
    .min(min, `${name} must be at least ${min} (SageMaker)`)
    .max(max, `${name} must be at most ${max} (SageMaker)`)
    .optional();
}

/** [BC-SM] SecurityGroupId and SubnetId: up to 32 of [-0-9a-zA-Z]. */
function vpcId(what: string) {
  return z
    .string()
    .max(32)
    .regex(/^[-0-9a-zA-Z]+$/, `a ${what} such as "sg-0123456789abcdef0" or "subnet-0123456789abcdef0"`);
}

const WARM_COUNT =
  'warmInstances must be a whole number of instances from 1 to 100, or "all" for the baseline\'s full size';

/**
 * How the rollout sizes the variants as traffic moves. `followWeights`: at each step each variant's instance count
 * follows its share of traffic (ceil(full size × share), at least one), capacity added before the traffic moves and
 * removed after it. Default: on, unless the baseline is autoscaled (then its scaling owns the counts).
 */
const CapacitySpec = z.strictObject({
  followWeights: z.boolean().optional(),
});

export type RolloutSpec = z.output<typeof RolloutSpec>;
export type RolloutSpecInput = z.input<typeof RolloutSpec>;
export type StepSpec = z.output<typeof StepSpec>;

const ReplaySpec = z.strictObject({
  /** Labelled data: CSV with the label first (SageMaker XGBoost convention), or JSONL {"label":…, "features":[…]}. */
  dataUrl: dataUrl('traffic.replay.dataUrl', ['s3', 'file']),
  format: z.enum(['csv', 'jsonl']).optional(),
  ratePerSecond: z
    .number()
    .gt(0, 'ratePerSecond must be above 0')
    .max(1000, 'ratePerSecond above 1000 would load-test the endpoint, not soak it: at most 1000')
    .default(20),
  /** Rows per InvokeEndpoint request; the XGBoost container scores several CSV rows in one call. */
  rowsPerRequest: z.number().int().min(1).max(100).default(1),
  /** Scores at or above this count as a predicted positive for accuracy, precision, recall and F1. */
  threshold: z.number().min(0).max(1).default(0.5),
  /**
   * Paired probes: every row goes to both variants (InvokeEndpoint's TargetVariant), so accuracy-type metrics, ROC
   * AUC and latency are compared on the same rows (src/analysis/paired.ts). Needs a baseline.
   */
  paired: z.boolean().default(false),
});

/** SageMaker data capture on the A/B endpoint config (DataCaptureConfig): the live predictions the rollout reads. */
const CaptureSpec = z.strictObject({
  /** DataCaptureConfig.DestinationS3Uri: captures land under <s3Uri>/<endpoint>/<variant>/yyyy/mm/dd/hh/. */
  s3Uri: s3Prefix('traffic.capture.s3Uri'),
  /** DataCaptureConfig.InitialSamplingPercentage: the share of requests captured, a whole number 0 to 100. */
  samplingPercent: z
    .number()
    .int('traffic.capture.samplingPercent must be a whole number (SageMaker takes an integer percentage)')
    .min(0)
    .max(100, 'traffic.capture.samplingPercent is a percentage: at most 100')
    .default(100),
});

/**
 * Labels of live predictions that arrive later, in SageMaker Model Monitor's ground-truth format: JSON lines under
 * <s3Uri>/yyyy/mm/dd/hh/, each {"groundTruthData": {"data": "1", "encoding": "CSV"}, "eventMetadata": {"eventId": <the
 * capture's inferenceId, or its eventId>}, "eventVersion": "0"}.
 */
const GroundTruthSpec = z.strictObject({
  s3Uri: s3Prefix('traffic.groundTruth.s3Uri'),
  /** How long labels usually take: shown to people; the guardrails wait for maxLabelDelay. */
  labelDelay: duration('traffic.groundTruth.labelDelay', '0s', '30d').default('10m'),
  /**
   * The label window: a prediction is judged only once this long has passed since it was made, with the label that
   * arrived within it (or as unlabelled); a later label is ignored. Must also cover capture's delivery to S3.
   */
  maxLabelDelay: duration('traffic.groundTruth.maxLabelDelay', '1s', '30d').default('2h'),
  /** Scores at or above this count as predicted positive; must equal traffic.replay.threshold when both are given. */
  threshold: z.number().min(0).max(1).optional(),
});

/** For cross-field checks that run even when a field already failed its own check: NaN for a bad duration. */
function safeDurationMs(text: string): number {
  return DURATION_PATTERN.test(text) ? durationMs(text) : NaN;
}

export const RolloutSpec = z
  .strictObject(
    {
      endpointName: awsName('endpointName'),
      /** AWS region of the endpoint; default: the worker's (AWS_REGION or its profile). */
      region: z
        .string()
        .regex(/^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d$/, 'region must be an AWS region code such as "us-east-1"')
        .optional(),
      /** The live variant. Leave out for a first deployment: the rollout then creates the endpoint. */
      baseline: z.strictObject({ variantName: awsName('baseline.variantName') }).optional(),
      candidate: CandidateSpec,
      steps: z
        .array(StepSpec, { error: 'steps must be a list of { candidateWeight, soak, approval }' })
        .min(1, 'steps is empty: give at least one step, e.g. [{ "candidateWeight": 100, "soak": "5m" }]')
        .max(20, 'more than 20 steps: merge some')
        .default(DEFAULT_STEPS),
      traffic: z
        .strictObject({
          /** Replay a labelled data set during every soak; without it the soak watches live traffic only. */
          replay: ReplaySpec.optional(),
          /** Enable data capture on the A/B config; without it, the endpoint's own capture is read if it has one. */
          capture: CaptureSpec.optional(),
          /** Delayed labels of live predictions: quality guardrails on label-complete cohorts of live traffic. */
          groundTruth: GroundTruthSpec.optional(),
        })
        .default({}),
      evaluation: z
        .strictObject({
          /** How often the guardrails look at the evidence during a soak. */
          interval: duration('evaluation.interval', '1s', '1h').default('30s'),
          /** CloudWatch period of the per-variant metrics; SageMaker publishes 60 s periods. */
          metricPeriod: duration('evaluation.metricPeriod', '1s', '1h').default('60s'),
          /**
           * How long after a CloudWatch period ends it is judged: SageMaker publishes each minute per instance some time
           * after it ends and late samples keep growing it (aws-behaviour.md #4), so a younger period is incomplete and
           * could make a healthy variant look under-served or slow. A step advances, and the rollout promotes, only
           * after its last minutes have settled and passed.
           */
          settleDelay: duration('evaluation.settleDelay', '0s', '1h').default(DEFAULT_SETTLE_DELAY),
          /** When a step's maxSoak passes with guardrails still inconclusive: advance, roll back, or ask a human. */
          onInconclusive: z.enum(['pass', 'fail', 'ask']).default('ask'),
        })
        .default({ interval: '30s', metricPeriod: '60s', settleDelay: DEFAULT_SETTLE_DELAY, onInconclusive: 'ask' }),
      guardrails: GuardrailsSpec.default(GuardrailsSpec.parse({})),
      approval: z
        .strictObject({
          timeout: duration('approval.timeout', '1s', '30d').default('24h'),
          /** What an approval nobody gives in time does: roll back (safe default) or approve. */
          onTimeout: z.enum(['rollback', 'approve']).default('rollback'),
          /** Who may approve; left out, anyone who can reach the workflow in Temporal may. */
          approvers: people('approval.approvers', 'let anyone approve'),
          /**
           * Who may roll back; left out, anyone may: rolling back restores what served before, the safe direction
           * (Argo Rollouts' abort and Flagger's rollback gate are open to any operator too).
           */
          rollbackers: people('approval.rollbackers', 'let anyone roll back'),
        })
        .default({ timeout: '24h', onTimeout: 'rollback' }),
      /** Webhooks told of approval requests, failed guardrails and the outcome (Slack-compatible JSON). */
      notifications: NotificationsSpec.default([]),
      capacity: CapacitySpec.default({}),
      /**
       * After the last step: `bake` keeps the baseline deployed at weight 0 on `warmInstances` warm instances (default
       * 1; "all": its full size) while the candidate serves everything and the guardrails keep watching it; a failure or
       * a rollback then shifts traffic back in seconds, onto instances that are up. Without it the baseline is removed
       * at once.
       */
      promotion: z
        .strictObject({
          bake: duration('promotion.bake', '1s', '30d').optional(),
          warmInstances: z
            .union([z.number().int(WARM_COUNT).min(1, WARM_COUNT).max(100, WARM_COUNT), z.literal('all')], {
              error: WARM_COUNT,
            })
            .optional(),
        })
        .optional(),
      /** A failed guardrail rolls back at once, or pauses for a human (teams moving from manual to automatic). */
      onFailure: z.enum(['rollback', 'pause']).default('rollback'),
      cleanup: z
        .strictObject({
          /** Delete the endpoint config the rollout replaced (it was not created by the rollout; kept by default). */
          deleteReplacedEndpointConfig: z.boolean().default(false),
          /** Delete the candidate's model on rollback when the rollout created it. */
          deleteCandidateModel: z.boolean().default(true),
        })
        .default({ deleteReplacedEndpointConfig: false, deleteCandidateModel: true }),
      preflight: z
        .strictObject({
          /**
           * How long preflight waits for an endpoint that is Updating or SystemUpdating (autoscaling, maintenance) to be
           * InService before it refuses the rollout.
           */
          waitForInService: duration('preflight.waitForInService', '1s', '1h').default('15m'),
        })
        .default({ waitForInService: '15m' }),
    },
    {
      error: (iss) =>
        iss.code === 'invalid_type'
          ? 'the rollout spec must be a JSON object: {"endpointName": …, "candidate": {…}}'
          : undefined,
    },
  )
  .superRefine((spec, ctx) => {
    const issue = (path: (string | number)[], message: string) => ctx.addIssue({ code: 'custom', path, message });
    const c = spec.candidate;
    const modelFields = [c.image, c.modelDataUrl, c.executionRoleArn].filter((v) => v !== undefined).length;
    if (c.modelPackageArn !== undefined) {
      if (c.image !== undefined || c.modelDataUrl !== undefined) {
        issue(
          ['candidate', 'modelPackageArn'],
          'a model package holds the image and the model data: leave out image and modelDataUrl, or leave out modelPackageArn',
        );
      }
      if (c.executionRoleArn === undefined) {
        issue(
          ['candidate', 'executionRoleArn'],
          'a model created from a model package still runs as a role: give executionRoleArn',
        );
      }
    } else if (modelFields !== 0 && modelFields !== 3) {
      issue(
        ['candidate'],
        'give image, modelDataUrl and executionRoleArn together (to create the model), or none (to deploy an existing model)',
      );
    }
    if (modelFields === 0) {
      for (const field of ['vpcConfig', 'enableNetworkIsolation'] as const) {
        if (c[field] !== undefined) {
          issue(
            ['candidate', field],
            `${field} applies to the model the rollout creates: give image, modelDataUrl and executionRoleArn too, or leave it out (an existing model keeps its own)`,
          );
        }
      }
    }
    if (spec.baseline && spec.baseline.variantName === c.variantName) {
      issue(
        ['candidate', 'variantName'],
        `candidate.variantName equals the baseline's ("${c.variantName}"): pick another name`,
      );
    }
    liveQualityIssues(spec, issue);
    phaseIssues(spec, issue);
    spec.steps.forEach((step, i) => {
      if (step.baselineWeight !== undefined && Math.abs(step.baselineWeight + step.candidateWeight - 100) > 1e-9) {
        issue(
          ['steps', i, 'baselineWeight'],
          `weights add up to ${step.baselineWeight + step.candidateWeight}, not 100: set baselineWeight to ${100 - step.candidateWeight} or leave it out`,
        );
      }
      if (!spec.baseline && step.candidateWeight !== 100) {
        issue(
          ['steps', i, 'candidateWeight'],
          'a first deployment (no baseline) serves all traffic from the candidate: set 100, or name the live variant in baseline.variantName',
        );
      }
      if (step.maxSoak && safeDurationMs(step.maxSoak) < safeDurationMs(step.soak)) {
        issue(
          ['steps', i, 'maxSoak'],
          `maxSoak (${step.maxSoak}) is shorter than soak (${step.soak}): make it at least as long`,
        );
      }
    });
  });

/** Cross-field checks of traffic.capture, traffic.groundTruth and traffic.replay.paired. */
function liveQualityIssues(spec: RolloutSpec, issue: (path: (string | number)[], message: string) => void): void {
  const { replay, groundTruth, capture } = spec.traffic;
  if (!spec.baseline) {
    if (replay?.paired) {
      issue(['traffic', 'replay', 'paired'], 'paired probes compare two variants: a first deployment has no baseline');
    }
    if (groundTruth || capture) {
      const field = groundTruth ? 'groundTruth' : 'capture';
      issue(
        ['traffic', field],
        `traffic.${field} compares the live variants: a first deployment has no baseline to compare with; leave it out`,
      );
    }
  }
  if (!groundTruth) return;
  const { labelDelay, maxLabelDelay } = groundTruth;
  const valid = DURATION_PATTERN.test(labelDelay) && DURATION_PATTERN.test(maxLabelDelay);
  if (valid && durationMs(maxLabelDelay) < durationMs(labelDelay)) {
    issue(
      ['traffic', 'groundTruth', 'maxLabelDelay'],
      `maxLabelDelay (${maxLabelDelay}) is shorter than labelDelay (${labelDelay}): the window must cover the usual delay`,
    );
  }
  if (groundTruth.threshold !== undefined && replay && replay.threshold !== groundTruth.threshold) {
    issue(
      ['traffic', 'groundTruth', 'threshold'],
      `threshold ${groundTruth.threshold} differs from traffic.replay.threshold ${replay.threshold}: both judge the same ` +
        'guardrails, give one threshold',
    );
  }
  const stepsValid = spec.steps.every(
    (s) => DURATION_PATTERN.test(s.soak) && (!s.maxSoak || DURATION_PATTERN.test(s.maxSoak)),
  );
  if (valid && stepsValid && DURATION_PATTERN.test(spec.evaluation.interval)) {
    const soakable = totalMaxSoakMs(spec.steps);
    const first = firstCohortMs(spec);
    if (!replay && Object.keys(spec.guardrails.quality).length > 0 && first > soakable) {
      issue(
        ['traffic', 'groundTruth', 'maxLabelDelay'],
        `no live prediction's label window (maxLabelDelay ${maxLabelDelay}) can close before the steps' maxSoak ` +
          `(${formatDuration(soakable)} in all) runs out, so quality could never be judged: soak longer (at least ` +
          `${formatDuration(first)} in all) or shorten maxLabelDelay`,
      );
    }
  }
}
