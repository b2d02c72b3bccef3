// The rollout's signal and query handlers. A signal cannot be refused, so one that is malformed or comes at the
// wrong moment is recorded as a `signal-ignored` decision with the reason; the story acts on the others at its next
// turn (a rollback also cuts a running soak short).
import { setHandler } from '@temporalio/workflow';
// Signals are checked by the zod-free checker that a unit test holds equal to the zod schemas: zod would be copied
// into every running workflow.
import { checkSignal } from '../schema/signal-check';
import type { RolloutContext } from './context';
import { approveSignal, evaluationsQuery, pauseSignal, resumeSignal, rollbackSignal, statusQuery } from './shared';

type SignalName = 'approve' | 'rollback' | 'pause' | 'resume';
type SignalOf<N extends SignalName> = N extends 'rollback'
  ? { by: string; reason: string }
  : { by: string; reason?: string };

export function installHandlers(ctx: RolloutContext): void {
  setHandler(statusQuery, () => ctx.state);
  setHandler(evaluationsQuery, () => ctx.evaluations);
  setHandler(approveSignal, (raw) => {
    const s = validSignal(ctx, 'approve', raw);
    if (!s) return;
    if (!ctx.state.pendingApproval) {
      ctx.decide('signal-ignored', s.by, 'approve ignored: nothing is pending approval');
      return;
    }
    ctx.approval = { by: s.by, ...(s.reason ? { reason: s.reason } : {}) };
  });
  setHandler(rollbackSignal, (raw) => {
    const s = validSignal(ctx, 'rollback', raw);
    if (!s) return;
    if (ctx.isFinishing()) {
      ctx.decide('signal-ignored', s.by, `rollback ignored: the rollout is already ${ctx.state.phase}`);
      return;
    }
    ctx.rollbackRequest ??= { by: s.by, reason: s.reason };
    ctx.cancelSoak?.();
  });
  setHandler(pauseSignal, (raw) => {
    const s = validSignal(ctx, 'pause', raw);
    if (!s) return;
    if (ctx.state.paused || ctx.isFinishing()) {
      const why = ctx.state.paused ? 'already paused' : ctx.state.phase;
      ctx.decide('signal-ignored', s.by, `pause ignored: the rollout is ${why}`);
      return;
    }
    ctx.state.paused = true;
    ctx.decide('pause', s.by, s.reason ?? 'paused by request');
  });
  setHandler(resumeSignal, (raw) => {
    const s = validSignal(ctx, 'resume', raw);
    if (!s) return;
    if (!ctx.state.paused) {
      ctx.decide('signal-ignored', s.by, 'resume ignored: the rollout is not paused');
      return;
    }
    ctx.state.paused = false;
    ctx.decide('resume', s.by, 'resumed by request');
  });
}

/** The signal's value when it is well-formed; otherwise records why it was rejected and returns null. */
function validSignal<N extends SignalName>(ctx: RolloutContext, name: N, raw: unknown): SignalOf<N> | null {
  const check = checkSignal(name, raw);
  if (check.ok) return check.value as SignalOf<N>;
  const by =
    typeof (raw as { by?: unknown })?.by === 'string' ? String((raw as { by: string }).by).slice(0, 128) : 'unknown';
  ctx.decide(
    'signal-ignored',
    by,
    `${name} signal rejected: invalid ${name} signal:\n  - ${check.issues.join('\n  - ')}`,
  );
  return null;
}
