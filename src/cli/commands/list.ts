// `list`: running and recent rollouts from Temporal's visibility API.
import type { WorkflowExecutionInfo } from '@temporalio/client';
import { WORKFLOW_TYPE } from '../../workflows/shared';
import type { CliContext } from '../context';
import { EXIT, type ExitCode } from '../exit-codes';
import { connectTemporal } from '../temporal';
import { formatDuration, paint, table, type Color } from '../view/format';

export interface ListOptions {
  running?: boolean;
  limit?: number;
}

export interface RolloutListEntry {
  endpointName: string;
  workflowId: string;
  runId: string;
  executionStatus: string;
  phase: string | null;
  step: number | null;
  startTime: string;
  closeTime: string | null;
  /** promoted / rolled-back for completed rollouts, the workflow's status otherwise ("running", "failed", …). */
  outcome: string;
}

export function visibilityQuery(opts: ListOptions): string {
  // A long rollout is a chain of runs (it continues as new); every run but the latest says ContinuedAsNew. One line
  // per rollout: its latest run.
  const clauses = [`WorkflowType="${WORKFLOW_TYPE}"`, 'ExecutionStatus!="ContinuedAsNew"'];
  if (opts.running) clauses.push('ExecutionStatus="Running"');
  return clauses.join(' AND ');
}

function searchAttribute(info: WorkflowExecutionInfo, name: string): string | undefined {
  // Keyword attributes arrive as one-element arrays; typed keys would need registration we cannot assume.
  const values = info.searchAttributes?.[name];
  return Array.isArray(values) && typeof values[0] === 'string' ? values[0] : undefined;
}

/** Endpoint and phase from the search attributes when registered, else from the memo the workflow keeps. */
export function listEntry(info: WorkflowExecutionInfo): RolloutListEntry {
  const memo = (info.memo ?? {}) as { endpointName?: string; phase?: string; step?: number };
  const phase = searchAttribute(info, 'RolloutPhase') ?? memo.phase ?? null;
  const status = info.status.name;
  const outcome = status === 'COMPLETED' ? (phase ?? 'completed') : status.toLowerCase();
  return {
    endpointName:
      searchAttribute(info, 'RolloutEndpoint') ?? memo.endpointName ?? info.workflowId.replace(/^rollout-/, ''),
    workflowId: info.workflowId,
    runId: info.runId,
    executionStatus: status,
    phase,
    step: typeof memo.step === 'number' ? memo.step : null,
    startTime: info.startTime.toISOString(),
    closeTime: info.closeTime ? info.closeTime.toISOString() : null,
    outcome,
  };
}

const OUTCOME_COLOR: Record<string, Color> = { promoted: 'green', 'rolled-back': 'red', running: 'cyan' };

export function renderList(entries: RolloutListEntry[], color: boolean, now: Date): string[] {
  if (!entries.length) return ['No rollouts found.'];
  return table([
    ['ENDPOINT', 'OUTCOME', 'PHASE', 'STEP', 'STARTED', 'DURATION', 'WORKFLOW'],
    ...entries.map((e) => [
      e.endpointName,
      paint(e.outcome, OUTCOME_COLOR[e.outcome] ?? 'yellow', color),
      e.phase ?? '—',
      e.step === null ? '—' : String(e.step),
      e.startTime.replace('T', ' ').slice(0, 19),
      formatDuration((e.closeTime ? Date.parse(e.closeTime) : now.getTime()) - Date.parse(e.startTime)),
      e.workflowId,
    ]),
  ]);
}

export async function listCommand(ctx: CliContext, opts: ListOptions): Promise<ExitCode> {
  const t = await connectTemporal();
  try {
    const limit = opts.limit ?? 20;
    const entries: RolloutListEntry[] = [];
    for await (const info of t.client.workflow.list({ query: visibilityQuery(opts), pageSize: Math.min(limit, 100) })) {
      entries.push(listEntry(info));
      if (entries.length >= limit) break;
    }
    if (ctx.json) ctx.printJson(entries);
    else ctx.out(renderList(entries, ctx.color, new Date()));
    return EXIT.ok;
  } finally {
    await t.close();
  }
}
