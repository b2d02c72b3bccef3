// A rollout's phases: shadow steps (the candidate mirrors a share of production traffic and answers no caller), then
// live steps (callers are routed to it by weight), then an optional bake (it serves everything while the baseline
// stays warm at weight 0). Zod-free (the spec's types are imported as types only): the workflow imports this file.
import type { RolloutSpec, StepSpec } from './spec';

export const isShadowStep = (step: Pick<StepSpec, 'shadow'>): boolean => step.shadow === true;

/** Whether the spec has shadow steps (they come first: the spec refuses them after a live step). */
export function hasShadowSteps(spec: { steps: readonly Pick<StepSpec, 'shadow'>[] }): boolean {
  return spec.steps.some(isShadowStep);
}

/** The post-promotion bake's duration, if the spec asks for one (older specs have no `promotion` at all). */
export function bakeOf(spec: Pick<RolloutSpec, 'promotion'>): string | undefined {
  return spec.promotion?.bake;
}

/**
 * The instances the baseline runs during the bake: `promotion.warmInstances`, "all" being its full size (the count it
 * served with before the rollout); 1 by default, the least a variant runs on ([BC-SM] DesiredInstanceCount ≥ 1).
 */
export function warmInstancesOf(spec: Pick<RolloutSpec, 'promotion'>, fullSize: number): number {
  const warm = spec.promotion?.warmInstances ?? 1;
  return warm === 'all' ? fullSize : warm;
}

/** The bake's part of a capacity plan (capacity.ts CapacityPlanInput.bake), for a baseline of `fullSize` instances. */
export function bakePlan(
  spec: Pick<RolloutSpec, 'promotion'>,
  fullSize: number,
): { bake?: { duration: string; warmInstances: number } } {
  const bake = bakeOf(spec);
  return bake ? { bake: { duration: bake, warmInstances: warmInstancesOf(spec, fullSize) } } : {};
}

/** The steps of the phase step `index` belongs to: the shadow steps, or the live ones. */
export function phaseStepsOf<S extends Pick<StepSpec, 'shadow'>>(steps: readonly S[], index: number): S[] {
  const shadow = isShadowStep(steps[index]);
  return steps.filter((s) => isShadowStep(s) === shadow);
}

/**
 * How many phases judge the candidate: live steps always, shadow steps and the bake when the spec has them. Each is a
 * test of its own with its own chance of a false rollback, so each judges at alpha / phases (Bonferroni): a candidate
 * that is not worse is rolled back anywhere in the rollout with probability at most the spec's alpha. A spec without
 * shadow steps or bake has one phase, and its guardrails judge at the whole alpha, as before.
 */
export function phaseCount(spec: Pick<RolloutSpec, 'steps' | 'promotion'>): number {
  return 1 + (hasShadowSteps(spec) ? 1 : 0) + (bakeOf(spec) !== undefined ? 1 : 0);
}

type Issue = (path: (string | number)[], message: string) => void;

/** Cross-field checks of shadow steps and the bake (from the spec's superRefine). */
export function phaseIssues(spec: RolloutSpec, issue: Issue): void {
  const firstLive = spec.steps.findIndex((s) => !isShadowStep(s));
  spec.steps.forEach((step, i) => {
    if (!isShadowStep(step)) return;
    if (!spec.baseline) {
      issue(
        ['steps', i, 'shadow'],
        'a shadow step mirrors the baseline\'s traffic: a first deployment has no baseline; leave "shadow" out',
      );
    } else if (firstLive !== -1 && i > firstLive) {
      issue(
        ['steps', i, 'shadow'],
        `shadow steps come before the live steps: step ${i + 1} mirrors traffic after step ${firstLive + 1} already ` +
          'served callers from the candidate; move it before the live steps',
      );
    }
    if (step.baselineWeight !== undefined) {
      issue(
        ['steps', i, 'baselineWeight'],
        'a shadow step serves every caller from the baseline: candidateWeight is the share of requests mirrored; ' +
          'leave baselineWeight out',
      );
    }
  });
  if (spec.baseline && firstLive === -1) {
    issue(
      ['steps'],
      'every step is a shadow step, so no caller would ever be served by the candidate before promotion: add a live ' +
        'step after them, e.g. { "candidateWeight": 100, "soak": "10m" }',
    );
  }
  const bake = bakeOf(spec);
  if (spec.promotion?.warmInstances !== undefined && bake === undefined) {
    issue(
      ['promotion', 'warmInstances'],
      'warmInstances is how many instances the baseline keeps during the bake: add promotion.bake (e.g. "30m"), or ' +
        'leave warmInstances out',
    );
  }
  if (bake !== undefined && !spec.baseline) {
    issue(
      ['promotion', 'bake'],
      'the bake keeps the baseline warm at weight 0 after the last step: a first deployment has no baseline; leave ' +
        'promotion.bake out',
    );
  }
}
