// What a person may ask of a running rollout (approve, roll back, pause, resume), and who may. One set of rules for
// both ways of asking: a signal (the contract; a refused one is recorded as `signal-ignored` with the reason and
// changes nothing) and an update (a refused one is answered at once with the reason, and, as Temporal keeps no
// rejected update in the history, leaves only the worker's log line).
//
// Who may: `approval.approvers` binds approvals; rollbacks are open to anyone unless `approval.rollbackers` is set,
// since a rollback restores what served before, the safe direction (Argo Rollouts' abort and Flagger's rollback
// gate are open to any operator too); pause and resume are open to anyone: a pause only stops the rollout moving,
// and a resume lets it go on under the same guardrails and approval gates.
import { allowedBy } from '../schema/approvers';
import { checkSignal } from '../schema/signal-check';
import type { HumanRequest, RolloutContext } from './context';
import type { RequestAnswer } from './shared';

export type RequestName = RequestAnswer['request'];
export const REQUEST_NAMES: readonly RequestName[] = ['approve', 'rollback', 'pause', 'resume'];

export type Judged =
  | { ok: true; request: HumanRequest }
  /** `invalid`: what is wrong with the payload; `refused`: why the rollout will not do it now. */
  | { ok: false; by: string; invalid?: string[]; refused?: string };

/** Whether the rollout takes this request now. Changes nothing: it is also an update's validator. */
export function judge(ctx: RolloutContext, name: RequestName, raw: unknown, identity: string | undefined): Judged {
  const check = checkSignal(name, raw);
  if (!check.ok) return { ok: false, by: claimedBy(raw), invalid: check.issues };
  const request: HumanRequest = { ...check.value, ...(identity ? { identity } : {}) };
  const refused = refusal(ctx, name, request.by);
  return refused ? { ok: false, by: request.by, refused } : { ok: true, request };
}

function refusal(ctx: RolloutContext, name: RequestName, by: string): string | null {
  const { approvers, rollbackers } = ctx.spec.approval;
  const phase = ctx.state.phase;
  switch (name) {
    case 'approve':
      if (!allowedBy(approvers, by)) return `${by} may not approve: approval.approvers allows ${approvers!.join(', ')}`;
      if (!ctx.state.pendingApproval) return 'nothing is pending approval';
      if (ctx.approval) return `already approved by ${ctx.approval.by}; the rollout is acting on it`;
      return null;
    case 'rollback':
      if (!allowedBy(rollbackers, by)) {
        return `${by} may not roll back: approval.rollbackers allows ${rollbackers!.join(', ')}`;
      }
      if (ctx.isFinishing()) return `the rollout is already ${phase}`;
      if (ctx.rollbackRequest) return `already rolling back, as ${ctx.rollbackRequest.by} asked`;
      return null;
    case 'pause':
      if (ctx.state.paused) return 'the rollout is already paused';
      return ctx.isFinishing() ? `the rollout is ${phase}` : null;
    case 'resume':
      return ctx.state.paused ? null : 'the rollout is not paused';
  }
}

/** Takes a request `judge` accepted; the story acts on an approval or a rollback at its next turn. */
export function perform(ctx: RolloutContext, name: RequestName, request: HumanRequest): RequestAnswer {
  const { by, identity } = request;
  let message: string;
  switch (name) {
    case 'approve': {
      const pending = ctx.state.pendingApproval!;
      ctx.approval = request;
      message = `approved step ${pending.step} (${pending.cause}): ${pending.reason}`;
      break;
    }
    case 'rollback':
      ctx.rollbackRequest = { ...request, reason: request.reason ?? 'rolled back by request' };
      ctx.cancelSoak?.(); // a running soak need not wait for its timer
      message = 'rolling back: traffic returns to the baseline';
      break;
    case 'pause':
      ctx.state.paused = true;
      ctx.decide('pause', by, request.reason ?? 'paused by request', identity);
      message = 'paused: the rollout holds after the current evaluation interval';
      break;
    case 'resume':
      ctx.state.paused = false;
      ctx.decide('resume', by, 'resumed by request', identity);
      message = 'resumed';
      break;
  }
  return {
    request: name,
    by,
    ...(identity ? { identity } : {}),
    step: ctx.state.step,
    phase: ctx.state.phase,
    message,
  };
}

/** How a refused request reads in the decisions (signals) and in the caller's error (updates). */
export function refusalText(name: RequestName, via: 'signal' | 'update', judged: Judged & { ok: false }): string {
  if (judged.invalid) return `${name} ${via} rejected: invalid ${name} ${via}:\n  - ${judged.invalid.join('\n  - ')}`;
  return `${name} ${via === 'signal' ? 'ignored' : 'refused'}: ${judged.refused}`;
}

/** The `by` a malformed payload claims, for the audit trail, or "unknown". */
function claimedBy(raw: unknown): string {
  const by = (raw as { by?: unknown } | null)?.by;
  return typeof by === 'string' ? by.slice(0, 128) : 'unknown';
}
