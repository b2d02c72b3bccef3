// `approve`, `rollback`, `pause`, `resume`: validated with the same schema the workflow uses, sent only to a
// running rollout, and refused early when the rollout would ignore them anyway (so the user learns why now).
import { parseSignal, type SignalName } from '../../schema';
import type { RolloutStatus } from '../../workflows/shared';
import { approveSignal, pauseSignal, resumeSignal, rollbackSignal } from '../../workflows/shared';
import type { CliContext } from '../context';
import { EXIT, badInput, type ExitCode } from '../exit-codes';
import { connectTemporal, describeRollout, queryStatus, rolloutHandle } from '../temporal';
import { shellQuote } from '../view/format';

export interface SignalFlags {
  by?: string;
  reason?: string;
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
export function signalRefusal(name: SignalName, status: RolloutStatus, cli: string): string | null {
  const ep = shellQuote(status.endpointName);
  const finishing = ['promoting', 'rolling-back', 'promoted', 'rolled-back'].includes(status.phase);
  const where = `(phase ${status.phase}, step ${status.step}/${status.totalSteps})`;
  switch (name) {
    case 'approve':
      return status.pendingApproval
        ? null
        : `nothing is pending approval on ${status.endpointName} ${where}; the rollout asks when a step needs it (\`${cli} watch ${ep}\`)`;
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
    let status: RolloutStatus | null = null;
    try {
      status = await queryStatus(t, endpointName);
    } catch {
      // No worker answering: the signal is still delivered and acted on when a worker picks the rollout up.
      ctx.note(`note: could not read the rollout's status (is a worker running?); sending the ${name} signal anyway`);
    }
    const refusal = status && signalRefusal(name, status, ctx.cli);
    if (refusal) throw badInput(`not sending ${name}: ${refusal}`);
    await rolloutHandle(t.client, endpointName).signal<[Record<string, string>]>(SIGNALS[name].name, payload);
    if (ctx.json) {
      ctx.printJson({ sent: name, workflowId: description.workflowId, runId: description.runId, payload });
    } else {
      ctx.out(`Sent ${name} to rollout ${endpointName} (workflow ${description.workflowId}) by ${payload.by}.`);
    }
    return EXIT.ok;
  } finally {
    await t.close();
  }
}
