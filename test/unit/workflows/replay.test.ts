// Upgrading the worker must never break a running rollout. Temporal resumes a rollout on a new worker by replaying its
// history against the new workflow code; a change to the commands the code issues (an activity, timer, marker or
// continue-as-new added, removed or reordered) fails that replay with a nondeterminism error, and the rollout stops.
// Every history recorded from a real e2e run (test/harness/histories.ts; `npm run record:histories`) is replayed here
// against the current code, with no server: a change that needs `patched()` fails this test, naming the history.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from '@temporalio/worker';
import { DeterminismViolationError } from '@temporalio/workflow';
import { rolloutWorkflowId } from '../../../src/workflows/shared';
import { HISTORIES_DIR } from '../../harness/histories';
import { historyFromJson } from '../../harness/history-json';
import { workflowBundle } from '../../harness/temporal';

const fixtures = readdirSync(HISTORIES_DIR)
  .filter((f) => f.endsWith('.json'))
  .sort();

let bundle: { code: string };

beforeAll(async () => {
  // Bundled as the worker bundles it (SHARED_WORKFLOW_MODULES preloaded), from the source as it is now.
  bundle = await workflowBundle(require.resolve('../../../src/workflows'));
});

/**
 * The workflow id the rollout ran under: a history does not hold it, and the rollout refuses any id but
 * rollout-<endpointName> (the contract), so it is rebuilt from the spec the first event carries.
 */
function workflowIdOf(json: { events: { workflowExecutionStartedEventAttributes?: StartedJson }[] }): string {
  const payload = json.events[0].workflowExecutionStartedEventAttributes!.input.payloads[0];
  const spec = JSON.parse(Buffer.from(payload.data, 'base64').toString('utf8')) as { endpointName: string };
  return rolloutWorkflowId(spec.endpointName);
}
interface StartedJson {
  input: { payloads: { data: string }[] };
}

test.each(fixtures)('%s replays on the current workflow code', async (file) => {
  const json = JSON.parse(readFileSync(join(HISTORIES_DIR, file), 'utf8'));
  const history = historyFromJson(json);
  try {
    await Worker.runReplayHistory({ workflowBundle: bundle }, history, workflowIdOf(json));
  } catch (err) {
    const what = err instanceof DeterminismViolationError ? 'nondeterminism' : 'replay failed';
    throw new Error(`${file} (test/fixtures/histories): ${what}: ${(err as Error).message}`);
  }
});
