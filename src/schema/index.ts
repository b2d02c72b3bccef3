// The one place that parses what users type: rollout specs and signal payloads.
import { z } from 'zod';
import { InvalidInputError, formatIssues } from './errors';
import { RolloutSpec } from './spec';
import { SIGNAL_SCHEMAS, type SignalName } from './signals';

export * from './spec';
export * from './signals';
export * from './guardrails';
export * from './duration';
export * from './phases';
export * from './notifications';
export { allowedBy, APPROVER_PATTERN } from './approvers';
export { toGuardrailConfig } from './guardrail-config';
export { InvalidInputError, formatIssues } from './errors';

/** A first deployment (no baseline) with no steps given gets one step: the candidate serves everything at once. */
const FIRST_DEPLOYMENT_STEPS = [{ candidateWeight: 100, soak: '5m' }];

export function parseSpec(input: unknown): RolloutSpec {
  const isObject = typeof input === 'object' && input !== null && !Array.isArray(input);
  const firstDeployment = isObject && !('baseline' in input) && !('steps' in input);
  const result = RolloutSpec.safeParse(firstDeployment ? { ...input, steps: FIRST_DEPLOYMENT_STEPS } : input);
  if (!result.success) throw new InvalidInputError('rollout spec', formatIssues(result.error));
  return result.data;
}

export function parseSignal<N extends SignalName>(name: N, input: unknown): z.output<(typeof SIGNAL_SCHEMAS)[N]> {
  const result = SIGNAL_SCHEMAS[name].safeParse(input);
  if (!result.success) throw new InvalidInputError(`${name} signal`, formatIssues(result.error));
  return result.data as z.output<(typeof SIGNAL_SCHEMAS)[N]>;
}

/** JSON Schema of the rollout spec (what users write, so defaults are optional), for editors and docs. */
export function rolloutSpecJsonSchema(): unknown {
  return z.toJSONSchema(RolloutSpec, { io: 'input', unrepresentable: 'any' });
}
