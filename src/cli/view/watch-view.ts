// The two faces of `watch`: on a terminal the status view is redrawn in place; anywhere else (CI logs, pipes) we
// append one line per change, so the log reads as the rollout's story. Both are pure and unit-tested.
import type { GuardrailResult } from '../../analysis/types';
import type { RolloutStatus } from '../../workflows/shared';
import { clock, fit, formatDifference, formatDuration, paint, shellQuote, verdictColor, visibleLength } from './format';
import type { ViewOptions } from './status-view';

/** Lines describing what changed between two statuses (everything, when there is no previous one). */
export function eventLines(prev: RolloutStatus | null, next: RolloutStatus, opts: ViewOptions): string[] {
  const c = opts.color;
  const t = clock(opts.now);
  const lines: string[] = [];
  const weights = (s: RolloutStatus) =>
    Object.entries(s.weights)
      .map(([v, w]) => `${v}=${Number(w.toFixed(1))}%`)
      .join(' ');
  if (!prev || prev.phase !== next.phase || prev.step !== next.step || weights(prev) !== weights(next)) {
    lines.push(
      `${t} phase ${next.phase}, step ${next.step}/${next.totalSteps}` +
        (Object.keys(next.weights).length ? `, weights ${weights(next)}` : '') +
        (next.phase === 'soaking' && next.soak
          ? `, soak at least ${formatDuration(Math.max(0, Date.parse(next.soak.minEndsAt) - opts.now.getTime()))}`
          : '') +
        (next.shadow && next.phase !== 'baking'
          ? `, ${next.shadow.mirroredPercent}% mirrored to shadow ${next.shadow.variantName}`
          : '') +
        (next.phase === 'baking' && next.bake
          ? `, baking until about ${clock(next.bake.endsAt)} (baseline warm on ${next.bake.warmInstances})`
          : ''),
    );
  }
  const seen = prev ? prev.decisions.length : 0;
  for (const d of next.decisions.slice(seen)) {
    lines.push(`${clock(d.at)} decision ${d.kind} (step ${d.step}) by ${d.by}: ${d.reason}`);
  }
  const evaluation = next.lastEvaluation;
  if (evaluation && evaluation.at !== prev?.lastEvaluation?.at) {
    const parts = evaluation.evaluation.results.map(
      (r: GuardrailResult) =>
        `${r.guardrail} ${paint(r.verdict, verdictColor(r.verdict), c)} ${formatDifference(r.guardrail, r.difference)}`,
    );
    lines.push(
      `${clock(evaluation.at)} evaluation (${evaluation.bake ? 'bake' : `step ${evaluation.step}`}): ${paint(evaluation.evaluation.verdict, verdictColor(evaluation.evaluation.verdict), c)}; ${parts.join(', ')}`,
    );
  }
  const pending = next.pendingApproval;
  if (pending && (pending.step !== prev?.pendingApproval?.step || pending.since !== prev?.pendingApproval?.since)) {
    lines.push(
      `${t} waiting for approval (step ${pending.step}): ${pending.reason}; approve with: ${opts.cli} approve ${shellQuote(next.endpointName)} --by <you>`,
    );
  }
  if (prev && prev.paused !== next.paused) lines.push(`${t} ${next.paused ? 'paused' : 'resumed'}`);
  const live = next.liveQuality;
  if (live && JSON.stringify(live.variants) !== JSON.stringify(prev?.liveQuality?.variants)) {
    const counts = Object.entries(live.variants)
      .map(([v, n]) => `${v} ${n.labelled} labelled, ${n.unlabelled} unlabelled, ${n.waiting} waiting`)
      .join('; ');
    lines.push(`${t} live traffic: ${counts}`);
  }
  return lines;
}

/** Terminal rows a block of lines takes, counting lines the terminal wraps. */
export function rowsTaken(lines: string[], columns: number): number {
  return lines.reduce((rows, line) => rows + Math.max(1, Math.ceil(visibleLength(line) / Math.max(1, columns))), 0);
}

/**
 * The bytes that replace the previously drawn block with `lines`: cursor up to where the block started, clear
 * to the end of the screen, draw. The final view stays in the scrollback when watch exits, unlike a full-screen
 * alternate buffer.
 */
export function redrawSequence(previousRows: number, lines: string[]): string {
  const up = previousRows > 0 ? `\x1b[${previousRows}F` : '';
  return `${up}\x1b[0J${lines.join('\n')}\n`;
}

export const HIDE_CURSOR = '\x1b[?25l';
export const SHOW_CURSOR = '\x1b[?25h';

/** Draws blocks of lines in place on a terminal. */
export class LiveScreen {
  private rows = 0;

  constructor(private readonly stream: NodeJS.WritableStream & { columns?: number }) {
    stream.write(HIDE_CURSOR);
  }

  /**
   * Live frames are cut to the terminal's width so the block keeps its shape while it refreshes; the final frame
   * (`wrap`) is left whole, since it stays in the scrollback as the record.
   */
  draw(lines: string[], opts: { wrap?: boolean } = {}): void {
    const columns = this.stream.columns ?? 80;
    const shown = opts.wrap ? lines : lines.map((line) => fit(line, columns));
    this.stream.write(redrawSequence(this.rows, shown));
    this.rows = rowsTaken(shown, columns);
  }

  done(): void {
    this.stream.write(SHOW_CURSOR);
  }
}
