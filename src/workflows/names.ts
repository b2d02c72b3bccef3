// Names of what a rollout creates, derived from the endpoint and the rollout (its first run), so a retried activity
// finds the resource its first attempt made instead of creating a second one.

/**
 * E.g. `churn-9f8e7d6c-ab`: at most 40 + 1 + 8 + 1 + 7 = 57 characters, inside AWS's 63.
 *
 * The 8 characters come from the END of the run id: Temporal's run ids are UUIDv7 (temporalio/temporal#6933), whose
 * first 48 bits are the millisecond timestamp, so their first 8 hex digits repeat for about 65 s and two rollouts of
 * endpoints sharing a 40-character prefix (or a re-run) started in the same minute would get the same names
 * (aws-behaviour.md #17). A UUID's last 12 hex digits are random in v4 and v7 alike (RFC 9562).
 */
export function endpointConfigName(
  endpointName: string,
  rolloutId: string,
  purpose: 'ab' | 'final' | 'initial' | 'restore' | 'shadow',
): string {
  const run = rolloutId.replace(/[^a-zA-Z0-9]/g, '').slice(-8);
  return `${endpointName.slice(0, 40).replace(/-+$/, '')}-${run}-${purpose}`;
}
