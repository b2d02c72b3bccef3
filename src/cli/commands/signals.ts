// `approve`, `rollback`, `pause`, `resume`: validated with the same schema the workflow uses, then sent to a running
// rollout as a Workflow Update, whose answer says at once whether the rollout took it or why not (not an allowed
// approver, nothing pending, …). `--signal` sends the signal instead: Temporal keeps it until a worker picks the
// rollout up, so it works with no worker running; the CLI then refuses early what the status says the rollout would
// ignore.
import { WorkflowUpdateFailedError, WorkflowUpdateRPCTimeoutOrCancelledError } from '@temporalio/client';
import { allowedBy, parseSignal, type SignalName } from '../../schema';
import type { RequestAnswer, RolloutStatus } from '../../workflows/shared';
import {
  approveSignal,
  approveUpdate,
  pauseSignal,
  pauseUpdate,
  resumeSignal,
  resumeUpdate,
  rollbackSignal,
  rollbackUpdate,
} from '../../workflows/shared';
import type { CliContext } from '../context';
import { CliError, EXIT, badInput, type ExitCode } from '../exit-codes';
import { connectTemporal, describeRollout, queryStatus, rolloutHandle, type CliTemporal } from '../temporal';
import { shellQuote } from '../view/format';

/** How long an update may wait for a worker to take it. */
const UPDATE_DEADLINE_MS = 15_000;

export interface SignalFlags {
  by?: string;
  reason?: string;
  /** Send a signal instead of an update. */
  signal?: boolean;
}

/** The payload as the workflow will read it; throws InvalidInputError (exit 2) naming the bad field. */
export function signalPayload(name: SignalName, flags: SignalFlags): Record<string, string> {
  if (flags.by === undefined) throw badInput(`${name} needs --by <who>: the audit trail names a person`);
  if (name === 'rollback' && flags.reason === undefined) {
    throw badInput('rollback needs --reason "<why>": the audit trail says why the candidate was pulled');
  }
  const raw: Record<string, string> = { by: flags.by };
  if (flags.reason !== undefined) {
    if (name === 'resume') throw badInput('resume takes no --reason');
    raw.reason = flags.reason;
  }
  parseSignal(name, raw);
  return raw;
}

/** Why the rollout would ignore this signal now, or null when it will act on it. */
export function signalRefusal(name: SignalName, status: RolloutStatus, cli: string, by?: string): string | null {
  const ep = shellQuote(status.endpointName);
  const finishing = ['promoting', 'rolling-back', 'promoted', 'rolled-back'].includes(status.phase);
  const where = `(phase ${status.phase}, step ${status.step}/${status.totalSteps})`;
  switch (name) {
    case 'approve': {
      const pending = status.pendingApproval;
      if (!pending) {
        return `nothing is pending approval on ${status.endpointName} ${where}; the rollout asks when a step needs it (\`${cli} watch ${ep}\`)`;
      }
      if (by !== undefined && !allowedBy(pending.approvers, by)) {
        return `${by} may not approve: approval.approvers allows ${pending.approvers!.join(', ')}`;
      }
      return null;
    }
    case 'rollback':
      return finishing ? `the rollout is already ${status.phase}: nothing to roll back` : null;
    case 'pause':
      if (status.paused) return `the rollout is already paused; resume it with \`${cli} resume ${ep} --by <you>\``;
      return finishing ? `the rollout is already ${status.phase}: nothing to pause` : null;
    case 'resume':
      return status.paused ? null : `the rollout is not paused ${where}`;
  }
}

const SIGNALS = { approve: approveSignal, rollback: rollbackSignal, pause: pauseSignal, resume: resumeSignal };
const UPDATES = { approve: approveUpdate, rollback: rollbackUpdate, pause: pauseUpdate, resume: resumeUpdate };

export async function signalCommand(
  ctx: CliContext,
  name: SignalName,
  endpointName: string,
  flags: SignalFlags,
): Promise<ExitCode> {
  const payload = signalPayload(name, flags);
  const t = await connectTemporal();
  try {
    const description = await describeRollout(t, endpointName);
    if (description.status.name !== 'RUNNING') {
      throw badInput(
        `the rollout on ${endpointName} has ended (${description.status.name.toLowerCase()}): nothing to ${name}`,
      );
    }
    const ids = { workflowId: description.workflowId, runId: description.runId };
    if (flags.signal) {
      await sendSignal(ctx, t, name, endpointName, payload);
      if (ctx.json) ctx.printJson({ sent: name, via: 'signal', ...ids, payload, identity: t.identity });
      else ctx.out(`Sent the ${name} signal to rollout ${endpointName} (workflow ${ids.workflowId}) by ${payload.by}.`);
      return EXIT.ok;
    }
    const answer = await sendUpdate(ctx, t, name, endpointName, payload);
    if (ctx.json) ctx.printJson({ sent: name, via: 'update', ...ids, payload, answer });
    else ctx.out(`Rollout ${endpointName}: ${answer.message} (${name} by ${payload.by}).`);
    return EXIT.ok;
  } finally {
    await t.close();
  }
}

/** The update's answer, or the rollout's refusal as a bad-input error (exit 2) with its reason. */
async function sendUpdate(
  ctx: CliContext,
  t: CliTemporal,
  name: SignalName,
  endpointName: string,
  payload: Record<string, string>,
): Promise<RequestAnswer> {
  const handle = rolloutHandle(t.client, endpointName);
  try {
    return await t.client.withDeadline(Date.now() + UPDATE_DEADLINE_MS, () =>
      handle.executeUpdate(UPDATES[name], { args: [payload] }),
    );
  } catch (err) {
    if (err instanceof WorkflowUpdateFailedError) {
      const why = err.cause?.message ?? err.message;
      const hint = /nothing is pending approval/.test(why)
        ? `; the rollout asks when a step needs it (\`${ctx.cli} watch ${shellQuote(endpointName)}\`)`
        : '';
      throw badInput(`${why}${hint}`);
    }
    if (err instanceof WorkflowUpdateRPCTimeoutOrCancelledError) {
      throw new CliError(
        `no worker took the ${name} update within ${UPDATE_DEADLINE_MS / 1000} s: is \`model-rollout worker\` running? ` +
          'The update may still reach the rollout when a worker picks it up. With --signal the request waits in ' +
          'Temporal until then, and the rollout records it (or why it ignored it) among its decisions.',
        EXIT.unexpected,
      );
    }
    throw err;
  }
}

async function sendSignal(
  ctx: CliContext,
  t: CliTemporal,
  name: SignalName,
  endpointName: string,
  payload: Record<string, string>,
): Promise<void> {
  let status: RolloutStatus | null = null;
  try {
    status = await queryStatus(t, endpointName);
  } catch {
    // No worker answering: the signal is still delivered and acted on when a worker picks the rollout up.
    ctx.note(`note: could not read the rollout's status (is a worker running?); sending the ${name} signal anyway`);
  }
  const refusal = status && signalRefusal(name, status, ctx.cli, payload.by);
  if (refusal) throw badInput(`not sending ${name}: ${refusal}`);
  await rolloutHandle(t.client, endpointName).signal<[Record<string, string>]>(SIGNALS[name].name, payload);
}
