// Records real rollout histories from e2e runs as fixtures for the replay test (test/unit/workflows/replay.test.ts),
// which replays each against the current workflow code: a change that would break a running rollout fails it.
// Opt-in, so ordinary runs never rewrite fixtures: MODEL_ROLLOUT_RECORD_HISTORIES=1, or `npm run record:histories`.
// Each run is saved as Temporal's JSON history (what `temporal workflow show --output json` prints), one file per
// run: test/fixtures/histories/<name>.json, or <name>.run-<n>.json for each run of a rollout that continued as new.
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { historyToJson } from './history-json';

export const HISTORIES_DIR = join(__dirname, '../fixtures/histories');

export function recordingHistories(): boolean {
  return process.env.MODEL_ROLLOUT_RECORD_HISTORIES === '1';
}

const EventType = temporal.api.enums.v1.EventType;
const CLOSED = new Set([
  EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED,
  EventType.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED,
  EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED,
  EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED,
  EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TIMED_OUT,
  EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW,
]);

/**
 * Saves every run of the ended rollout `workflowId` as fixture `name`, following its continue-as-new chain from its
 * first run. Does nothing unless recording.
 */
export async function recordHistory(
  client: Client,
  name: string,
  workflowId: string,
  firstRunId: string,
): Promise<void> {
  if (!recordingHistories()) return;
  let runId = firstRunId;
  const runs: temporal.api.history.v1.IHistory[] = [];
  for (;;) {
    const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
    const last = history.events?.at(-1);
    if (!last?.eventType || !CLOSED.has(last.eventType)) {
      throw new Error(`cannot record ${name}: run ${runId} of ${workflowId} has not ended`);
    }
    runs.push(history);
    const next = last.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId;
    if (!next) break;
    runId = next;
  }
  mkdirSync(HISTORIES_DIR, { recursive: true });
  // A fixture recorded again replaces all of its old files (its chain may now have fewer runs).
  for (const file of readdirSync(HISTORIES_DIR)) {
    if (file === `${name}.json` || (file.startsWith(`${name}.run-`) && file.endsWith('.json'))) {
      rmSync(join(HISTORIES_DIR, file));
    }
  }
  runs.forEach((history, i) => {
    const file = runs.length === 1 ? `${name}.json` : `${name}.run-${i + 1}.json`;
    writeFileSync(join(HISTORIES_DIR, file), `${JSON.stringify(historyToJson(history), null, 1)}\n`);
  });
}
