// What a rollout costs in instances: how many each variant runs at each step when capacity follows the weights, the
// peak while an endpoint update holds the old fleet and the new one, and the instance-hours of the whole rollout
// against a fixed double fleet. Pure and zod-free: the CLI prints it, the workflow computes its counts with it and
// records its totals.
//
// [BC-SM] UpdateEndpoint "Deploys the EndpointConfig specified in the request to a new fleet of instances … and then
// deletes the old instances", so each update briefly holds both fleets (aws-behaviour.md #3): 2N+M instances at the
// A/B deploy and N+2M at promotion for a baseline of N and a candidate of M. UpdateEndpointWeightsAndCapacities
// changes a live variant's count in place ([BC-SM] DesiredWeightAndCapacity), which is how capacity follows traffic.
import { durationMs } from './duration';

/**
 * The instances a variant needs for its share of the traffic: its full size times the share, rounded up, and never
 * below one. A variant at weight 0 still exists (the candidate before its first step, the baseline at 100% candidate,
 * which a rollback returns to), and SageMaker's DesiredInstanceCount is at least 1 ([BC-SM] TaskCount min 1).
 */
export function instancesForShare(fullSize: number, weightPercent: number): number {
  // The small tolerance keeps 3 × 100/3 % at 1, not 2, despite floating point.
  return Math.max(1, Math.ceil((fullSize * weightPercent) / 100 - 1e-9));
}

/** Each variant's instance count at a candidate weight, when capacity follows the weights (and its full size when not). */
export function instancesAt(
  sizes: { baseline: number; candidate: number },
  candidateWeight: number,
  followWeights: boolean,
): { baseline: number; candidate: number } {
  if (!followWeights) return sizes;
  return {
    baseline: instancesForShare(sizes.baseline, 100 - candidateWeight),
    candidate: instancesForShare(sizes.candidate, candidateWeight),
  };
}

/** AWS publishes no figure for how long an endpoint update takes; minutes is what users report (aws-behaviour.md #3). */
export const DEFAULT_UPDATE_MINUTES = 5;

export interface CapacityPlanInput {
  /** N: the baseline's instances (its live count). */
  baselineInstances: number;
  /** M: the candidate's full size (by default the baseline's). */
  candidateInstances: number;
  followWeights: boolean;
  steps: { candidateWeight: number; soak: string }[];
  /** How long an endpoint update or a scale-out takes, in minutes. */
  updateMinutes?: number;
  /** promotion.bake: its duration and the baseline's warm instances meanwhile (phases.ts warmInstancesOf). */
  bake?: { duration: string; warmInstances: number };
}

export interface CapacityPhase {
  what: string;
  baseline: number;
  candidate: number;
  /** Instances held meanwhile (both fleets during an endpoint update). */
  instances: number;
  hours: number;
}

export interface CapacityPlan {
  phases: CapacityPhase[];
  peak: { instances: number; during: string };
  instanceHours: number;
  /** What a rollback's restore holds at its worst: the restored baseline's new fleet beside the old A/B fleet. */
  rollbackPeak: number;
  /** The same rollout with both variants at full size throughout. */
  fixedDouble: { peak: number; instanceHours: number };
}

function phases(input: CapacityPlanInput, followWeights: boolean): CapacityPhase[] {
  const sizes = { baseline: input.baselineInstances, candidate: input.candidateInstances };
  const updateHours = (input.updateMinutes ?? DEFAULT_UPDATE_MINUTES) / 60;
  const out: CapacityPhase[] = [];
  let now = instancesAt(sizes, 0, followWeights);
  // The A/B update: the serving baseline, and the new fleet of the baseline (its live count kept) and the candidate.
  out.push({
    what: 'deploy (A/B update)',
    baseline: sizes.baseline,
    candidate: now.candidate,
    instances: sizes.baseline + sizes.baseline + now.candidate,
    hours: updateHours,
  });
  const shift = (what: string, weight: number, hours: number) => {
    const next = instancesAt(sizes, weight, followWeights);
    // Capacity is added before the traffic moves: while the new instances come up both counts are at their larger.
    if (next.baseline > now.baseline || next.candidate > now.candidate) {
      const baseline = Math.max(now.baseline, next.baseline);
      const candidate = Math.max(now.candidate, next.candidate);
      out.push({
        what: `${what}: adding capacity`,
        baseline,
        candidate,
        instances: baseline + candidate,
        hours: updateHours,
      });
    }
    now = next;
    if (hours > 0) out.push({ what, ...now, instances: now.baseline + now.candidate, hours });
  };
  input.steps.forEach((step, i) =>
    shift(
      `step ${i + 1} (${step.candidateWeight}% candidate)`,
      step.candidateWeight,
      durationMs(step.soak) / 3_600_000,
    ),
  );
  if (input.steps.at(-1)?.candidateWeight !== 100) shift('promotion: 100% candidate', 100, 0);
  if (input.bake) {
    // The bake sets the baseline to its warm count in place (UpdateEndpointWeightsAndCapacities), growing or shrinking it.
    const warm = input.bake.warmInstances;
    if (warm > now.baseline) {
      out.push({
        what: 'bake: warming the baseline',
        baseline: warm,
        candidate: now.candidate,
        instances: warm + now.candidate,
        hours: updateHours,
      });
    }
    now = { baseline: warm, candidate: now.candidate };
    out.push({
      what: `bake (baseline warm on ${warm})`,
      ...now,
      instances: now.baseline + now.candidate,
      hours: durationMs(input.bake.duration) / 3_600_000,
    });
  }
  // The final update: the A/B fleet serving, and the candidate's new fleet (its live count kept).
  out.push({
    what: 'promotion (candidate alone)',
    ...now,
    instances: now.baseline + 2 * now.candidate,
    hours: updateHours,
  });
  return out;
}

