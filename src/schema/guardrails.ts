// The guardrails section of the spec. Each comparison is candidate vs baseline with a tolerance (the
// non-inferiority margin): how much worse the candidate may be before it counts as a regression.
import { z } from 'zod';

const toggle = <T extends z.ZodRawShape>(shape: T) => z.strictObject({ enabled: z.boolean().default(true), ...shape });

const qualityMetric = (defaultTolerance: number) =>
  z.strictObject({
    /** Absolute drop allowed, e.g. 0.02 = two points of accuracy or 0.02 of ROC AUC. */
    tolerance: z.number().min(0).max(1).default(defaultTolerance),
  });

export const GuardrailsSpec = z.strictObject({
  /** Chance of rolling back a candidate that is not worse, for the whole rollout, shared by all guardrails. */
  alpha: z
    .number()
    .gt(0, 'guardrails.alpha must be above 0')
    .max(0.2, 'guardrails.alpha above 0.2 makes false rollbacks common: use 0.01 to 0.1')
    .default(0.05),
  /**
   * The chance to catch a regression as large as a guardrail's tolerance, as a fixed-horizon plan states its power: a
   * guardrail passes once its upper bound at level `power` is under the tolerance, so a candidate worse by exactly the
   * tolerance passes it with probability at most 1 − power (src/analysis/README.md, "The pass bound"; the bound spends
   * 1 − power over the rollout as the fail side spends alpha). 0.8, the power teams plan fixed-horizon tests with, lets
   * an equal candidate pass after about 60% of the sample such a plan needs (the benchmark's table,
   * src/analysis/README.md). It also sets the information by which a rate or quality guardrail has spent its alpha
   * (design 3 and later: that fixed-horizon plan's; "The information clock" there).
   */
  power: z
    .number()
    .min(0.5, 'guardrails.power below 0.5 would pass most regressions as large as the tolerance: use 0.8 to 0.99')
    .lt(1, 'guardrails.power must be below 1: no test catches every regression as large as the tolerance')
    .default(0.8),
  /** Invocation5XXErrors / Invocations; tolerance is an absolute increase (0.005 = half a percentage point). */
  errorRate5xx: toggle({ tolerance: z.number().min(0).max(1).default(0.005) }).default({
    enabled: true,
    tolerance: 0.005,
  }),
  /** Invocation4XXErrors / Invocations; 4XX are usually the caller's fault, so a wider tolerance. */
  errorRate4xx: toggle({ tolerance: z.number().min(0).max(1).default(0.01) }).default({
    enabled: true,
    tolerance: 0.01,
  }),
  /** ModelLatency; tolerance is a relative increase of the typical latency (0.2 = 20% slower). */
  latency: toggle({ tolerance: z.number().min(0).max(10).default(0.2) }).default({ enabled: true, tolerance: 0.2 }),
  /** Model quality from labelled replay traffic. Leave a metric out to not judge on it. */
  quality: z
    .strictObject({
      accuracy: qualityMetric(0.02).optional(),
      precision: qualityMetric(0.03).optional(),
      recall: qualityMetric(0.03).optional(),
      f1: qualityMetric(0.03).optional(),
      rocAuc: qualityMetric(0.02).optional(),
    })
    .default({ accuracy: { tolerance: 0.02 }, rocAuc: { tolerance: 0.02 } }),
  /**
   * The label-free early guard (src/analysis/score-shift.ts): the candidate's captured live scores against the
   * baseline's on the same randomized traffic; fails when their distribution functions differ by more than the
   * tolerance at some threshold, before any label arrives. On by default when live traffic is captured
   * (traffic.capture or traffic.groundTruth). The tolerance must exceed the shift a legitimate new model makes (the
   * demo's better challenger differs from its champion by 0.29); constant or inverted scores differ by 0.6 to 0.9.
   */
  scoreShift: z
    .strictObject({
      enabled: z.boolean().optional(),
      tolerance: z.number().gt(0, 'guardrails.scoreShift.tolerance must be above 0').max(1).default(0.5),
    })
    .optional(),
  /**
   * Shadow steps only (src/analysis/agreement.ts): the share of mirrored requests on which the candidate's prediction
   * (at the quality threshold) differs from the baseline's answer to the same request; fails when it surely exceeds
   * the tolerance. A better model also flips predictions (the demo's better challenger flips 17% of its champion's,
   * the worse one 14%), so this catches broken models (inverted scores flip nearly all), not small regressions.
   */
  agreement: z
    .strictObject({
      enabled: z.boolean().default(true),
      tolerance: z.number().gt(0, 'guardrails.agreement.tolerance must be above 0').max(1).default(0.3),
    })
    .optional(),
  /** The split actually served must match the weights set; otherwise no comparison can be trusted. */
  sampleRatio: toggle({}).default({ enabled: true }),
  /** CloudWatch alarm names: any of them in ALARM fails the step at once. */
  alarms: z.array(z.string().min(1).max(255)).max(20).default([]),
});

export type GuardrailsSpec = z.output<typeof GuardrailsSpec>;
