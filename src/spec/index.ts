// The one place that parses what users type: rollout specs and signal payloads.
import { z } from 'zod';
import { InvalidInputError, formatIssues } from './errors';
import { RolloutSpec } from './spec';
import { SIGNAL_SCHEMAS, type SignalName } from './signals';

export * from './spec';
export * from './signals';
export * from './guardrails';
export * from './duration';
export { InvalidInputError, formatIssues } from './errors';

export function parseSpec(input: unknown): RolloutSpec {
  const result = RolloutSpec.safeParse(input);
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
