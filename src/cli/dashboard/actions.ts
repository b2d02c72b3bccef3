// The dashboard's buttons: approve, roll back, pause and resume as Workflow Updates (as `model-rollout approve`
// sends them), with the operator's name as `by` and the dashboard's Temporal identity. The rollout's validator
// decides; its refusal (not an allowed approver, nothing pending, …) comes back as the button's answer.
import { WorkflowUpdateFailedError, WorkflowUpdateRPCTimeoutOrCancelledError } from '@temporalio/client';
import { InvalidInputError, parseSignal, type SignalName } from '../../schema';
import { approveUpdate, pauseUpdate, resumeUpdate, rollbackUpdate, type RequestAnswer } from '../../workflows/shared';
import { rolloutHandle, type CliTemporal } from '../temporal';

const UPDATES = { approve: approveUpdate, rollback: rollbackUpdate, pause: pauseUpdate, resume: resumeUpdate };
export const ACTIONS = Object.keys(UPDATES) as SignalName[];
const UPDATE_DEADLINE_MS = 15_000;

export type ActionOutcome =
  | { ok: true; answer: RequestAnswer }
  /** HTTP status: 400 bad input, 409 the rollout refused, 504 no worker took it. */
  | { ok: false; status: 400 | 409 | 504; error: string };

/**
 * @param body what the page sent: `{ by, reason? }`
 * @param as the operator the dashboard was started for (`--as`): it wins over any `by` in the body
 */
export async function act(
  t: CliTemporal,
  endpointName: string,
  name: SignalName,
  body: unknown,
  as: string | undefined,
): Promise<ActionOutcome> {
  const given = (typeof body === 'object' && body !== null ? body : {}) as { by?: unknown; reason?: unknown };
  const payload: Record<string, unknown> = { by: as ?? given.by };
  if (name !== 'resume' && typeof given.reason === 'string' && given.reason.trim() !== '')
    payload.reason = given.reason;
  if (name === 'rollback' && payload.reason === undefined) {
    return { ok: false, status: 400, error: 'say why you roll back: the audit trail keeps the reason' };
  }
  try {
    parseSignal(name, payload);
  } catch (err) {
    if (err instanceof InvalidInputError) return { ok: false, status: 400, error: err.issues.join('; ') };
    throw err;
  }
  try {
    const answer = await t.client.withDeadline(Date.now() + UPDATE_DEADLINE_MS, () =>
      rolloutHandle(t.client, endpointName).executeUpdate(UPDATES[name], { args: [payload as never] }),
    );
    return { ok: true, answer };
  } catch (err) {
    if (err instanceof WorkflowUpdateFailedError) {
      return { ok: false, status: 409, error: err.cause?.message ?? err.message };
    }
    if (err instanceof WorkflowUpdateRPCTimeoutOrCancelledError) {
      return { ok: false, status: 504, error: `no worker took the ${name} within ${UPDATE_DEADLINE_MS / 1000} s` };
    }
    return { ok: false, status: 409, error: err instanceof Error ? err.message.split('\n')[0] : String(err) };
  }
}
