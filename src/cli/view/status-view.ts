// The rollout as a person reads it: pure functions from a status (or result) to lines, so `status`, `watch` and
// the tests share one rendering and none of it needs a terminal.
import type { GuardrailResult } from '../../analysis/types';
import type {
  CapacityStatus,
  Decision,
  EvaluationRecord,
  LiveQualityStatus,
  RolloutResult,
  RolloutStatus,
} from '../../workflows/shared';
import {
  bar,
  clock,
  formatDifference,
  formatDuration,
  formatInterval,
  formatMetric,
  paint,
  shellQuote,
  table,
  verdictColor,
  type Color,
} from './format';

export interface ViewOptions {
  now: Date;
  color: boolean;
  /** How the user runs this CLI, for the commands we suggest (e.g. "npx model-rollout"). */
  cli: string;
  /** Decisions shown at the bottom of the live view. */
  recentDecisions?: number;
}

const PHASE_COLOR: Partial<Record<RolloutStatus['phase'], Color>> = {
  promoted: 'green',
  'rolled-back': 'red',
  'rolling-back': 'red',
  'awaiting-approval': 'yellow',
  paused: 'yellow',
};

export function renderStatus(status: RolloutStatus, opts: ViewOptions): string[] {
  const c = opts.color;
  const phase = paint(status.phase, PHASE_COLOR[status.phase] ?? 'cyan', c);
  const lines = [
    `${paint('Rollout', 'bold', c)} ${status.endpointName}   phase ${phase}   step ${status.step}/${status.totalSteps}` +
      (status.paused && status.phase !== 'paused' ? `   ${paint('(paused)', 'yellow', c)}` : ''),
    '',
    ...renderWeights(status.weights),
  ];
  // Older workers' status has no `capacity`; a first deployment neither.
  if (status.capacity) lines.push(renderCapacity(status.capacity));
  const soak = renderSoak(status, opts.now);
  if (soak) lines.push('', soak);
  // Older workers' status has no `waiting`.
  if (status.waiting) {
    const forMs = Math.max(0, opts.now.getTime() - Date.parse(status.waiting.since));
    lines.push('', `Waiting: ${status.waiting.what} (${formatDuration(forMs)} so far)`);
  }
  lines.push('', ...renderEvaluation(status.lastEvaluation, opts));
  if (status.liveQuality) lines.push('', ...renderLiveQuality(status.liveQuality, opts));
  if (status.pendingApproval) lines.push('', ...renderPendingApproval(status, opts));
  if (status.paused) {
    lines.push('', `Paused. Resume with: ${opts.cli} resume ${shellQuote(status.endpointName)} --by <you>`);
  }
  const recent = status.decisions.slice(-(opts.recentDecisions ?? 5));
  if (recent.length) lines.push('', paint('Recent decisions', 'bold', c), ...renderDecisions(recent));
  if (status.outcome) {
    const color = status.outcome === 'promoted' ? 'green' : 'red';
    lines.push('', `Outcome: ${paint(status.outcome, color, c)} — ${status.reason ?? ''}`);
  }
  return lines;
}

function renderWeights(weights: Record<string, number>): string[] {
  const entries = Object.entries(weights);
  if (!entries.length) return ['Weights: not set yet'];
  return [
    'Weights',
    ...table(
      entries.map(([variant, weight]) => [variant, bar(weight), `${Number(weight.toFixed(1))}%`]),
      '  ',
    ),
  ];
}

/** Each variant's instances, against its full size where capacity follows the weights, and the baseline's scaling. */
export function renderCapacity(capacity: CapacityStatus): string {
  const counts = Object.entries(capacity.instances)
    .map(([variant, n]) => {
      const full = capacity.fullSize[variant];
      return `${variant} ${n}${capacity.followWeights && full !== undefined && full !== n ? ` of ${full}` : ''}`;
    })
    .join(', ');
  const how = capacity.followWeights ? 'following the weights' : 'at full size';
  const scaling =
    capacity.autoscaling && capacity.autoscaling !== 'as-found'
      ? `; the baseline's autoscaling ${
          {
            suspended: 'holds scale-in',
            moved: 'is handed to the candidate',
            restored: 'is as it was',
          }[capacity.autoscaling]
        }`
      : '';
  return `Instances: ${counts || 'not known yet'} (${how}${scaling})`;
}

/** Soak progress: the soak lasts at least until minEndsAt and, while evidence is inconclusive, up to maxEndsAt. */
export function renderSoak(status: RolloutStatus, now: Date): string | null {
  if (!status.soak || status.phase !== 'soaking') return null;
  const t = now.getTime();
  const started = Date.parse(status.soak.startedAt);
  const minEnd = Date.parse(status.soak.minEndsAt);
  const maxEnd = Date.parse(status.soak.maxEndsAt);
  const elapsed = formatDuration(Math.max(0, t - started));
  if (t < minEnd) {
    return `Soak: ${elapsed} elapsed, ${formatDuration(minEnd - t)} left (up to ${formatDuration(Math.max(0, maxEnd - t))} more if the guardrails stay inconclusive)`;
  }
  return `Soak: ${elapsed} elapsed, minimum reached; waiting for conclusive guardrails, at most ${formatDuration(Math.max(0, maxEnd - t))} more`;
}

