// What the dashboard's pages show, read from Temporal as `list`, `status` and `report` read it: every rollout (the
// visibility list, and each running one's status query) and one rollout's live view (its status, evaluations and the
// report's chart data; a finished one's result).
import { defaultPayloadConverter } from '@temporalio/common';
import { parseSpec, type RolloutSpec } from '../../schema';
import { evaluationsQuery, type PendingApproval, type RolloutStatus } from '../../workflows/shared';
import { listEntry, visibilityQuery } from '../commands/list';
import { buildReportData, type ReportData, type ReportSource } from '../report/data';
import { chartsFor, type ChartInfo } from '../report/html';
import { closedResult, describeRollout, queryStatus, rolloutHandle, type CliTemporal } from '../temporal';
import { formatDifference, formatInterval, formatMetric } from '../view/format';

/** A query a worker does not answer within this is reported as such; the page tries again at its next poll. */
const QUERY_TIMEOUT_MS = 5_000;
const MAX_LISTED = 50;

export interface RolloutRow {
  endpointName: string;
  workflowId: string;
  executionStatus: string;
  phase: string | null;
  step: number | null;
  totalSteps: number | null;
  weights: Record<string, number>;
  /** The latest evaluation's verdict while it runs; the outcome once it has ended. */
  verdict: string | null;
  /** Whom the rollout waits for: the pending approval (with who may give it), or null. */
  waitingFor: PendingApproval | null;
  paused: boolean;
  startTime: string;
  closeTime: string | null;
  /** Why there is no status (no worker answered), when there is none. */
  problem?: string;
}

export async function listRollouts(t: CliTemporal): Promise<RolloutRow[]> {
  const infos = [];
  for await (const info of t.client.workflow.list({ query: visibilityQuery({}), pageSize: MAX_LISTED })) {
    infos.push(info);
    if (infos.length >= MAX_LISTED) break;
  }
  return await Promise.all(
    infos.map(async (info): Promise<RolloutRow> => {
      const entry = listEntry(info);
      const row: RolloutRow = {
        endpointName: entry.endpointName,
        workflowId: entry.workflowId,
        executionStatus: entry.executionStatus,
        phase: entry.phase,
        step: entry.step,
        totalSteps: null,
        weights: {},
        verdict: entry.executionStatus === 'RUNNING' ? null : entry.outcome,
        waitingFor: null,
        paused: false,
        startTime: entry.startTime,
        closeTime: entry.closeTime,
      };
      if (entry.executionStatus !== 'RUNNING') return row;
      try {
        const status = await queryStatus(t, entry.endpointName, QUERY_TIMEOUT_MS);
        return {
          ...row,
          phase: status.phase,
          step: status.step,
          totalSteps: status.totalSteps,
          weights: status.weights,
          verdict: status.lastEvaluation?.evaluation.verdict ?? null,
          waitingFor: status.pendingApproval,
          paused: status.paused,
        };
      } catch (err) {
        return { ...row, problem: `no worker answered the status query (${errorText(err)})` };
      }
    }),
  );
}

export interface RolloutView {
  endpointName: string;
  workflowId: string;
  executionStatus: string;
  /** The live status while it runs (null when no worker answers); absent once it has ended. */
  status: RolloutStatus | null;
  report: ReportData | null;
  charts: ChartInfo[];
  /** The latest evaluation's guardrails in the units `status` shows them in. */
  guardrails: GuardrailRow[];
  /** Who may approve and roll back (the spec's lists; null: anyone). */
  approvers: string[] | null;
  rollbackers: string[] | null;
  problem?: string;
}

export interface GuardrailRow {
  guardrail: string;
  baseline: string;
  candidate: string;
  difference: string;
  interval: string;
  tolerance: string;
  verdict: string;
}

function guardrailRows(status: RolloutStatus | null): GuardrailRow[] {
  return (status?.lastEvaluation?.evaluation.results ?? []).map((r) => ({
    guardrail: r.guardrail,
    baseline: formatMetric(r.guardrail, r.baseline),
    candidate: formatMetric(r.guardrail, r.candidate),
    difference: formatDifference(r.guardrail, r.difference),
    interval: formatInterval(r.guardrail, r.interval),
    tolerance:
      r.guardrail === 'sampleRatio' || r.guardrail === 'copyRatio'
        ? '—'
        : formatDifference(r.guardrail, r.tolerance, false),
    verdict: r.verdict,
  }));
}

/** The spec each run started with (a run's first event), cached: a run's input never changes. */
const specs = new Map<string, RolloutSpec>();

async function startedSpec(t: CliTemporal, workflowId: string, runId: string): Promise<RolloutSpec> {
  const cached = specs.get(runId);
  if (cached) return cached;
  // One event, not the whole history: a long rollout's history is long.
  const page = await t.client.workflowService.getWorkflowExecutionHistory({
    namespace: t.namespace,
    execution: { workflowId, runId },
    maximumPageSize: 1,
  });
  const payload = page.history?.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0];
  if (!payload) throw new Error(`the history of ${workflowId} has no start input`);
  const spec = parseSpec(defaultPayloadConverter.fromPayload(payload));
  specs.set(runId, spec);
  return spec;
}

export async function rolloutView(t: CliTemporal, endpointName: string, now = new Date()): Promise<RolloutView> {
  const description = await describeRollout(t, endpointName);
  const { workflowId, runId } = description;
  const spec = await startedSpec(t, workflowId, runId);
  const base = {
    endpointName,
    workflowId,
    executionStatus: description.status.name,
    approvers: spec.approval.approvers ?? null,
    rollbackers: spec.approval.rollbackers ?? null,
  };
  let source: ReportSource;
  let status: RolloutStatus | null = null;
  if (description.status.name === 'RUNNING') {
    try {
      status = await queryStatus(t, endpointName, QUERY_TIMEOUT_MS);
    } catch (err) {
      const problem = `no worker answered (${errorText(err)})`;
      return { ...base, status: null, report: null, charts: [], guardrails: [], problem };
    }
    const evaluations = await t.client
      .withDeadline(Date.now() + QUERY_TIMEOUT_MS, () => rolloutHandle(t.client, endpointName).query(evaluationsQuery))
      .catch(() => undefined);
    source = {
      kind: 'status',
      status,
      ...(evaluations ? { evaluations } : {}),
      baselineVariant: spec.baseline?.variantName ?? null,
      candidateVariant: spec.candidate.variantName,
    };
  } else {
    const { result, failure } = await closedResult(t, endpointName);
    if (!result) return { ...base, status: null, report: null, charts: [], guardrails: [], problem: failure };
    source = { kind: 'result', result };
  }
  const report = buildReportData(source, now);
  return { ...base, status, report, charts: chartsFor(report), guardrails: guardrailRows(status) };
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message.split('\n')[0] : String(err);
}
