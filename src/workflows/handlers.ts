// The rollout's query, signal and update handlers. approve, rollback, pause and resume arrive either way, under one
// set of rules (requests.ts). A signal cannot be refused, so one that is malformed, not allowed or comes at the wrong
// moment is recorded as a `signal-ignored` decision with the reason; an update is refused by its validator, and its
// caller gets the reason at once. The story acts on the others at its next turn.
import { ApplicationFailure, log, setHandler, type SignalDefinition } from '@temporalio/workflow';
import type { UpdateDefinition } from '@temporalio/common';
import type { RolloutContext } from './context';
import { judge, perform, refusalText, REQUEST_NAMES, type RequestName } from './requests';
import { currentSender } from './sender';
import {
  approveSignal,
  approveUpdate,
  evaluationsQuery,
  pauseSignal,
  pauseUpdate,
  resumeSignal,
  resumeUpdate,
  rollbackSignal,
  rollbackUpdate,
  statusQuery,
  type RequestAnswer,
} from './shared';

const SIGNALS = { approve: approveSignal, rollback: rollbackSignal, pause: pauseSignal, resume: resumeSignal };
const UPDATES = { approve: approveUpdate, rollback: rollbackUpdate, pause: pauseUpdate, resume: resumeUpdate };

export function installHandlers(ctx: RolloutContext): void {
  setHandler(statusQuery, () => ctx.state);
  setHandler(evaluationsQuery, () => ctx.evaluations);
  for (const name of REQUEST_NAMES) {
    setHandler(SIGNALS[name] as SignalDefinition<[unknown]>, (raw) => onSignal(ctx, name, raw));
    setHandler(UPDATES[name] as UpdateDefinition<RequestAnswer, [unknown]>, (raw) => onUpdate(ctx, name, raw), {
      validator: (raw) => validate(ctx, name, raw),
    });
  }
}

function onSignal(ctx: RolloutContext, name: RequestName, raw: unknown): void {
  const sender = currentSender();
  const judged = judge(ctx, name, raw, sender);
  if (judged.ok) perform(ctx, name, judged.request);
  else ctx.decide('signal-ignored', judged.by, refusalText(name, 'signal', judged), sender);
}

/** Refuses, with the reason, what the handler would not do; runs only when the update arrives, never on replay. */
function validate(ctx: RolloutContext, name: RequestName, raw: unknown): void {
  const sender = currentSender();
  const judged = judge(ctx, name, raw, sender);
  if (judged.ok) return;
  const why = refusalText(name, 'update', judged);
  log.warn(`update ${why} (by ${judged.by}${sender ? `, identity ${sender}` : ''})`);
  throw ApplicationFailure.nonRetryable(why, judged.invalid ? 'InvalidRequest' : 'RequestRefused');
}

function onUpdate(ctx: RolloutContext, name: RequestName, raw: unknown): RequestAnswer {
  // Judged again: on replay no validator runs, and the handler must decide from the state alone (the same state the
  // validator saw, since nothing runs between them).
  const judged = judge(ctx, name, raw, currentSender());
  if (!judged.ok) throw ApplicationFailure.nonRetryable(refusalText(name, 'update', judged), 'RequestRefused');
  return perform(ctx, name, judged.request);
}