function summed(list: CapacityPhase[]): { peak: { instances: number; during: string }; instanceHours: number } {
  let peak = list[0];
  for (const p of list) if (p.instances > peak.instances) peak = p;
  const instanceHours = list.reduce((sum, p) => sum + p.instances * p.hours, 0);
  return { peak: { instances: peak.instances, during: peak.what }, instanceHours };
}

/** The instances of a rollout that promotes, phase by phase, with soaks at their minimum. */
export function capacityPlan(input: CapacityPlanInput): CapacityPlan {
  const planned = phases(input, input.followWeights);
  const fixed = summed(phases(input, false));
  const { peak, instanceHours } = summed(planned);
  // A rollback adds the baseline back to its full size first (followWeights), brings the candidate down to one, and
  // restores the original config: the old fleet (N + the candidate's) beside the restored baseline's N. One during
  // the bake moves the traffic back at once and restores the config from there: the old fleet (the warm W + the
  // candidate's M) beside the restored baseline's W (its live count kept).
  const candidateAtRollback = input.followWeights ? 1 : input.candidateInstances;
  const bakeRollback = input.bake ? 2 * input.bake.warmInstances + input.candidateInstances : 0;
  return {
    phases: planned,
    peak,
    instanceHours,
    rollbackPeak: Math.max(2 * input.baselineInstances + candidateAtRollback, bakeRollback),
    fixedDouble: { peak: fixed.peak.instances, instanceHours: fixed.instanceHours },
  };
}

const hours = (h: number) => (h >= 10 ? h.toFixed(0) : h >= 1 ? h.toFixed(1) : h.toFixed(2));

/** The plan's totals in one line: the peak, a rollback's, and the instance-hours against a fixed double fleet. */
export function summarizeCapacityPlan(input: CapacityPlanInput, plan = capacityPlan(input)): string {
  const updateMinutes = input.updateMinutes ?? DEFAULT_UPDATE_MINUTES;
  return (
    `peak ${plan.peak.instances} instances during ${plan.peak.during}, a rollback's restore up to ${plan.rollbackPeak}; ` +
    `about ${hours(plan.instanceHours)} instance-hours (soaks at their minimum, ${updateMinutes} min per update) ` +
    `against ${hours(plan.fixedDouble.instanceHours)} for a fixed double fleet (peak ${plan.fixedDouble.peak})`
  );
}

/** The plan phase by phase, for `model-rollout validate` and `start`. */
export function describeCapacityPlan(input: CapacityPlanInput, plan = capacityPlan(input)): string[] {
  const updateMinutes = input.updateMinutes ?? DEFAULT_UPDATE_MINUTES;
  const sizes = `baseline ${input.baselineInstances}, candidate ${input.candidateInstances} instance(s)`;
  const lines = [
    `capacity (${sizes}; ${input.followWeights ? 'capacity follows the weights' : 'both variants at full size'}):`,
    ...plan.phases.map(
      (p) =>
        `  ${p.what}: ${p.instances} instance(s)` +
        (p.instances !== p.baseline + p.candidate
          ? ` (old and new fleets)`
          : ` (baseline ${p.baseline}, candidate ${p.candidate})`),
    ),
    `  peak: ${plan.peak.instances} instances during ${plan.peak.during}; a rollback's restore needs up to ${plan.rollbackPeak}`,
    `  about ${hours(plan.instanceHours)} instance-hours (soaks at their minimum, ${updateMinutes} min per update), ` +
      `against ${hours(plan.fixedDouble.instanceHours)} for a fixed double fleet (peak ${plan.fixedDouble.peak})`,
  ];
  return lines;
}