function renderEvaluation(record: EvaluationRecord | null, opts: ViewOptions): string[] {
  const c = opts.color;
  if (!record) return ['Guardrails: no evaluation yet'];
  const { evaluation } = record;
  const ago = formatDuration(Math.max(0, opts.now.getTime() - Date.parse(record.at)));
  const lines = [
    `${paint('Guardrails', 'bold', c)} (step ${record.step}, ${ago} ago): ${paint(evaluation.verdict, verdictColor(evaluation.verdict), c)} — ${evaluation.reason}`,
    ...guardrailTable(evaluation.results, c),
  ];
  const alarms = record.alarms.filter((a) => a.state !== 'OK');
  for (const alarm of alarms) lines.push(`  alarm ${alarm.name}: ${paint(alarm.state, 'red', c)}`);
  return lines;
}

function guardrailTable(results: GuardrailResult[], color: boolean): string[] {
  const header = ['GUARDRAIL', 'BASELINE', 'CANDIDATE', 'DIFFERENCE', 'INTERVAL', 'TOLERANCE', 'VERDICT'];
  const rows = results.map((r) => [
    r.guardrail,
    formatMetric(r.guardrail, r.baseline),
    formatMetric(r.guardrail, r.candidate),
    formatDifference(r.guardrail, r.difference),
    formatInterval(r.guardrail, r.interval),
    r.guardrail === 'sampleRatio' ? '—' : formatDifference(r.guardrail, r.tolerance, false),
    paint(r.verdict, verdictColor(r.verdict), color),
  ]);
  return table([header, ...rows], '  ');
}

/**
 * Live traffic's predictions per variant: captured, and of those whose label window closed, labelled (judged) and
 * unlabelled (never judged), and how many still wait for their window to close.
 */
export function renderLiveQuality(live: LiveQualityStatus, opts: ViewOptions): string[] {
  const window = live.maxLabelDelay ? `labels within ${live.maxLabelDelay}` : 'no ground truth: label-free guard only';
  const through = live.labelledThrough ? `; judged: predictions made before ${clock(live.labelledThrough)}` : '';
  const next = live.nextCohortAt ? `; next cohort at ${clock(live.nextCohortAt)}` : '';
  const header = ['VARIANT', 'CAPTURED', 'LABELLED', 'UNLABELLED', 'LATE LABELS', 'WAITING'];
  const rows = Object.entries(live.variants).map(([variant, v]) => [
    variant,
    String(v.captured),
    String(v.labelled),
    String(v.unlabelled),
    String(v.lateLabels),
    String(v.waiting),
  ]);
  return [
    `${paint('Live traffic', 'bold', opts.color)} (${window}${through}${next})`,
    ...table([header, ...rows], '  '),
  ];
}

function renderPendingApproval(status: RolloutStatus, opts: ViewOptions): string[] {
  const p = status.pendingApproval;
  if (!p) return [];
  const ep = shellQuote(status.endpointName);
  const timeout = Date.parse(p.timeoutAt) - opts.now.getTime();
  return [
    paint(`Waiting for approval`, 'yellow', opts.color) +
      ` (step ${p.step}, ${p.cause}): ${p.reason}; times out in ${formatDuration(Math.max(0, timeout))}`,
    ...(p.approvers ? [`  who may approve: ${p.approvers.join(', ')}`] : []),
    `  approve:  ${opts.cli} approve ${ep} --by <you> --reason "<why>"`,
    `  rollback: ${opts.cli} rollback ${ep} --by <you> --reason "<why>"`,
  ];
}

function renderDecisions(decisions: Decision[]): string[] {
  return table(
    decisions.map((d) => [clock(d.at), `step ${d.step}`, d.kind, `by ${d.by}`, d.reason]),
    '  ',
  );
}

/** A finished rollout: outcome, the steps it went through, its last evaluation and every decision. */
export function renderResult(result: RolloutResult, opts: ViewOptions): string[] {
  const c = opts.color;
  const color = result.outcome === 'promoted' ? 'green' : 'red';
  const lines = [
    `${paint('Rollout', 'bold', c)} ${result.endpointName}: ${paint(result.outcome, color, c)} — ${result.reason}`,
    `Serving: ${result.servingVariant} (candidate ${result.candidateVariant}, baseline ${result.baselineVariant ?? 'none: first deployment'})`,
    '',
    paint('Steps', 'bold', c),
    ...table(
      [
        ['STEP', 'WEIGHT', 'SOAKED', 'EVALUATIONS', 'VERDICT', 'ENDED'],
        ...result.steps.map((s) => [
          String(s.step),
          `${s.candidateWeight}%`,
          formatDuration(s.soakedMs),
          String(s.evaluations),
          s.verdict ? paint(s.verdict, verdictColor(s.verdict), c) : '—',
          s.ended ?? '—',
        ]),
      ],
      '  ',
    ),
  ];
  const last = result.evaluations[result.evaluations.length - 1];
  if (last) lines.push('', ...renderEvaluation(last, opts));
  lines.push('', paint('Decisions', 'bold', c), ...renderDecisions(result.decisions));
  if (result.cleanupWarnings.length) {
    lines.push('', paint('Cleanup warnings', 'yellow', c), ...result.cleanupWarnings.map((w) => `  - ${w}`));
  }
  return lines;
}
