// Names of what a rollout creates, derived from the endpoint and the workflow run, so a retried activity finds
// the resource its first attempt made instead of creating a second one.

/** E.g. `churn-1a2b3c4d-ab`: at most 40 + 1 + 8 + 1 + 7 = 57 characters, inside AWS's 63. */
export function endpointConfigName(
  endpointName: string,
  runId: string,
  purpose: 'ab' | 'final' | 'initial' | 'restore',
): string {
  const run = runId.replace(/[^a-zA-Z0-9]/g, '').slice(0, 8);
  return `${endpointName.slice(0, 40).replace(/-+$/, '')}-${run}-${purpose}`;
}
