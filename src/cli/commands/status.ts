// `status` (one look) and `result` (wait for the end).
import type { CliContext } from '../context';
import { CliError, EXIT, exitCodeForOutcome, type ExitCode } from '../exit-codes';
import { closedResult, connectTemporal, describeRollout, snapshotRollout } from '../temporal';
import { renderResult, renderStatus } from '../view/status-view';
import { closedView, viewOptions } from './watch';

export async function statusCommand(ctx: CliContext, endpointName: string): Promise<ExitCode> {
  const t = await connectTemporal();
  try {
    const snap = await snapshotRollout(t, endpointName);
    const ids = { workflowId: snap.description.workflowId, runId: snap.description.runId };
    if (snap.kind === 'closed') {
      if (ctx.json) {
        ctx.printJson({ ...ids, executionStatus: snap.executionStatus, result: snap.result, failure: snap.failure });
      } else {
        ctx.out(closedView(snap, endpointName, viewOptions(ctx)).lines);
      }
      return EXIT.ok;
    }
    if (ctx.json) {
      ctx.printJson({ ...ids, executionStatus: 'RUNNING', status: snap.status, error: snap.queryError });
    } else if (snap.status) {
      ctx.out(renderStatus(snap.status, viewOptions(ctx)));
    }
    // The rollout exists but nobody can say where it is: an operational problem, not a user mistake.
    if (!snap.status) throw new CliError(`rollout ${endpointName} is running, but ${snap.queryError}`, EXIT.unexpected);
    return EXIT.ok;
  } finally {
    await t.close();
  }
}

export async function resultCommand(ctx: CliContext, endpointName: string): Promise<ExitCode> {
  const t = await connectTemporal();
  try {
    const description = await describeRollout(t, endpointName);
    if (description.status.name === 'RUNNING' && !ctx.json) {
      ctx.note(`Rollout ${endpointName} is still running: waiting for it to end (Ctrl-C stops waiting).`);
    }
    const { result, failure } = await closedResult(t, endpointName);
    if (ctx.json) {
      ctx.printJson(result ?? { failure });
    } else if (result) {
      ctx.out(renderResult(result, viewOptions(ctx)));
    }
    if (!result) throw new CliError(`rollout ${endpointName} did not complete: ${failure}`, EXIT.rolloutFailed);
    return exitCodeForOutcome(result.outcome);
  } finally {
    await t.close();
  }
}
